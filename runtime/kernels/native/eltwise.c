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
#define SPLIT 131072

// Thread tid's share of [0, size): whole blocks of 16 elements, in order.
static void range(long size, int tid, int n, long *i0, long *i1) {
  long chunk = (size + n - 1) / n;
  chunk = (chunk + 15) & ~15L;
  *i0 = chunk * tid < size ? chunk * tid : size;
  *i1 = *i0 + chunk < size ? *i0 + chunk : size;
}

static void leaky_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  long i0, i1;
  range(j->n, tid, n, &i0, &i1);
  // Locals, not j->...: a store through out could otherwise change *j, and the loop
  // would neither vectorise nor lose its branch.
  const float *restrict a = j->a;
  float *restrict out = j->out;
  const float alpha = j->alpha;
  for (long i = i0; i < i1; i++) {
    float x = a[i];
    out[i] = x > 0.f ? x : alpha * x;
  }
}

static void leaky_grad_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  long i0, i1;
  range(j->n, tid, n, &i0, &i1);
  const float *restrict dy = j->a;
  const float *restrict x = j->b;
  float *restrict out = j->out;
  const float alpha = j->alpha;
  for (long i = i0; i < i1; i++) out[i] = x[i] > 0.f ? dy[i] : alpha * dy[i];
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

static void adam_range(long i0, long i1, const float *restrict pp, const float *restrict gp, const float *restrict mp,
                       const float *restrict vp, float *restrict po, float *restrict mo, float *restrict vo, float b1,
                       float ob1, float b2, float ob2, float bc2, float eps, float step) {
  for (long i = i0; i < i1; i++) {
    float g = gp[i];
    float m = mp[i] * b1 + g * ob1;
    float v = vp[i] * b2 + (g * g) * ob2;
    float denom = sqrtf(v) / bc2 + eps;
    mo[i] = m;
    vo[i] = v;
    po[i] = pp[i] - (m / denom) * step;
  }
}

static void adam_thread(void *ctx, int tid, int nthreads) {
  const adam_job_t *j = (const adam_job_t *)ctx;
  long i0, i1;
  range(j->n, tid, nthreads, &i0, &i1);
  const adam_t *h = j->h;
  adam_range(i0, i1, j->p, j->g, j->m, j->v, j->po, j->mo, j->vo, h->b1, h->one_minus_b1, h->b2, h->one_minus_b2,
             h->bc2_sqrt, h->eps, h->step_size);
}

void adam_step(const adam_t *h, const float *p, const float *g, const float *m, const float *v, float *p_out, float *m_out,
               float *v_out, long n) {
  adam_job_t j = {h, p, g, m, v, p_out, m_out, v_out, n};
  pool_run(adam_thread, &j, n < SPLIT ? 1 : 64);
}

static long count_range(const float *x, long i0, long i1) {
  long count = 0;
  for (long i = i0; i < i1; i++) {
    float d = x[i] - x[i];  // 0 for a finite value, NaN for NaN and ±Inf
    count += d != d;
  }
  return count;
}

typedef struct {
  const float *x;
  long n;
  long counts[64];
} count_job_t;

static void count_thread(void *ctx, int tid, int nthreads) {
  count_job_t *j = (count_job_t *)ctx;
  long i0, i1;
  range(j->n, tid, nthreads, &i0, &i1);
  j->counts[tid] = count_range(j->x, i0, i1);
}

long count_nonfinite(const float *x, long n) {
  count_job_t j = {x, n, {0}};
  pool_run(count_thread, &j, n < SPLIT ? 1 : 64);
  long count = 0;
  for (int t = 0; t < 64; t++) count += j.counts[t];
  return count;
}

typedef struct {
  float *out;
  long n;
  double p;
  float scale;
  unsigned long long seed;
} mask_job_t;

static inline unsigned long long splitmix64(unsigned long long x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

static void mask_thread(void *ctx, int tid, int nthreads) {
  const mask_job_t *j = (const mask_job_t *)ctx;
  long i0, i1;
  range(j->n, tid, nthreads, &i0, &i1);
  unsigned long long base = splitmix64(j->seed);
  for (long i = i0; i < i1; i++) {
    // 53 random bits: a double uniform in [0, 1)
    double u = (double)(splitmix64(base + (unsigned long long)i) >> 11) * (1.0 / 9007199254740992.0);
    j->out[i] = u >= j->p ? j->scale : 0.f;
  }
}

void dropout_mask(float *out, long n, double p, float scale, unsigned long long seed) {
  mask_job_t j = {out, n, p, scale, seed};
  // about 5 ns a value: worth a thread from far fewer values than a memory-bound pass
  pool_run(mask_thread, &j, n < SPLIT / 8 ? 1 : 64);
}
