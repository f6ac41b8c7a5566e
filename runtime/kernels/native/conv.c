#include "conv.h"

#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "pool.h"
#include "transpose.h"

typedef struct {
  const conv_t *g;
  const float *x;
} image_t;

// A = im2col(x): row = output pixel (n, oh, ow), column = tap (kh, kw, c).
static void pack_a_im2col(const void *ctx, long r0, int rows, long k0, int kc, float *dst) {
  const image_t *m = (const image_t *)ctx;
  const conv_t *g = m->g;
  long plane = g->OH * g->OW;
  for (int r = 0; r < GEMM_MR; r++) {
    if (r >= rows) {
      for (int k = 0; k < kc; k++) dst[k * GEMM_MR + r] = 0.f;
      continue;
    }
    long pix = r0 + r;
    long n = pix / plane, rem = pix % plane;
    long ih0 = (rem / g->OW) * g->SH - g->PT, iw0 = (rem % g->OW) * g->SW - g->PL;
    const float *img = m->x + n * g->H * g->W * g->C;
    long tap = k0 / g->C, c = k0 % g->C;
    int i = 0;
    while (i < kc) {
      long run = g->C - c < kc - i ? g->C - c : kc - i;
      long ih = ih0 + (tap / g->KW) * g->DH, iw = iw0 + (tap % g->KW) * g->DW;
      float *d = dst + i * GEMM_MR + r;
      if (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W) {
        const float *s = img + (ih * g->W + iw) * g->C + c;
        for (long t = 0; t < run; t++) d[t * GEMM_MR] = s[t];
      } else {
        for (long t = 0; t < run; t++) d[t * GEMM_MR] = 0.f;
      }
      i += (int)run;
      c = 0;
      tap++;
    }
  }
}

// Taps (an offset in the image and a channel each) gathered for the output pixels p0 ..
// p0+kc-1 into dst[i * width + t] (taps past `count` zero): im2col(x) read by rows of
// pixels, for either side of a product.
typedef struct {
  long dh, dw, c;
} tap_t;

static inline __attribute__((always_inline)) void gather_taps(const conv_t *g, const float *x, const tap_t *taps, int count, int width, long p0, int kc, float *dst) {
  long plane = g->OH * g->OW;
  long n = p0 / plane, rem = p0 % plane, oh = rem / g->OW, ow = rem % g->OW;
  for (int i = 0; i < kc; i++) {
    const float *img = x + n * g->H * g->W * g->C;
    long ih0 = oh * g->SH - g->PT, iw0 = ow * g->SW - g->PL;
    float *d = dst + i * width;
    int t = 0;
    for (; t < count; t++) {
      long ih = ih0 + taps[t].dh, iw = iw0 + taps[t].dw;
      d[t] = (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W) ? img[(ih * g->W + iw) * g->C + taps[t].c] : 0.f;
    }
    for (; t < width; t++) d[t] = 0.f;
    if (++ow == g->OW) {
      ow = 0;
      if (++oh == g->OH) {
        oh = 0;
        n++;
      }
    }
  }
}

// A = im2col(x)^T: row = tap (kh, kw, c), column = output pixel.
static void pack_a_im2col_t(const void *ctx, long r0, int rows, long p0, int kc, float *dst) {
  const image_t *m = (const image_t *)ctx;
  const conv_t *g = m->g;
  tap_t taps[GEMM_MR_MAX];
  for (int r = 0; r < rows; r++) {
    long k = r0 + r, tap = k / g->C;
    taps[r] = (tap_t){(tap / g->KW) * g->DH, (tap % g->KW) * g->DW, k % g->C};
  }
  gather_taps(g, m->x, taps, rows, GEMM_MR, p0, kc, dst);
}

// A = im2col(x) with its columns in PyTorch's filter order: tap (c, kh, kw).
static void pack_a_im2col_ck(const void *ctx, long r0, int rows, long k0, int kc, float *dst) {
  const image_t *m = (const image_t *)ctx;
  const conv_t *g = m->g;
  long plane = g->OH * g->OW, taps = g->KH * g->KW;
  for (int r = 0; r < GEMM_MR; r++) {
    float *d = dst + r;
    if (r >= rows) {
      for (int k = 0; k < kc; k++) d[k * GEMM_MR] = 0.f;
      continue;
    }
    long pix = r0 + r;
    long n = pix / plane, rem = pix % plane;
    long ih0 = (rem / g->OW) * g->SH - g->PT, iw0 = (rem % g->OW) * g->SW - g->PL;
    const float *img = m->x + n * g->H * g->W * g->C;
    long c = k0 / taps, tap = k0 % taps, kh = tap / g->KW, kw = tap % g->KW;
    for (int i = 0; i < kc; i++) {
      long ih = ih0 + kh * g->DH, iw = iw0 + kw * g->DW;
      d[i * GEMM_MR] = (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W) ? img[(ih * g->W + iw) * g->C + c] : 0.f;
      if (++kw == g->KW) {
        kw = 0;
        if (++kh == g->KH) {
          kh = 0;
          c++;
        }
      }
    }
  }
}

// B = im2col(x) (rows: output pixels; columns: taps (c, kh, kw), PyTorch's filter order).
static void pack_b_im2col_ck(const void *ctx, long c0, int cols, long p0, int kc, float *dst) {
  const image_t *m = (const image_t *)ctx;
  const conv_t *g = m->g;
  tap_t taps[GEMM_NR];
  long per_channel = g->KH * g->KW;
  for (int j = 0; j < cols; j++) {
    long k = c0 + j, tap = k % per_channel;
    taps[j] = (tap_t){(tap / g->KW) * g->DH, (tap % g->KW) * g->DW, k / per_channel};
  }
  gather_taps(g, m->x, taps, cols, GEMM_NR, p0, kc, dst);
}

// A scratch buffer kept between calls (the kernels run on one calling thread at a time):
// a fresh allocation of a large filter would cost its page faults on every call.
static float *scratch;
static size_t scratch_size;

static float *scratch_floats(size_t n) {
  if (n > scratch_size) {
    free(scratch);
    scratch = (float *)malloc(n * sizeof(float));
    scratch_size = scratch ? n : 0;
  }
  return scratch;
}

int conv2d_forward(const conv_t *g, const float *x, const float *w, float *y, int threads) {
  image_t a = {g, x};
  long M = g->N * g->OH * g->OW, K = g->KH * g->KW * g->C;
  if (g->oihw) {
    // In place, the im2col packing gathers one value at a time (the columns run over
    // kW, kH, then C); transposed, it copies runs of C but the filter is read and written
    // once more. The filter's traffic wins when there are few output pixels per output
    // channel (measured: in place wins below about one pixel per two channels, e.g. a
    // U-Net's bottleneck), the packing's when there are more.
    if (2 * M <= g->O) {
      strided_t b = {w, 1, K};
      gemm(M, g->O, K, pack_a_im2col_ck, &a, pack_b_strided, &b, y, g->O, 0, threads);
      return 0;
    }
    float *t = scratch_floats((size_t)(K * g->O));
    if (!t) return -1;
    long s4[4] = {g->O, g->C, g->KH, g->KW};
    int perm[4] = {2, 3, 1, 0};
    transpose(w, t, 4, s4, perm);
    w = t;  // now [KH, KW, C, O]
  }
  strided_t b = {w, g->O, 1};
  gemm(M, g->O, K, pack_a_im2col, &a, pack_b_strided, &b, y, g->O, 0, threads);
  return 0;
}

void conv2d_backprop_filter(const conv_t *g, const float *x, const float *dy, float *dw, int threads) {
  image_t a = {g, x};
  long P = g->N * g->OH * g->OW, K = g->KH * g->KW * g->C;
  if (g->oihw) {
    // dw [O, (C, KH, KW)] = dy^T · im2col(x)
    strided_t t = {dy, 1, g->O};
    gemm(g->O, K, P, pack_a_strided, &t, pack_b_im2col_ck, &a, dw, K, 0, threads);
    return;
  }
  strided_t b = {dy, g->O, 1};
  gemm(K, g->O, P, pack_a_im2col_t, &a, pack_b_strided, &b, dw, g->O, 0, threads);
}

typedef struct {
  const conv_t *g;
  const float *cols;  // [images, OH, OW, KH, KW, C], or [images, OH, OW, C, KH, KW] for oihw
  float *dx;          // the first image of the chunk
  long images;
} col2im_t;

static void col2im_thread(void *ctx, int tid, int nthreads) {
  const col2im_t *j = (const col2im_t *)ctx;
  const conv_t *g = j->g;
  long n0 = j->images * tid / nthreads, n1 = j->images * (tid + 1) / nthreads;
  long taps = g->KH * g->KW;
  for (long n = n0; n < n1; n++) {
    float *img = j->dx + n * g->H * g->W * g->C;
    memset(img, 0, (size_t)(g->H * g->W * g->C) * sizeof(float));
    const float *src = j->cols + n * g->OH * g->OW * taps * g->C;
    for (long oh = 0; oh < g->OH; oh++) {
      for (long ow = 0; ow < g->OW; ow++) {
        const float *s = src + (oh * g->OW + ow) * taps * g->C;
        for (long kh = 0; kh < g->KH; kh++) {
          long ih = oh * g->SH - g->PT + kh * g->DH;
          if (ih < 0 || ih >= g->H) continue;
          for (long kw = 0; kw < g->KW; kw++) {
            long iw = ow * g->SW - g->PL + kw * g->DW;
            if (iw < 0 || iw >= g->W) continue;
            float *d = img + (ih * g->W + iw) * g->C;
            if (g->oihw) {
              const float *t = s + kh * g->KW + kw;
              for (long c = 0; c < g->C; c++) d[c] += t[c * taps];
            } else {
              const float *t = s + (kh * g->KW + kw) * g->C;
              for (long c = 0; c < g->C; c++) d[c] += t[c];
            }
          }
        }
      }
    }
  }
}

// The column buffer holds at most this many floats (16 MB), at least one image.
#define COLS_LIMIT (4L << 20)

int conv2d_backprop_input(const conv_t *g, const float *dy, const float *w, float *dx, int threads) {
  long taps_c = g->KH * g->KW * g->C;
  long per_image = g->OH * g->OW * taps_c;
  long chunk = per_image > 0 ? COLS_LIMIT / per_image : g->N;
  if (chunk < 1) chunk = 1;
  if (chunk > g->N) chunk = g->N;
  float *cols = scratch_floats((size_t)(chunk * per_image > 0 ? chunk * per_image : 1));
  if (!cols) return -1;
  // B = w^T: element (o, j) is w[j * O + o] ([KH, KW, C, O]; packing reads each column j
  // contiguously), or w as it is ([O, (C, KH, KW)]).
  strided_t b = g->oihw ? (strided_t){w, taps_c, 1} : (strided_t){w, 1, g->O};
  for (long n0 = 0; n0 < g->N; n0 += chunk) {
    long nb = g->N - n0 < chunk ? g->N - n0 : chunk;
    strided_t a = {dy + n0 * g->OH * g->OW * g->O, g->O, 1};
    gemm(nb * g->OH * g->OW, taps_c, g->O, pack_a_strided, &a, pack_b_strided, &b, cols, taps_c, 0, threads);
    col2im_t j = {g, cols, dx + n0 * g->H * g->W * g->C, nb};
    pool_run(col2im_thread, &j, threads > 0 ? threads : 64);
  }
  return 0;
}
