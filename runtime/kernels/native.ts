// Loads this project's native CPU kernels (runtime/kernels/native/*.c, built by
// `npm install` with node-gyp into build/Release/gan_native.node): a blocked AVX2/FMA
// SGEMM on a small pool of threads, and the convolutions on top of it. Optional: when the
// addon is missing or does not load, `loadNative()` says why and training uses the wasm
// kernels. GAN_NATIVE=0 turns it off; GAN_THREADS=N sets the threads (default: all cores).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../package-root.ts";

export interface NativeKernels {
  /** c [M, N] = op(a) · op(b) (+ c when accumulate); sizes [M, N, K, rsA, csA, rsB, csB, accumulate]. */
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, sizes: Int32Array): void;
  /**
   * 0: y = conv(x, w); 1: dx from (dy, w); 2: dw from (x, dy), with w [KH, KW, C, O]; 3, 4, 5:
   * the same with w [O, C, KH, KW] (PyTorch's layout, read and written in place).
   * Geometry: [N, H, W, C, OH, OW, O, KH, KW, SH, SW, PT, PL, DH, DW].
   */
  conv(which: 0 | 1 | 2 | 3 | 4 | 5, p: Float32Array, q: Float32Array, out: Float32Array, geometry: Int32Array): void;
  /** out[p, q] = scale · Σ_r x[p, r, q] for x viewed as [P, R, Q]; sizes [P, R, Q]. */
  reduce(x: Float32Array, out: Float32Array, sizes: Int32Array, scale: number): void;
  /** out = x > 0 ? x : alpha·x (three arguments), or out = x > 0 ? dy : alpha·dy (leaky(dy, x, out, alpha)). */
  leaky(x: Float32Array, out: Float32Array, alpha: number): void;
  leaky(dy: Float32Array, x: Float32Array, out: Float32Array, alpha: number): void;
  /** One fused Adam step (see runtime/optim/adam.ts); constants [b1, 1-b1, b2, 1-b2, bc2Sqrt, eps, stepSize]. */
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, constants: Float32Array): void;
  /** How many elements of x are NaN or ±Inf. */
  nonFinite(x: Float32Array): number;
  /** rows × len values: dst[dstOffset + r·dstStride + i] = src[srcOffset + r·srcStride + i]; sizes [rows, len, srcOffset, srcStride, dstOffset, dstStride]. */
  copyRows(src: Float32Array, dst: Float32Array, sizes: Int32Array): void;
  /** y = x with axes permuted (y's axis i is x's axis perm[i]); rank 1 to 8. */
  transpose(x: Float32Array, y: Float32Array, shape: Int32Array, perm: Int32Array): void;
  /** out[i] = scale where the i-th uniform of the seed's stream is >= p, else 0 (seed: two 32-bit halves). */
  dropoutMask(out: Float32Array, p: number, scale: number, seedHi: number, seedLo: number): void;
  /**
   * Training-mode BatchNorm over x viewed as [R, C]: 0 stats (x, mean, var), 1 forward
   * (x, mean, var, w, b, y), 2 backward (dy, x, mean, var, w, dx, dw, db).
   */
  batchNorm(which: 0 | 1 | 2, channels: number, eps: number, ...arrays: Float32Array[]): void;
  setThreads(n: number): number;
  isa(): string;
  /** Chooses the matrix-product micro-kernel ("avx512f", "avx2+fma", "portable", "auto"); returns the one in use. */
  setIsa(name: string): string;
  /** The CPU's measured peak GFLOP/s (FMA chains in registers, as wide as the kernel in use) on n threads (0: the kernels' own). */
  peakGflops(threads: number): number;
}

export interface NativeLoad {
  readonly kernels?: NativeKernels;
  /** What runs ("avx2+fma, 2 threads") or why nothing does. */
  readonly about: string;
}

const FUNCTIONS = ["gemm", "conv", "reduce", "leaky", "adam", "nonFinite", "transpose", "copyRows", "dropoutMask", "batchNorm", "setThreads", "isa", "setIsa", "peakGflops"] as const satisfies readonly (keyof NativeKernels)[];

let cached: NativeLoad | undefined;

/** build/Release/gan_native.node in the package's folder (from the sources or the dist/ bundle alike). */
function findAddon(): string | undefined {
  const candidate = join(packageRoot(), "build", "Release", "gan_native.node");
  return existsSync(candidate) ? candidate : undefined;
}

function threadsWanted(): number {
  const env = process.env.GAN_THREADS;
  const n = env === undefined ? availableParallelism() : Number(env);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 64) : availableParallelism();
}

export function loadNative(): NativeLoad {
  if (cached) return cached;
  if (process.env.GAN_NATIVE === "0") return (cached = { about: "native kernels off (GAN_NATIVE=0)" });
  const path = findAddon();
  if (!path) return (cached = { about: "native kernels not built (npm run build:native)" });
  try {
    const kernels = createRequire(import.meta.url)(path) as NativeKernels;
    const missing = FUNCTIONS.filter((f) => typeof kernels[f] !== "function");
    if (missing.length) return (cached = { about: `native kernels out of date (no ${missing.join(", ")}; npm run build:native)` });
    const threads = kernels.setThreads(threadsWanted());
    return (cached = { kernels, about: `native kernels (${kernels.isa()}, ${threads} thread${threads === 1 ? "" : "s"})` });
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
    return (cached = { about: `native kernels do not load (${first.slice(0, 120)}; npm run build:native)` });
  }
}
