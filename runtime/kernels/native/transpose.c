#include "transpose.h"

#include <string.h>

#include "pool.h"

#define TILE 16

typedef struct {
  const float *x;
  float *y;
  int n_other;                            // axes other than the two below, in output order
  long other_size[TRANSPOSE_MAX_RANK];    // their sizes
  long other_in[TRANSPOSE_MAX_RANK];      // their input strides
  long other_out[TRANSPOSE_MAX_RANK];     // their output strides
  long n_a, in_a;                         // the output's innermost axis (output stride 1)
  long n_b, out_b;                        // the input's innermost axis (input stride 1)
  int same;                               // the two are the same axis: rows are copied whole
  long items;                             // other-index count x tiles of a
} job_t;

static void transpose_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  long tiles_a = j->same ? 1 : (j->n_a + TILE - 1) / TILE;
  long i0 = j->items * tid / n, i1 = j->items * (tid + 1) / n;
  for (long item = i0; item < i1; item++) {
    long other = item / tiles_a, ta = item % tiles_a;
    long in = 0, out = 0;
    for (int k = j->n_other - 1; k >= 0; k--) {
      long idx = other % j->other_size[k];
      other /= j->other_size[k];
      in += idx * j->other_in[k];
      out += idx * j->other_out[k];
    }
    if (j->same) {
      memcpy(j->y + out, j->x + in, (size_t)j->n_a * sizeof(float));
      continue;
    }
    long a0 = ta * TILE, a1 = a0 + TILE < j->n_a ? a0 + TILE : j->n_a;
    for (long b0 = 0; b0 < j->n_b; b0 += TILE) {
      long b1 = b0 + TILE < j->n_b ? b0 + TILE : j->n_b;
      for (long b = b0; b < b1; b++) {
        const float *src = j->x + in + b;
        float *dst = j->y + out + b * j->out_b;
        for (long a = a0; a < a1; a++) dst[a] = src[a * j->in_a];
      }
    }
  }
}

// Drops axes of size 1 and merges input axes i, i+1 that stay next to each other, in
// order, in the output: [O, I, KH, KW] -> [KH, KW, I, O] becomes [O, I, T] -> [T, I, O].
static int simplify(int rank, const long *shape, const int *perm, long *s2, int *p2) {
  int keep[TRANSPOSE_MAX_RANK], map[TRANSPOSE_MAX_RANK], pos[TRANSPOSE_MAX_RANK];
  int n = 0;
  for (int i = 0; i < rank; i++) {
    keep[i] = shape[i] != 1;
    map[i] = -1;
  }
  // An input axis joins the previous kept one when it follows it in the output too.
  for (int i = 0; i < rank; i++) pos[perm[i]] = i;
  int last = -1;
  for (int i = 0; i < rank; i++) {
    if (!keep[i]) continue;
    if (last >= 0 && pos[i] == pos[last] + 1) {
      map[i] = map[last];
      s2[map[i]] *= shape[i];
      last = i;
      continue;
    }
    map[i] = n;
    s2[n++] = shape[i];
    last = i;
  }
  // The output order of the merged axes.
  int m = 0;
  for (int i = 0; i < rank; i++) {
    int ax = perm[i];
    if (!keep[ax]) continue;
    if (m > 0 && p2[m - 1] == map[ax]) continue;
    p2[m++] = map[ax];
  }
  if (n == 0) {
    s2[0] = 1;
    p2[0] = 0;
    return 1;
  }
  return n;
}

void transpose(const float *x, float *y, int rank0, const long *shape0, const int *perm0) {
  long shape[TRANSPOSE_MAX_RANK];
  int perm[TRANSPOSE_MAX_RANK];
  int rank = simplify(rank0, shape0, perm0, shape, perm);
  long in_stride[TRANSPOSE_MAX_RANK], out_stride[TRANSPOSE_MAX_RANK];
  long size = 1;
  for (int i = rank - 1; i >= 0; i--) {
    in_stride[i] = size;
    size *= shape[i];
  }
  if (size == 0) return;
  long s = 1;
  for (int i = rank - 1; i >= 0; i--) {
    out_stride[i] = s;
    s *= shape[perm[i]];
  }
  job_t j;
  memset(&j, 0, sizeof j);
  j.x = x;
  j.y = y;
  int a = rank - 1;  // output axis with stride 1
  int b = 0;         // output axis holding the input's last axis
  for (int i = 0; i < rank; i++)
    if (perm[i] == rank - 1) b = i;
  j.same = a == b;
  j.n_a = shape[perm[a]];
  j.in_a = in_stride[perm[a]];
  j.n_b = j.same ? 1 : shape[rank - 1];
  j.out_b = out_stride[b];
  for (int i = 0; i < rank; i++) {
    if (i == a || i == b) continue;
    j.other_size[j.n_other] = shape[perm[i]];
    j.other_in[j.n_other] = in_stride[perm[i]];
    j.other_out[j.n_other] = out_stride[i];
    j.n_other++;
  }
  long others = 1;
  for (int k = 0; k < j.n_other; k++) others *= j.other_size[k];
  j.items = others * (j.same ? 1 : (j.n_a + TILE - 1) / TILE);
  pool_run(transpose_thread, &j, size < 65536 ? 1 : 64);
}

typedef struct {
  const float *src;
  float *dst;
  long rows, len, src_stride, dst_stride;
} rows_job_t;

static void copy_rows_thread(void *ctx, int tid, int n) {
  const rows_job_t *j = (const rows_job_t *)ctx;
  long r0 = j->rows * tid / n, r1 = j->rows * (tid + 1) / n;
  for (long r = r0; r < r1; r++) memcpy(j->dst + r * j->dst_stride, j->src + r * j->src_stride, (size_t)j->len * sizeof(float));
}

void copy_rows(const float *src, long src_stride, float *dst, long dst_stride, long rows, long len) {
  rows_job_t j = {src, dst, rows, len, src_stride, dst_stride};
  pool_run(copy_rows_thread, &j, rows * len < (1L << 18) ? 1 : 64);
}
