#include "batchnorm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

typedef struct {
  const float *x, *dy, *mean, *var, *w, *b;
  float *y, *dx;
  long R, C;
  float eps;
  double *partial;  // [threads][2][C]
  const float *coef; // backward: [3][C] per-channel a, k1, k2 (dx = a * (dy - k1 - xhat * k2))
} job_t;

static void rows_of(long R, int tid, int n, long *r0, long *r1) {
  *r0 = R * tid / n;
  *r1 = R * (tid + 1) / n;
}

// Per thread: sum of x (pass 1) or of (x - mean)^2 (pass 2), per channel.
static void sum_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  long r0, r1;
  rows_of(j->R, tid, n, &r0, &r1);
  double *acc = j->partial + (long)tid * 2 * j->C;
  memset(acc, 0, (size_t)j->C * sizeof(double));
  for (long r = r0; r < r1; r++) {
    const float *row = j->x + r * j->C;
    if (!j->mean)
      for (long c = 0; c < j->C; c++) acc[c] += row[c];
    else
      for (long c = 0; c < j->C; c++) {
        double d = (double)row[c] - j->mean[c];
        acc[c] += d * d;
      }
  }
}

static int channel_sums(job_t *j, double *out) {
  int threads = j->R * j->C < 65536 ? 1 : pool_threads();
  j->partial = (double *)malloc((size_t)threads * 2 * j->C * sizeof(double));
  if (!j->partial) return -1;
  pool_run(sum_thread, j, threads);
  for (long c = 0; c < j->C; c++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += j->partial[(long)t * 2 * j->C + c];
    out[c] = s;
  }
  free(j->partial);
  j->partial = 0;
  return 0;
}

int bn_stats(const float *x, long R, long C, float *mean, float *var) {
  double *s = (double *)malloc((size_t)C * sizeof(double));
  float *m = (float *)malloc((size_t)C * sizeof(float));
  if (!s || !m) {
    free(s);
    free(m);
    return -1;
  }
  job_t j;
  memset(&j, 0, sizeof j);
  j.x = x;
  j.R = R;
  j.C = C;
  int rc = channel_sums(&j, s);
  for (long c = 0; c < C && rc == 0; c++) m[c] = mean[c] = (float)(R > 0 ? s[c] / R : 0);
  j.mean = m;
  if (rc == 0) rc = channel_sums(&j, s);
  for (long c = 0; c < C && rc == 0; c++) var[c] = (float)(R > 0 ? s[c] / R : 0);
  free(s);
  free(m);
  return rc;
}

static void forward_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  long r0, r1;
  rows_of(j->R, tid, n, &r0, &r1);
  const float *scale = j->coef, *shift = j->coef + j->C;
  for (long r = r0; r < r1; r++) {
    const float *restrict row = j->x + r * j->C;
    float *restrict out = j->y + r * j->C;
    for (long c = 0; c < j->C; c++) out[c] = row[c] * scale[c] + shift[c];
  }
}

void bn_forward(const float *x, long R, long C, const float *mean, const float *var, const float *w, const float *b,
                float eps, float *y) {
  // y = (x - mean) * invstd * w + b = x * s + (b - mean * s), s = invstd * w (as PyTorch's CPU kernel)
  float *coef = (float *)malloc((size_t)2 * C * sizeof(float));
  if (!coef) abort();
  for (long c = 0; c < C; c++) {
    float invstd = 1.f / sqrtf(var[c] + eps);
    coef[c] = invstd * w[c];
    coef[C + c] = b[c] - mean[c] * coef[c];
  }
  job_t j;
  memset(&j, 0, sizeof j);
  j.x = x;
  j.y = y;
  j.R = R;
  j.C = C;
  j.coef = coef;
  pool_run(forward_thread, &j, R * C < 65536 ? 1 : 64);
  free(coef);
}

// Per thread: sum(dy) and sum(dy * (x - mean)) per channel.
static void grad_sums_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  long r0, r1;
  rows_of(j->R, tid, n, &r0, &r1);
  double *sdy = j->partial + (long)tid * 2 * j->C, *sdyx = sdy + j->C;
  memset(sdy, 0, (size_t)2 * j->C * sizeof(double));
  for (long r = r0; r < r1; r++) {
    const float *xr = j->x + r * j->C, *dr = j->dy + r * j->C;
    for (long c = 0; c < j->C; c++) {
      sdy[c] += dr[c];
      sdyx[c] += (double)dr[c] * ((double)xr[c] - j->mean[c]);
    }
  }
}

static void backward_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  long r0, r1;
  rows_of(j->R, tid, n, &r0, &r1);
  const float *a = j->coef, *k1 = j->coef + j->C, *k2 = j->coef + 2 * j->C;
  for (long r = r0; r < r1; r++) {
    const float *restrict xr = j->x + r * j->C;
    const float *restrict dr = j->dy + r * j->C;
    float *restrict out = j->dx + r * j->C;
    for (long c = 0; c < j->C; c++) out[c] = a[c] * (dr[c] - k1[c] - (xr[c] - j->mean[c]) * k2[c]);
  }
}

int bn_backward(const float *dy, const float *x, long R, long C, const float *mean, const float *var, const float *w,
                float eps, float *dx, float *dw, float *db) {
  int threads = R * C < 65536 ? 1 : pool_threads();
  job_t j;
  memset(&j, 0, sizeof j);
  j.x = x;
  j.dy = dy;
  j.dx = dx;
  j.mean = mean;
  j.R = R;
  j.C = C;
  j.partial = (double *)malloc((size_t)threads * 2 * C * sizeof(double));
  float *coef = (float *)malloc((size_t)3 * C * sizeof(float));
  if (!j.partial || !coef) {
    free(j.partial);
    free(coef);
    return -1;
  }
  pool_run(grad_sums_thread, &j, threads);
  for (long c = 0; c < C; c++) {
    double sdy = 0, sdyx = 0;
    for (int t = 0; t < threads; t++) {
      sdy += j.partial[(long)t * 2 * C + c];
      sdyx += j.partial[(long)t * 2 * C + C + c];
    }
    double invstd = 1.0 / sqrt((double)var[c] + eps);
    db[c] = (float)sdy;
    dw[c] = (float)(sdyx * invstd);
    // dx = w * invstd * (dy - sdy / R - (x - mean) * invstd^2 * sdyx / R)
    coef[c] = (float)(w[c] * invstd);
    coef[C + c] = (float)(R > 0 ? sdy / R : 0);
    coef[2 * C + c] = (float)(R > 0 ? invstd * invstd * sdyx / R : 0);
  }
  j.coef = coef;
  pool_run(backward_thread, &j, threads);
  free(j.partial);
  free(coef);
  return 0;
}
