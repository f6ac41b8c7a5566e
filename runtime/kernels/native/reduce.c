#include "reduce.h"

#include <stdlib.h>
#include <string.h>

#include "pool.h"

typedef struct {
  const float *x;
  float *out;
  long P, R, Q;
  double scale;
  double *partial;  // [threads, P, Q] when the threads split R
  int split_r;
} job_t;

// acc[q] += x[r, q] for r in [r0, r1)
static void sum_rows(const float *x, long r0, long r1, long Q, double *acc) {
  for (long r = r0; r < r1; r++) {
    const float *row = x + r * Q;
    for (long q = 0; q < Q; q++) acc[q] += row[q];
  }
}

static double sum_run(const float *x, long n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  long i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < n; i++) s0 += x[i];
  return (s0 + s1) + (s2 + s3);
}

static void reduce_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  if (!j->split_r) {
    long p0 = j->P * tid / n, p1 = j->P * (tid + 1) / n;
    double *acc = j->Q > 1 ? (double *)calloc((size_t)j->Q, sizeof(double)) : 0;
    for (long p = p0; p < p1; p++) {
      const float *xp = j->x + p * j->R * j->Q;
      if (j->Q == 1) {
        j->out[p] = (float)(sum_run(xp, j->R) * j->scale);
        continue;
      }
      if (!acc) abort();
      memset(acc, 0, (size_t)j->Q * sizeof(double));
      sum_rows(xp, 0, j->R, j->Q, acc);
      for (long q = 0; q < j->Q; q++) j->out[p * j->Q + q] = (float)(acc[q] * j->scale);
    }
    free(acc);
    return;
  }
  long r0 = j->R * tid / n, r1 = j->R * (tid + 1) / n;
  double *acc = j->partial + (long)tid * j->P * j->Q;
  for (long p = 0; p < j->P; p++) {
    const float *xp = j->x + p * j->R * j->Q;
    if (j->Q == 1)
      acc[p] = sum_run(xp + r0, r1 - r0);
    else
      sum_rows(xp, r0, r1, j->Q, acc + p * j->Q);
  }
}

int reduce_sum(const float *x, float *out, long P, long R, long Q, double scale) {
  long size = P * R * Q;
  int threads = size < 65536 ? 1 : pool_threads();
  job_t j = {x, out, P, R, Q, scale, 0, 0};
  // Split the outputs when there are enough of them, else the reduced axis.
  if (P >= threads) {
    pool_run(reduce_thread, &j, threads);
    return 0;
  }
  j.split_r = 1;
  j.partial = (double *)calloc((size_t)threads * P * Q, sizeof(double));
  if (!j.partial) return -1;
  pool_run(reduce_thread, &j, threads);
  for (long i = 0; i < P * Q; i++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += j.partial[(long)t * P * Q + i];
    out[i] = (float)(s * scale);
  }
  free(j.partial);
  return 0;
}
