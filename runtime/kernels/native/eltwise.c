#include "eltwise.h"

#include <math.h>

#include "pool.h"

typedef struct {
  const float *a, *b;
  float *out;
  long n;
  float alpha;
} job_t;

// Below this many elements one thread does it all (waking another costs more).
#define SPLIT 65536

static void range(const job_t *j, int tid, int n, long *i0, long *i1) {
  long chunk = (j->n + n - 1) / n;
  chunk = (chunk + 15) & ~15L;
  *i0 = chunk * tid < j->n ? chunk * tid : j->n;
  *i1 = *i0 + chunk < j->n ? *i0 + chunk : j->n;
}

static void leaky_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  long i0, i1;
  range(j, tid, n, &i0, &i1);
  for (long i = i0; i < i1; i++) {
    float x = j->a[i];
    j->out[i] = x > 0.f ? x : j->alpha * x;
  }
}

static void leaky_grad_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  long i0, i1;
  range(j, tid, n, &i0, &i1);
  for (long i = i0; i < i1; i++) {
    float dy = j->a[i];
    j->out[i] = j->b[i] > 0.f ? dy : j->alpha * dy;
  }
}

void leaky_relu(const float *x, float *out, long n, float alpha) {
  job_t j = {x, 0, out, n, alpha};
  pool_run(leaky_thread, &j, n < SPLIT ? 1 : 64);
}

void leaky_relu_grad(const float *dy, const float *x, float *out, long n, float alpha) {
  job_t j = {dy, x, out, n, alpha};
  pool_run(leaky_grad_thread, &j, n < SPLIT ? 1 : 64);
}

typedef struct {
  const adam_t *h;
  const float *p, *g, *m, *v;
  float *po, *mo, *vo;
  long n;
} adam_job_t;

static void adam_thread(void *ctx, int tid, int nthreads) {
  const adam_job_t *j = (const adam_job_t *)ctx;
  job_t r = {0, 0, 0, j->n, 0};
  long i0, i1;
  range(&r, tid, nthreads, &i0, &i1);
  const adam_t h = *j->h;
  for (long i = i0; i < i1; i++) {
    float g = j->g[i];
    float m = j->m[i] * h.b1 + g * h.one_minus_b1;
    float v = j->v[i] * h.b2 + (g * g) * h.one_minus_b2;
    float denom = sqrtf(v) / h.bc2_sqrt + h.eps;
    j->mo[i] = m;
    j->vo[i] = v;
    j->po[i] = j->p[i] - (m / denom) * h.step_size;
  }
}

void adam_step(const adam_t *h, const float *p, const float *g, const float *m, const float *v, float *p_out, float *m_out,
               float *v_out, long n) {
  adam_job_t j = {h, p, g, m, v, p_out, m_out, v_out, n};
  pool_run(adam_thread, &j, n < SPLIT ? 1 : 64);
}
