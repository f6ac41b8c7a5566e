// C[M x N] (row-major, leading dimension ldc) = A[M x K] · B[K x N] (+ C when accumulate),
// with A and B read through packing functions, so a strided or transposed matrix, or an
// image read as its im2col matrix, costs nothing extra.
#ifndef GAN_GEMM_H
#define GAN_GEMM_H

// The micro-kernel's tile: GEMM_MR rows (6 with AVX2 or the portable C, 12 with AVX-512;
// chosen at run time, so packing functions read gemm_mr) by GEMM_NR = 16 columns.
#define GEMM_MR_MAX 12
#define GEMM_NR 16
extern int gemm_mr;
#define GEMM_MR gemm_mr

// Writes rows r0 .. r0+rows-1 (rows <= GEMM_MR) and columns k0 .. k0+kc-1 of A into dst
// as dst[k * GEMM_MR + r]; rows past `rows` are zero.
typedef void (*pack_a_fn)(const void *ctx, long r0, int rows, long k0, int kc, float *dst);
// Writes rows k0 .. k0+kc-1 and columns c0 .. c0+cols-1 (cols <= GEMM_NR) of B into dst
// as dst[k * GEMM_NR + c]; columns past `cols` are zero.
typedef void (*pack_b_fn)(const void *ctx, long c0, int cols, long k0, int kc, float *dst);

typedef struct {
  const float *p;
  long rs, cs;  // element (i, j) is p[i * rs + j * cs]
} strided_t;

void pack_a_strided(const void *ctx, long r0, int rows, long k0, int kc, float *dst);
void pack_b_strided(const void *ctx, long c0, int cols, long k0, int kc, float *dst);

// Runs on the thread pool (at most `threads` threads; 0 = all).
void gemm(long M, long N, long K, pack_a_fn pa, const void *actx, pack_b_fn pb, const void *bctx,
          float *C, long ldc, int accumulate, int threads);

// Which micro-kernel runs: "avx512f", "avx2+fma" or "portable" (the widest the CPU has,
// unless GAN_ISA=avx2|portable or gemm_set_isa chose a narrower one).
const char *gemm_isa(void);

// Chooses the micro-kernel by name ("avx512f", "avx2+fma", "portable"; "" or "auto": the
// widest the CPU has). Returns 0, or -1 when this CPU lacks it (nothing changes then).
// Not while a product runs.
int gemm_set_isa(const char *name);

// The CPU's measured peak in GFLOP/s: FMA chains in registers as wide as the kernel in
// use, on `threads` threads (about 0.2 s).
double gemm_peak_gflops(int threads);

#endif
