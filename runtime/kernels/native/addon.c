// Node-API bindings: Float32Arrays in (views of the wasm heap or plain arrays), results
// written in place. Every size is checked against the arrays' lengths here, so a wrong
// call throws a JavaScript error instead of touching memory it does not own.
#include <node_api.h>
#include <stdio.h>

#include "batchnorm.h"
#include "conv.h"
#include "eltwise.h"
#include "gemm.h"
#include "pool.h"
#include "reduce.h"
#include "transpose.h"

#define CHECK(call)                                                   \
  if ((call) != napi_ok) {                                            \
    napi_throw_error(env, 0, "gan-spec native: bad argument");        \
    return 0;                                                         \
  }

static int get_floats(napi_env env, napi_value v, float **data, size_t *length) {
  napi_typedarray_type type;
  void *p;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &p, &buffer, &offset) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, 0, "gan-spec native: expected a Float32Array");
    return 0;
  }
  *data = (float *)p;
  return 1;
}

static int get_longs(napi_env env, napi_value v, long *out, int count) {
  napi_typedarray_type type;
  size_t length;
  void *p;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &p, &buffer, &offset) != napi_ok || type != napi_int32_array ||
      (int)length != count) {
    napi_throw_type_error(env, 0, "gan-spec native: expected an Int32Array of sizes");
    return 0;
  }
  for (int i = 0; i < count; i++) {
    out[i] = ((int *)p)[i];
    if (out[i] < 0) {
      napi_throw_range_error(env, 0, "gan-spec native: negative size");
      return 0;
    }
  }
  return 1;
}

static int too_small(napi_env env, const char *what, size_t have, double need) {
  if ((double)have >= need) return 0;
  char msg[160];
  snprintf(msg, sizeof msg, "gan-spec native: %s has %zu elements, needs %.0f", what, have, need);
  napi_throw_range_error(env, 0, msg);
  return 1;
}

// gemm(a, b, c, sizes: Int32Array [M, N, K, rsA, csA, rsB, csB, accumulate])
static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  float *a, *b, *c;
  size_t na, nb, nc;
  long s[8];
  if (argc < 4 || !get_floats(env, argv[0], &a, &na) || !get_floats(env, argv[1], &b, &nb) ||
      !get_floats(env, argv[2], &c, &nc) || !get_longs(env, argv[3], s, 8))
    return 0;
  long M = s[0], N = s[1], K = s[2];
  if (M == 0 || N == 0) return 0;
  double lastA = K == 0 ? 0 : (double)(M - 1) * s[3] + (double)(K - 1) * s[4] + 1;
  double lastB = K == 0 ? 0 : (double)(K - 1) * s[5] + (double)(N - 1) * s[6] + 1;
  if (too_small(env, "a", na, lastA) || too_small(env, "b", nb, lastB) || too_small(env, "c", nc, (double)M * N)) return 0;
  strided_t A = {a, s[3], s[4]}, B = {b, s[5], s[6]};
  gemm(M, N, K, pack_a_strided, &A, pack_b_strided, &B, c, N, (int)s[7], 0);
  return 0;
}

// conv(which, input, filterOrDy, out, geometry: Int32Array [N, H, W, C, OH, OW, O, KH, KW, SH, SW, PT, PL, DH, DW])
//   which 0: out y = conv(x, w); 1: out dx from (dy, w); 2: out dw from (x, dy), with the
//   filter [KH, KW, C, O]; 3, 4, 5: the same with the filter [O, C, KH, KW]
static napi_value Conv(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  int which;
  float *p, *q, *out;
  size_t np, nq, nout;
  long s[15];
  if (argc < 5) {
    napi_throw_type_error(env, 0, "gan-spec native: conv takes 5 arguments");
    return 0;
  }
  CHECK(napi_get_value_int32(env, argv[0], &which));
  if (!get_floats(env, argv[1], &p, &np) || !get_floats(env, argv[2], &q, &nq) || !get_floats(env, argv[3], &out, &nout) ||
      !get_longs(env, argv[4], s, 15))
    return 0;
  conv_t g = {s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14], which >= 3};
  if (which >= 3) which -= 3;
  if (g.SH < 1 || g.SW < 1 || g.DH < 1 || g.DW < 1) {
    napi_throw_range_error(env, 0, "gan-spec native: stride and dilation must be at least 1");
    return 0;
  }
  double xs = (double)g.N * g.H * g.W * g.C, ys = (double)g.N * g.OH * g.OW * g.O, ws = (double)g.KH * g.KW * g.C * g.O;
  if (which == 0) {
    if (too_small(env, "x", np, xs) || too_small(env, "w", nq, ws) || too_small(env, "y", nout, ys)) return 0;
    if (conv2d_forward(&g, p, q, out, 0) != 0) napi_throw_error(env, 0, "gan-spec native: out of memory");
  } else if (which == 1) {
    if (too_small(env, "dy", np, ys) || too_small(env, "w", nq, ws) || too_small(env, "dx", nout, xs)) return 0;
    if (conv2d_backprop_input(&g, p, q, out, 0) != 0) napi_throw_error(env, 0, "gan-spec native: out of memory");
  } else if (which == 2) {
    if (too_small(env, "x", np, xs) || too_small(env, "dy", nq, ys) || too_small(env, "dw", nout, ws)) return 0;
    conv2d_backprop_filter(&g, p, q, out, 0);
  } else {
    napi_throw_range_error(env, 0, "gan-spec native: unknown convolution");
  }
  return 0;
}

// reduce(x, out, sizes: Int32Array [P, R, Q], scale): out[p, q] = scale * sum_r x[p, r, q]
static napi_value Reduce(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  float *x, *out;
  size_t nx, nout;
  long s[3];
  double scale;
  if (argc < 4 || !get_floats(env, argv[0], &x, &nx) || !get_floats(env, argv[1], &out, &nout) || !get_longs(env, argv[2], s, 3))
    return 0;
  CHECK(napi_get_value_double(env, argv[3], &scale));
  if (too_small(env, "x", nx, (double)s[0] * s[1] * s[2]) || too_small(env, "out", nout, (double)s[0] * s[2])) return 0;
  if (reduce_sum(x, out, s[0], s[1], s[2], scale) != 0) napi_throw_error(env, 0, "gan-spec native: out of memory");
  return 0;
}

// leakyRelu(x, out, alpha) and leakyReluGrad(dy, x, out, alpha)
static napi_value Leaky(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  float *a, *b = 0, *out;
  size_t na, nb = 0, nout;
  double alpha;
  int grad = argc == 4;
  if (argc < 3 || !get_floats(env, argv[0], &a, &na) || (grad && !get_floats(env, argv[1], &b, &nb)) ||
      !get_floats(env, argv[grad ? 2 : 1], &out, &nout))
    return 0;
  CHECK(napi_get_value_double(env, argv[grad ? 3 : 2], &alpha));
  if (too_small(env, "out", nout, (double)na) || (grad && too_small(env, "x", nb, (double)na))) return 0;
  if (grad)
    leaky_relu_grad(a, b, out, (long)na, (float)alpha);
  else
    leaky_relu(a, out, (long)na, (float)alpha);
  return 0;
}

// adam(p, g, m, v, pOut, mOut, vOut, constants: Float32Array [b1, 1-b1, b2, 1-b2, bc2Sqrt, eps, stepSize])
static napi_value Adam(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  float *a[8];
  size_t n[8];
  if (argc < 8) {
    napi_throw_type_error(env, 0, "gan-spec native: adam takes 8 arguments");
    return 0;
  }
  for (int i = 0; i < 8; i++)
    if (!get_floats(env, argv[i], &a[i], &n[i])) return 0;
  for (int i = 1; i < 7; i++)
    if (too_small(env, "adam operand", n[i], (double)n[0])) return 0;
  if (too_small(env, "adam constants", n[7], 7)) return 0;
  adam_t h = {a[7][0], a[7][1], a[7][2], a[7][3], a[7][4], a[7][5], a[7][6]};
  adam_step(&h, a[0], a[1], a[2], a[3], a[4], a[5], a[6], (long)n[0]);
  return 0;
}

// nonFinite(x) -> how many elements are NaN or ±Inf
static napi_value NonFinite(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  float *x;
  size_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 1 || !get_floats(env, argv[0], &x, &n)) return 0;
  CHECK(napi_create_double(env, (double)count_nonfinite(x, (long)n), &r));
  return r;
}

// transpose(x, y, shape: Int32Array, perm: Int32Array)
// copyRows(src, dst, sizes: Int32Array [rows, len, srcOffset, srcStride, dstOffset, dstStride])
static napi_value CopyRows(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  float *src, *dst;
  size_t ns, nd;
  long s[6];
  if (argc < 3 || !get_floats(env, argv[0], &src, &ns) || !get_floats(env, argv[1], &dst, &nd) || !get_longs(env, argv[2], s, 6)) return 0;
  long rows = s[0], len = s[1];
  if (rows == 0 || len == 0) return 0;
  if (too_small(env, "src", ns, (double)s[2] + (double)(rows - 1) * s[3] + len) || too_small(env, "dst", nd, (double)s[4] + (double)(rows - 1) * s[5] + len)) return 0;
  copy_rows(src + s[2], s[3], dst + s[4], s[5], rows, len);
  return 0;
}

static napi_value Transpose(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  float *x, *y;
  size_t nx, ny, rank, rank2;
  napi_typedarray_type t1, t2;
  void *ps, *pp;
  napi_value buf;
  size_t off;
  if (argc < 4 || !get_floats(env, argv[0], &x, &nx) || !get_floats(env, argv[1], &y, &ny)) return 0;
  if (napi_get_typedarray_info(env, argv[2], &t1, &rank, &ps, &buf, &off) != napi_ok || t1 != napi_int32_array ||
      napi_get_typedarray_info(env, argv[3], &t2, &rank2, &pp, &buf, &off) != napi_ok || t2 != napi_int32_array ||
      rank != rank2 || rank < 1 || rank > TRANSPOSE_MAX_RANK) {
    napi_throw_type_error(env, 0, "gan-spec native: transpose takes a shape and a permutation of rank 1 to 8");
    return 0;
  }
  long shape[TRANSPOSE_MAX_RANK];
  int perm[TRANSPOSE_MAX_RANK], seen[TRANSPOSE_MAX_RANK] = {0};
  double size = 1;
  for (size_t i = 0; i < rank; i++) {
    shape[i] = ((int *)ps)[i];
    perm[i] = ((int *)pp)[i];
    if (shape[i] < 0 || perm[i] < 0 || perm[i] >= (int)rank || seen[perm[i]]++) {
      napi_throw_range_error(env, 0, "gan-spec native: bad transpose shape or permutation");
      return 0;
    }
    size *= shape[i];
  }
  if (too_small(env, "x", nx, size) || too_small(env, "y", ny, size)) return 0;
  transpose(x, y, (int)rank, shape, perm);
  return 0;
}

// dropoutMask(out, p, scale, seedHi, seedLo)
static napi_value DropoutMask(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  float *out;
  size_t n;
  double p, scale;
  uint32_t hi, lo;
  if (argc < 5 || !get_floats(env, argv[0], &out, &n)) {
    if (argc < 5) napi_throw_type_error(env, 0, "gan-spec native: dropoutMask takes 5 arguments");
    return 0;
  }
  CHECK(napi_get_value_double(env, argv[1], &p));
  CHECK(napi_get_value_double(env, argv[2], &scale));
  CHECK(napi_get_value_uint32(env, argv[3], &hi));
  CHECK(napi_get_value_uint32(env, argv[4], &lo));
  dropout_mask(out, (long)n, p, (float)scale, ((unsigned long long)hi << 32) | lo);
  return 0;
}

// batchNorm(which, C, eps, ...arrays): x viewed as [R, C]
//   0 stats:    x, mean, var
//   1 forward:  x, mean, var, w, b, y
//   2 backward: dy, x, mean, var, w, dx, dw, db
static napi_value BatchNorm(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  static const int counts[3] = {3, 6, 8};
  int which, channels;
  double eps;
  if (argc < 3) {
    napi_throw_type_error(env, 0, "gan-spec native: batchNorm takes (which, C, eps, arrays...)");
    return 0;
  }
  CHECK(napi_get_value_int32(env, argv[0], &which));
  CHECK(napi_get_value_int32(env, argv[1], &channels));
  CHECK(napi_get_value_double(env, argv[2], &eps));
  if (which < 0 || which > 2 || channels < 1 || argc < (size_t)(3 + counts[which])) {
    napi_throw_range_error(env, 0, "gan-spec native: bad batchNorm call");
    return 0;
  }
  float *a[8];
  size_t n[8];
  for (int i = 0; i < counts[which]; i++)
    if (!get_floats(env, argv[3 + i], &a[i], &n[i])) return 0;
  long C = channels;
  // the first array (or the second, for backward) is the [R, C] one; the others are [C],
  // except y (forward) and dx (backward), which are [R, C] too
  size_t big = n[0];
  if (big % (size_t)C != 0) {
    napi_throw_range_error(env, 0, "gan-spec native: batchNorm input size is not a multiple of C");
    return 0;
  }
  long R = (long)(big / (size_t)C);
  for (int i = 1; i < counts[which]; i++) {
    int full = (which == 1 && i == 5) || (which == 2 && (i == 1 || i == 5));
    if (too_small(env, "batchNorm operand", n[i], full ? (double)big : (double)C)) return 0;
  }
  int rc = 0;
  if (which == 0)
    rc = bn_stats(a[0], R, C, a[1], a[2]);
  else if (which == 1)
    bn_forward(a[0], R, C, a[1], a[2], a[3], a[4], (float)eps, a[5]);
  else
    rc = bn_backward(a[0], a[1], R, C, a[2], a[3], a[4], (float)eps, a[5], a[6], a[7]);
  if (rc != 0) napi_throw_error(env, 0, "gan-spec native: out of memory");
  return 0;
}

// setThreads(n) -> the number of threads jobs will use
static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  int n = 1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc >= 1) CHECK(napi_get_value_int32(env, argv[0], &n));
  pool_set_threads(n);
  CHECK(napi_create_int32(env, pool_threads(), &r));
  return r;
}

static napi_value Isa(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  CHECK(napi_create_string_utf8(env, gemm_isa(), NAPI_AUTO_LENGTH, &r));
  return r;
}

// setIsa(name) -> the micro-kernel now in use ("avx512f", "avx2+fma", "portable"); name
// "auto" (or "") is the widest the CPU has; a name this CPU lacks changes nothing.
static napi_value SetIsa(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  char name[32] = "";
  size_t len = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc >= 1) CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len));
  gemm_set_isa(name);
  CHECK(napi_create_string_utf8(env, gemm_isa(), NAPI_AUTO_LENGTH, &r));
  return r;
}

// peakGflops(threads) -> the CPU's measured peak (FMA chains as wide as the kernel in use)
static napi_value PeakGflops(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  int n = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc >= 1) CHECK(napi_get_value_int32(env, argv[0], &n));
  CHECK(napi_create_double(env, gemm_peak_gflops(n > 0 ? n : pool_threads()), &r));
  return r;
}

NAPI_MODULE_INIT() {
  struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"gemm", Gemm}, {"conv", Conv}, {"reduce", Reduce}, {"leaky", Leaky}, {"adam", Adam}, {"nonFinite", NonFinite}, {"transpose", Transpose}, {"copyRows", CopyRows}, {"dropoutMask", DropoutMask}, {"batchNorm", BatchNorm}, {"setThreads", SetThreads}, {"isa", Isa}, {"setIsa", SetIsa}, {"peakGflops", PeakGflops}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, 0, &f) != napi_ok) return 0;
    if (napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) return 0;
  }
  return exports;
}
