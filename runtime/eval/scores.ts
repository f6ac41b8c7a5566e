// The two numbers of the quality score, from features (./features.ts):
//  - the Fréchet distance of Gaussians fitted to two sets of features (FID's formula;
//    "Fréchet LeNet distance", FLD, on the MNIST classifier's features):
//    |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½, covariances with n − 1 as numpy's
//    cov; the square roots through symmetric eigendecompositions (ml-matrix);
//  - KID, the kernel inception distance as torch-fidelity computes it: the unbiased MMD²
//    with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³ on random subsets (100 of
//    1,000 by default, drawn without replacement from seeded generators), mean and
//    standard deviation over the subsets.
// gan_runtime.py computes the same numbers with PyTorch (float64), from the same subsets.
import * as tf from "@tensorflow/tfjs";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { Rng } from "../random.ts";
import { mixSeed } from "../train/round.ts";
import type { Features } from "./features.ts";

function moments(f: Features): { mean: Float64Array; cov: Matrix } {
  const { n, dim, data } = f;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) mean[k]! += data[i * dim + k]!;
  for (let k = 0; k < dim; k++) mean[k]! /= n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dim; k++) row[k] = data[i * dim + k]! - mean[k]!;
    for (let a = 0; a < dim; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b]! += ra * row[b]!;
    }
  }
  const m = new Matrix(dim, dim);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b]! / Math.max(1, n - 1);
      m.set(a, b, v);
      m.set(b, a, v);
    }
  }
  return { mean, cov: m };
}

/** The square root of a symmetric positive semi-definite matrix (negative eigenvalues, round-off, as 0). */
function sqrtPsd(m: Matrix): Matrix {
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const v = e.eigenvectorMatrix;
  const d = Matrix.diag(e.realEigenvalues.map((x) => Math.sqrt(Math.max(x, 0))));
  return v.mmul(d).mmul(v.transpose());
}

/** The Fréchet distance between Gaussians fitted to two feature sets. */
export function frechetDistance(a: Features, b: Features): number {
  if (a.dim !== b.dim) throw new Error(`features of ${a.dim} and ${b.dim} dimensions`);
  const ma = moments(a);
  const mb = moments(b);
  let diff = 0;
  for (let k = 0; k < a.dim; k++) diff += (ma.mean[k]! - mb.mean[k]!) ** 2;
  const root = sqrtPsd(ma.cov);
  const inner = root.mmul(mb.cov).mmul(root);
  const e = new EigenvalueDecomposition(inner.add(inner.transpose()).div(2), { assumeSymmetric: true });
  const trRoot = e.realEigenvalues.reduce((s, x) => s + Math.sqrt(Math.max(x, 0)), 0);
  return Math.max(0, diff + ma.cov.trace() + mb.cov.trace() - 2 * trRoot);
}

export interface KidOptions {
  /** Subsets drawn (torch-fidelity's kid_subsets, default 100). */
  readonly subsets?: number;
  /** Examples per subset (kid_subset_size, default 1000; at most the smaller set). */
  readonly subsetSize?: number;
  readonly seed?: number;
}

export interface Kid {
  readonly mean: number;
  readonly std: number;
  readonly subsets: number;
  readonly subsetSize: number;
}

/**
 * `m` distinct indices below `n`: the first m places of a Fisher–Yates shuffle of 0..n−1
 * driven by `rng` (gan_runtime.choose draws the same ones).
 */
export function choose(n: number, m: number, rng: Rng): Int32Array {
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, m);
}

function rows(f: Features, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * f.dim);
  idx.forEach((r, i) => {
    for (let k = 0; k < f.dim; k++) out[i * f.dim + k] = f.data[r * f.dim + k]!;
  });
  return out;
}

/**
 * Σ over the pairs of (x·y / d + 1)³ (and, for x = y, Σ over the diagonal): the Gram matrix
 * on the backend (float32), the cube and the sums in float64 here.
 */
async function kernelSum(x: tf.Tensor2D, y: tf.Tensor2D, d: number): Promise<{ all: number; diag: number }> {
  const g = tf.matMul(x, y, false, true);
  const v = (await g.data()) as Float32Array;
  const [n, m] = g.shape as [number, number];
  let all = 0;
  let diag = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = i * m, e = j + m; j < e; j++) {
      const t = v[j]! / d + 1;
      row += t * t * t;
    }
    all += row;
    if (i < m) {
      const t = v[i * m + i]! / d + 1;
      diag += t * t * t;
    }
  }
  g.dispose();
  return { all, diag };
}

/** Σ_{i≠j} k(x_i, x_j) of one set. */
async function offDiagonalSum(x: tf.Tensor2D, d: number): Promise<number> {
  const s = await kernelSum(x, x, d);
  return s.all - s.diag;
}

/**
 * The real side of KID: the features, their subsets and each subset's Σ k(y_i, y_j), which
 * depend on them alone (drawn from their own seeded stream), so a run scored again and
 * again computes them once.
 */
export class KidReference {
  private readonly subsetsDrawn: Int32Array[] = [];
  private readonly yySums: number[] = [];

  constructor(
    readonly features: Features,
    readonly options: KidOptions = {},
  ) {}

  /** Subset s (of `m` examples) and its off-diagonal kernel sum. */
  async subset(s: number, m: number): Promise<{ idx: Int32Array; yy: number; y: tf.Tensor2D }> {
    const f = this.features;
    if (this.subsetsDrawn.length > 0 && this.subsetsDrawn[0]!.length !== m) {
      this.subsetsDrawn.length = 0;
      this.yySums.length = 0;
    }
    if (this.subsetsDrawn.length === 0) {
      const rng = new Rng(mixSeed(this.options.seed ?? 0, "kid real"));
      for (let k = 0; k < (this.options.subsets ?? 100); k++) this.subsetsDrawn.push(choose(f.n, m, rng));
    }
    const idx = this.subsetsDrawn[s]!;
    const y = tf.tensor2d(rows(f, idx), [m, f.dim]);
    if (this.yySums[s] === undefined) this.yySums[s] = await offDiagonalSum(y, f.dim);
    return { idx, yy: this.yySums[s]!, y };
  }
}

/**
 * KID between samples' features and the reference's (torch-fidelity's polynomial-kernel
 * unbiased MMD²): per subset, m samples and m reference examples drawn without replacement
 * (the samples' subsets from a stream of their own).
 */
export async function kid(a: Features, b: Features | KidReference, o: KidOptions = {}): Promise<Kid> {
  const ref = b instanceof KidReference ? b : new KidReference(b, o);
  const opts = { ...ref.options, ...o };
  const f = ref.features;
  if (a.dim !== f.dim) throw new Error(`features of ${a.dim} and ${f.dim} dimensions`);
  const subsets = opts.subsets ?? 100;
  const m = Math.min(opts.subsetSize ?? 1000, a.n, f.n);
  if (m < 2) throw new Error("KID needs at least 2 examples in each set");
  const rng = new Rng(mixSeed(opts.seed ?? 0, "kid fake"));
  const values: number[] = [];
  let xxAll: number | undefined;
  for (let s = 0; s < subsets; s++) {
    const idx = choose(a.n, m, rng);
    const x = tf.tensor2d(rows(a, idx), [m, a.dim]);
    const { y, yy } = await ref.subset(s, m);
    // every subset of all the samples is the same set: its sum once
    const xx = m === a.n ? (xxAll ??= await offDiagonalSum(x, a.dim)) : await offDiagonalSum(x, a.dim);
    const xy = (await kernelSum(x, y, a.dim)).all;
    tf.dispose([x, y]);
    values.push((xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m));
  }
  const mean = values.reduce((acc, v) => acc + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / values.length);
  return { mean, std, subsets, subsetSize: m };
}
