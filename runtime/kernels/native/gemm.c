// A cache-blocked SGEMM in the usual BLIS arrangement: B is packed into KC x NR panels
// (kept in L2/L3), A into MR x KC panels (L1/L2), and a micro-kernel keeps its block of C
// in registers while it runs over KC: 12 x 16 in twelve AVX-512 registers where the CPU
// has AVX-512, else 6 x 16 in twelve AVX2 registers, else portable C; chosen at run time
// from one build. Every kernel adds the products of one output in the same order (k
// ascending, one FMA each, the same KC blocks), so AVX-512 and AVX2 give the same bits.
// The threads split C by columns (or by rows when C is tall and narrow); each packs what
// it reads itself.
#include "gemm.h"

#include <stdlib.h>
#include <string.h>

#include "pool.h"

int gemm_mr = 6;

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#endif

#define KC 256
#define MC 120  // a multiple of GEMM_MR
#define NC 3072 // a multiple of GEMM_NR

typedef void (*ukernel_fn)(int kc, const float *a, const float *b, float *c, long ldc, int mr, int nr, int acc);

static void store_tile(const float *t, float *c, long ldc, int mr, int nr, int acc) {
  for (int i = 0; i < mr; i++) {
    float *row = c + i * ldc;
    const float *src = t + i * GEMM_NR;
    if (acc)
      for (int j = 0; j < nr; j++) row[j] += src[j];
    else
      for (int j = 0; j < nr; j++) row[j] = src[j];
  }
}

static void ukernel_portable(int kc, const float *a, const float *b, float *c, long ldc, int mr, int nr, int acc) {
  float t[6 * GEMM_NR];
  memset(t, 0, sizeof t);
  for (int k = 0; k < kc; k++) {
    const float *bk = b + k * GEMM_NR;
    const float *ak = a + k * 6;
    for (int i = 0; i < 6; i++) {
      float ai = ak[i];
      for (int j = 0; j < GEMM_NR; j++) t[i * GEMM_NR + j] += ai * bk[j];
    }
  }
  store_tile(t, c, ldc, mr, nr, acc);
}

#ifdef HAVE_X86
__attribute__((target("avx2,fma"))) static void ukernel_avx2(int kc, const float *a, const float *b, float *c, long ldc,
                                                             int mr, int nr, int acc) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m256 b0 = _mm256_load_ps(b);
    __m256 b1 = _mm256_load_ps(b + 8);
    __m256 x;
    x = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
    a += 6;
    b += GEMM_NR;
  }
  if (mr == 6 && nr == GEMM_NR) {
#define ROW(i, lo, hi)                                                                  \
  {                                                                                     \
    float *r = c + (i) * ldc;                                                           \
    if (acc) {                                                                          \
      lo = _mm256_add_ps(lo, _mm256_loadu_ps(r));                                       \
      hi = _mm256_add_ps(hi, _mm256_loadu_ps(r + 8));                                   \
    }                                                                                   \
    _mm256_storeu_ps(r, lo);                                                            \
    _mm256_storeu_ps(r + 8, hi);                                                        \
  }
    ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)
#undef ROW
    return;
  }
  float t[6 * GEMM_NR] __attribute__((aligned(32)));
  _mm256_store_ps(t + 0, c00); _mm256_store_ps(t + 8, c01);
  _mm256_store_ps(t + 16, c10); _mm256_store_ps(t + 24, c11);
  _mm256_store_ps(t + 32, c20); _mm256_store_ps(t + 40, c21);
  _mm256_store_ps(t + 48, c30); _mm256_store_ps(t + 56, c31);
  _mm256_store_ps(t + 64, c40); _mm256_store_ps(t + 72, c41);
  _mm256_store_ps(t + 80, c50); _mm256_store_ps(t + 88, c51);
  store_tile(t, c, ldc, mr, nr, acc);
}
#endif

#ifdef HAVE_X86
// 12 x 16: one 512-bit register per row of C (twelve, so that two FMA units are kept busy
// through their latency), one load of B and twelve broadcasts of A per k.
__attribute__((target("avx512f"))) static void ukernel_avx512(int kc, const float *a, const float *b, float *c, long ldc,
                                                               int mr, int nr, int acc) {
  __m512 r0 = _mm512_setzero_ps(), r1 = _mm512_setzero_ps(), r2 = _mm512_setzero_ps(), r3 = _mm512_setzero_ps();
  __m512 r4 = _mm512_setzero_ps(), r5 = _mm512_setzero_ps(), r6 = _mm512_setzero_ps(), r7 = _mm512_setzero_ps();
  __m512 r8 = _mm512_setzero_ps(), r9 = _mm512_setzero_ps(), r10 = _mm512_setzero_ps(), r11 = _mm512_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m512 bv = _mm512_load_ps(b);
    r0 = _mm512_fmadd_ps(_mm512_set1_ps(a[0]), bv, r0);
    r1 = _mm512_fmadd_ps(_mm512_set1_ps(a[1]), bv, r1);
    r2 = _mm512_fmadd_ps(_mm512_set1_ps(a[2]), bv, r2);
    r3 = _mm512_fmadd_ps(_mm512_set1_ps(a[3]), bv, r3);
    r4 = _mm512_fmadd_ps(_mm512_set1_ps(a[4]), bv, r4);
    r5 = _mm512_fmadd_ps(_mm512_set1_ps(a[5]), bv, r5);
    r6 = _mm512_fmadd_ps(_mm512_set1_ps(a[6]), bv, r6);
    r7 = _mm512_fmadd_ps(_mm512_set1_ps(a[7]), bv, r7);
    r8 = _mm512_fmadd_ps(_mm512_set1_ps(a[8]), bv, r8);
    r9 = _mm512_fmadd_ps(_mm512_set1_ps(a[9]), bv, r9);
    r10 = _mm512_fmadd_ps(_mm512_set1_ps(a[10]), bv, r10);
    r11 = _mm512_fmadd_ps(_mm512_set1_ps(a[11]), bv, r11);
    a += 12;
    b += GEMM_NR;
  }
  __m512 rows[12] = {r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11};
  __mmask16 m = nr >= GEMM_NR ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1u);
  for (int i = 0; i < mr; i++) {
    float *r = c + i * ldc;
    __m512 v = rows[i];
    if (acc) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, r));
    _mm512_mask_storeu_ps(r, m, v);
  }
}

// dst[k * 16 + c] = src[c * ld + k] for c < 16, k < kc: 8 x 8 blocks transposed in
// registers (the scalar loop writes one float per cache line).
__attribute__((target("avx2,fma"))) static void pack_b_transposed_avx2(const float *src, long ld, int kc, float *dst) {
  int k = 0;
  for (; k + 8 <= kc; k += 8) {
    for (int half = 0; half < 2; half++) {
      const float *s = src + half * 8 * ld + k;
      __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ld), r2 = _mm256_loadu_ps(s + 2 * ld),
             r3 = _mm256_loadu_ps(s + 3 * ld), r4 = _mm256_loadu_ps(s + 4 * ld), r5 = _mm256_loadu_ps(s + 5 * ld),
             r6 = _mm256_loadu_ps(s + 6 * ld), r7 = _mm256_loadu_ps(s + 7 * ld);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
             t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
             t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE), u2 = _mm256_shuffle_ps(t1, t3, 0x44),
             u3 = _mm256_shuffle_ps(t1, t3, 0xEE), u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
             u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      float *d = dst + k * GEMM_NR + half * 8;
      _mm256_storeu_ps(d + 0 * GEMM_NR, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(d + 1 * GEMM_NR, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(d + 2 * GEMM_NR, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(d + 3 * GEMM_NR, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(d + 4 * GEMM_NR, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(d + 5 * GEMM_NR, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(d + 6 * GEMM_NR, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(d + 7 * GEMM_NR, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
  }
  for (; k < kc; k++)
    for (int c = 0; c < GEMM_NR; c++) dst[k * GEMM_NR + c] = src[c * ld + k];
}
#endif

static ukernel_fn ukernel;

static int cpu_has(const char *isa) {
#ifdef HAVE_X86
  __builtin_cpu_init();
  if (strcmp(isa, "avx512f") == 0) return __builtin_cpu_supports("avx512f");
  if (strcmp(isa, "avx2+fma") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return strcmp(isa, "portable") == 0;
}

int gemm_set_isa(const char *name) {
  static const char *order[] = {"avx512f", "avx2+fma", "portable"};
  if (name == 0 || name[0] == 0 || strcmp(name, "auto") == 0) {
    for (int i = 0; i < 3; i++)
      if (cpu_has(order[i])) return gemm_set_isa(order[i]);
    return -1;
  }
  if (strcmp(name, "avx2") == 0) name = "avx2+fma";
  if (strcmp(name, "avx512") == 0) name = "avx512f";
  if (!cpu_has(name)) return -1;
#ifdef HAVE_X86
  if (strcmp(name, "avx512f") == 0) {
    ukernel = ukernel_avx512;
    gemm_mr = 12;
    return 0;
  }
  if (strcmp(name, "avx2+fma") == 0) {
    ukernel = ukernel_avx2;
    gemm_mr = 6;
    return 0;
  }
#endif
  ukernel = ukernel_portable;
  gemm_mr = 6;
  return 0;
}

// The widest kernel the CPU has, or GAN_ISA's when the CPU has that one.
static void pick_kernel(void) {
  if (gemm_set_isa(getenv("GAN_ISA")) != 0) gemm_set_isa("auto");
}

const char *gemm_isa(void) {
  if (!ukernel) pick_kernel();
#ifdef HAVE_X86
  if (ukernel == ukernel_avx512) return "avx512f";
  if (ukernel == ukernel_avx2) return "avx2+fma";
#endif
  return "portable";
}

void pack_a_strided(const void *ctx, long r0, int rows, long k0, int kc, float *dst) {
  const strided_t *m = (const strided_t *)ctx;
  if (m->rs == 1 && rows == GEMM_MR) {
    // A transposed in memory: the MR values of one k are contiguous.
    const float *src = m->p + r0 + k0 * m->cs;
    for (int k = 0; k < kc; k++, src += m->cs)
      for (int r = 0; r < GEMM_MR; r++) dst[k * GEMM_MR + r] = src[r];
    return;
  }
  for (int r = 0; r < GEMM_MR; r++) {
    if (r >= rows) {
      for (int k = 0; k < kc; k++) dst[k * GEMM_MR + r] = 0.f;
      continue;
    }
    const float *src = m->p + (r0 + r) * m->rs + k0 * m->cs;
    if (m->cs == 1)
      for (int k = 0; k < kc; k++) dst[k * GEMM_MR + r] = src[k];
    else
      for (int k = 0; k < kc; k++) dst[k * GEMM_MR + r] = src[k * m->cs];
  }
}

void pack_b_strided(const void *ctx, long c0, int cols, long k0, int kc, float *dst) {
  const strided_t *m = (const strided_t *)ctx;
  if (m->cs == 1 && cols == GEMM_NR) {
    for (int k = 0; k < kc; k++) memcpy(dst + k * GEMM_NR, m->p + (k0 + k) * m->rs + c0, GEMM_NR * sizeof(float));
    return;
  }
  if (m->rs == 1) {
    // B transposed in memory (a Linear weight read as W^T): each column is contiguous in k.
#ifdef HAVE_X86
    if (cols == GEMM_NR && ukernel != ukernel_portable) {
      pack_b_transposed_avx2(m->p + c0 * m->cs + k0, m->cs, kc, dst);
      return;
    }
#endif
    for (int c = 0; c < GEMM_NR; c++) {
      if (c >= cols) {
        for (int k = 0; k < kc; k++) dst[k * GEMM_NR + c] = 0.f;
        continue;
      }
      const float *src = m->p + (c0 + c) * m->cs + k0;
      for (int k = 0; k < kc; k++) dst[k * GEMM_NR + c] = src[k];
    }
    return;
  }
  for (int k = 0; k < kc; k++) {
    const float *src = m->p + (k0 + k) * m->rs + c0 * m->cs;
    float *d = dst + k * GEMM_NR;
    int c = 0;
    for (; c < cols; c++) d[c] = src[c * m->cs];
    for (; c < GEMM_NR; c++) d[c] = 0.f;
  }
}

// Per-thread packing buffers, kept between calls.
static __thread float *abuf, *bbuf;

static float *aligned_floats(float **slot, size_t n) {
  if (!*slot) {
    void *p = 0;
    if (posix_memalign(&p, 64, n * sizeof(float)) != 0) return 0;
    *slot = (float *)p;
  }
  return *slot;
}

typedef struct {
  long M, N, K;
  pack_a_fn pa;
  const void *actx;
  pack_b_fn pb;
  const void *bctx;
  float *C;
  long ldc;
  int accumulate;
  int split_cols;
} job_t;

static void gemm_part(const job_t *j, long r_begin, long r_end, long c_begin, long c_end) {
  float *ap = aligned_floats(&abuf, (size_t)MC * KC);
  float *bp = aligned_floats(&bbuf, (size_t)KC * NC);
  if (!ap || !bp) abort();
  for (long jc = c_begin; jc < c_end; jc += NC) {
    long nc = c_end - jc < NC ? c_end - jc : NC;
    for (long pc = 0; pc < j->K; pc += KC) {
      int kc = (int)(j->K - pc < KC ? j->K - pc : KC);
      for (long jp = 0; jp < nc; jp += GEMM_NR) {
        int cols = (int)(nc - jp < GEMM_NR ? nc - jp : GEMM_NR);
        j->pb(j->bctx, jc + jp, cols, pc, kc, bp + (jp / GEMM_NR) * kc * GEMM_NR);
      }
      int acc = j->accumulate || pc > 0;
      for (long ic = r_begin; ic < r_end; ic += MC) {
        long mc = r_end - ic < MC ? r_end - ic : MC;
        for (long ip = 0; ip < mc; ip += GEMM_MR) {
          int rows = (int)(mc - ip < GEMM_MR ? mc - ip : GEMM_MR);
          j->pa(j->actx, ic + ip, rows, pc, kc, ap + (ip / GEMM_MR) * kc * GEMM_MR);
        }
        for (long jr = 0; jr < nc; jr += GEMM_NR) {
          int nr = (int)(nc - jr < GEMM_NR ? nc - jr : GEMM_NR);
          const float *bpanel = bp + (jr / GEMM_NR) * kc * GEMM_NR;
          for (long ir = 0; ir < mc; ir += GEMM_MR) {
            int mr = (int)(mc - ir < GEMM_MR ? mc - ir : GEMM_MR);
            ukernel(kc, ap + (ir / GEMM_MR) * kc * GEMM_MR, bpanel, j->C + (ic + ir) * j->ldc + jc + jr, j->ldc, mr, nr, acc);
          }
        }
      }
    }
  }
}

static void gemm_thread(void *ctx, int tid, int n) {
  const job_t *j = (const job_t *)ctx;
  if (j->split_cols) {
    long units = (j->N + GEMM_NR - 1) / GEMM_NR;
    long u0 = units * tid / n, u1 = units * (tid + 1) / n;
    long c0 = u0 * GEMM_NR, c1 = u1 * GEMM_NR < j->N ? u1 * GEMM_NR : j->N;
    if (c0 < c1) gemm_part(j, 0, j->M, c0, c1);
  } else {
    long units = (j->M + GEMM_MR - 1) / GEMM_MR;
    long u0 = units * tid / n, u1 = units * (tid + 1) / n;
    long r0 = u0 * GEMM_MR, r1 = u1 * GEMM_MR < j->M ? u1 * GEMM_MR : j->M;
    if (r0 < r1) gemm_part(j, r0, r1, 0, j->N);
  }
}

void gemm(long M, long N, long K, pack_a_fn pa, const void *actx, pack_b_fn pb, const void *bctx, float *C, long ldc,
          int accumulate, int threads) {
  if (!ukernel) pick_kernel();
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (long i = 0; i < M; i++) memset(C + i * ldc, 0, (size_t)N * sizeof(float));
    return;
  }
  job_t j = {M, N, K, pa, actx, pb, bctx, C, ldc, accumulate, 0};
  // Splitting the columns makes every thread pack all of A, splitting the rows all of B:
  // split the longer side. Small products stay on one thread (waking one costs ~10 us).
  j.split_cols = N >= M;
  int want = threads > 0 ? threads : 64;
  double flops = 2.0 * M * N * K;
  if (flops < 6e6) want = 1;
  long units = j.split_cols ? (N + GEMM_NR - 1) / GEMM_NR : (M + GEMM_MR - 1) / GEMM_MR;
  if (units < want) want = (int)units;
  pool_run(gemm_thread, &j, want);
}

// ---------------------------------------------------------------------------------------
// The CPU's peak: independent FMA chains in registers, as wide as the micro-kernel in use,
// on every thread at once (no memory traffic): what no real product can beat.

#include <time.h>

typedef struct {
  long reps;
  double sink[64];
} peak_t;

#ifdef HAVE_X86
__attribute__((target("avx512f"))) static double peak_avx512(long reps) {
  __m512 x = _mm512_set1_ps(1.0000001f), y = _mm512_set1_ps(0.9999999f);
  // different starting values and every chain pinned, so that none is merged with another
  __m512 a0 = _mm512_set1_ps(0.f), a1 = _mm512_set1_ps(1.f), a2 = _mm512_set1_ps(2.f), a3 = _mm512_set1_ps(3.f),
         a4 = _mm512_set1_ps(4.f), a5 = _mm512_set1_ps(5.f), a6 = _mm512_set1_ps(6.f), a7 = _mm512_set1_ps(7.f),
         a8 = _mm512_set1_ps(8.f), a9 = _mm512_set1_ps(9.f), a10 = _mm512_set1_ps(10.f), a11 = _mm512_set1_ps(11.f);
  for (long i = 0; i < reps; i++) {
    a0 = _mm512_fmadd_ps(x, y, a0); a1 = _mm512_fmadd_ps(x, y, a1); a2 = _mm512_fmadd_ps(x, y, a2); a3 = _mm512_fmadd_ps(x, y, a3);
    a4 = _mm512_fmadd_ps(x, y, a4); a5 = _mm512_fmadd_ps(x, y, a5); a6 = _mm512_fmadd_ps(x, y, a6); a7 = _mm512_fmadd_ps(x, y, a7);
    a8 = _mm512_fmadd_ps(x, y, a8); a9 = _mm512_fmadd_ps(x, y, a9); a10 = _mm512_fmadd_ps(x, y, a10); a11 = _mm512_fmadd_ps(x, y, a11);
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)), _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  return (double)_mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static double peak_avx2(long reps) {
  __m256 x = _mm256_set1_ps(1.0000001f), y = _mm256_set1_ps(0.9999999f);
  __m256 a0 = _mm256_set1_ps(0.f), a1 = _mm256_set1_ps(1.f), a2 = _mm256_set1_ps(2.f), a3 = _mm256_set1_ps(3.f),
         a4 = _mm256_set1_ps(4.f), a5 = _mm256_set1_ps(5.f), a6 = _mm256_set1_ps(6.f), a7 = _mm256_set1_ps(7.f),
         a8 = _mm256_set1_ps(8.f), a9 = _mm256_set1_ps(9.f), a10 = _mm256_set1_ps(10.f), a11 = _mm256_set1_ps(11.f);
  for (long i = 0; i < reps; i++) {
    a0 = _mm256_fmadd_ps(x, y, a0); a1 = _mm256_fmadd_ps(x, y, a1); a2 = _mm256_fmadd_ps(x, y, a2); a3 = _mm256_fmadd_ps(x, y, a3);
    a4 = _mm256_fmadd_ps(x, y, a4); a5 = _mm256_fmadd_ps(x, y, a5); a6 = _mm256_fmadd_ps(x, y, a6); a7 = _mm256_fmadd_ps(x, y, a7);
    a8 = _mm256_fmadd_ps(x, y, a8); a9 = _mm256_fmadd_ps(x, y, a9); a10 = _mm256_fmadd_ps(x, y, a10); a11 = _mm256_fmadd_ps(x, y, a11);
    __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)), _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  float t[8];
  _mm256_storeu_ps(t, s);
  return (double)(t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7]);
}
#endif

static double peak_portable(long reps) {
  float a[16], x = 1.0000001f, y = 0.9999999f;
  for (int j = 0; j < 16; j++) a[j] = (float)j;
  for (long i = 0; i < reps; i++) {
    for (int j = 0; j < 16; j++) a[j] += x * y;
    __asm__ volatile("" : : "r"(a) : "memory");
  }
  double s = 0;
  for (int j = 0; j < 16; j++) s += a[j];
  return s;
}

// FLOPs of one rep of the loop in use (12 FMAs of 16 or 8 lanes; 16 scalar multiply-adds).
static double peak_flops_per_rep(void) {
#ifdef HAVE_X86
  if (ukernel == ukernel_avx512) return 12.0 * 16 * 2;
  if (ukernel == ukernel_avx2) return 12.0 * 8 * 2;
#endif
  return 16.0 * 2;
}

static void peak_thread(void *ctx, int tid, int n) {
  peak_t *p = (peak_t *)ctx;
  double s;
#ifdef HAVE_X86
  if (ukernel == ukernel_avx512) s = peak_avx512(p->reps);
  else if (ukernel == ukernel_avx2) s = peak_avx2(p->reps);
  else
#endif
    s = peak_portable(p->reps);
  if (tid < 64) p->sink[tid] = s;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double gemm_peak_gflops(int threads) {
  if (!ukernel) pick_kernel();
  peak_t p;
  p.reps = 1 << 16;
  double best = 0;
  int timed = 0;
  // Grow the run to about 50 ms, then keep the best of three.
  for (int round = 0; round < 40 && timed < 3; round++) {
    double t0 = now_s();
    pool_run(peak_thread, &p, threads);
    double dt = now_s() - t0;
    if (dt < 0.05) {
      p.reps *= 2;
      continue;
    }
    int n = threads < pool_threads() ? threads : pool_threads();
    double g = peak_flops_per_rep() * (double)p.reps * n / dt / 1e9;
    if (g > best) best = g;
    timed++;
  }
  return best;
}
