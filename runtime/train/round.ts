// One round of training: a batch of data and noise, the models, and the rules that keep a
// GAN step honest (seed 000's pitfalls, by construction rather than by care):
//  - a step asks TF.js for gradients of its own model's parameters only, so another model
//    is never updated by it, and gradients never leak between steps (nothing accumulates:
//    each step computes fresh gradients, i.e. zero_grad is implicit);
//  - a named value (`fake = G(z)`) is computed once per round; a step that does not train
//    the models it depends on gets that tensor as a constant (PyTorch's `.detach()`);
//  - a step that trains one of those models recomputes it under the gradient tape with the
//    same dropout masks and without moving BatchNorm's running statistics a second time,
//    so the result equals PyTorch reusing the same `fake` tensor;
//  - logged numbers are read out as plain numbers, after the step.
// The generated train.ts modules run their steps through this class.
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../nn/model.ts";
import type { Adam } from "../optim/adam.ts";
import { differentiableTwice } from "../nn/functional.ts";
import { Rng } from "../random.ts";
import { backendHas, COUNT_NON_FINITE } from "../kernels/native-kernels.ts";

export interface StepResult {
  /** The step's loss, a plain number. */
  readonly loss: number;
  /** Set when the loss or a gradient was NaN or infinite: the update was not applied. */
  readonly nonFinite?: "loss" | "gradient";
  /** Mean probability of each scored discriminator output, e.g. "D(real)": 0.93. */
  readonly scores: Readonly<Record<string, number>>;
  /** Each term of a loss that is a sum, e.g. "10 * l1(rec_A, A)": 0.41. */
  readonly parts?: Readonly<Record<string, number>>;
}

export interface StepBody {
  readonly loss: tf.Scalar;
  /** Probabilities to log (already through a sigmoid when the loss takes logits). */
  readonly scores: Readonly<Record<string, tf.Tensor>>;
  /** The terms of the loss, by their text (logged as `part_` columns). */
  readonly parts?: Readonly<Record<string, tf.Tensor>>;
}

/** A 32-bit hash (FNV-1a) of a seed and a text: seeds of dropout masks, noise, flips. */
export function mixSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * junyanz's ImagePool (util/image_pool.py): up to `size` pictures of earlier rounds. Each
 * picture of a query goes in while the pool fills and comes back as it is; once full, with
 * probability 1/2 a stored picture comes back instead and the new one takes its place. The
 * draws are seeded (Rng), so both engines and a resumed run make the same choices.
 */
export class ImagePool {
  private readonly images: Float32Array[] = [];
  constructor(readonly size: number) {}

  /** A batch [N, ...] (channels-last) -> the batch to use, per example. */
  query(batch: tf.Tensor, rng: Rng): tf.Tensor {
    if (this.size === 0) return batch.clone();
    const n = batch.shape[0]!;
    const per = batch.size / n;
    const data = batch.dataSync() as Float32Array;
    const out = new Float32Array(batch.size);
    for (let i = 0; i < n; i++) {
      const image = data.slice(i * per, (i + 1) * per);
      if (this.images.length < this.size) {
        this.images.push(image);
        out.set(image, i * per);
      } else if (rng.next() > 0.5) {
        const k = Math.min(this.size - 1, Math.floor(rng.next() * this.size));
        out.set(this.images[k]!, i * per);
        this.images[k] = image;
      } else out.set(image, i * per);
    }
    return tf.tensor(out, batch.shape, "float32");
  }

  /** The stored pictures, for checkpoints. */
  contents(): readonly Float32Array[] {
    return this.images;
  }

  restore(images: readonly Float32Array[]): void {
    this.images.splice(0, this.images.length, ...images.slice(0, this.size));
  }
}

export class Round {
  private readonly cache = new Map<string, tf.Tensor | tf.Tensor[]>();
  /** Values recomputed under the running step's tape (reused within that step). */
  private readonly stepCache = new Map<string, tf.Tensor | tf.Tensor[]>();
  /** The models whose step is running (empty between steps). */
  private training: readonly string[] = [];
  private recomputing = false;
  private readonly keys: string[] = [];
  private calls = 0;

  constructor(
    readonly models: Readonly<Record<string, Model>>,
    /** Data tensors (channels-last) by the names the training section gives them. */
    readonly inputs: Readonly<Record<string, tf.Tensor>>,
    /** Seeds this round's dropout masks. */
    readonly seed: number,
    /**
     * frozenStats: BatchNorm uses batch statistics but its running statistics stay (sample
     * grids); pools: the run's image pools by value name (they outlive a round).
     */
    private readonly options: { readonly frozenStats?: boolean; readonly pools?: ReadonlyMap<string, ImagePool> } = {},
  ) {}

  /** A data or noise tensor of this round. */
  input(name: string): tf.Tensor {
    const t = this.inputs[name];
    if (t === undefined) throw new Error(`the round has no input ${name}`);
    return t;
  }

  /** Runs a model in training mode (batch statistics, dropout). */
  call(model: string, inputs: readonly tf.Tensor[]): tf.Tensor {
    return this.callAll(model, inputs)[0]!;
  }

  /** Runs a model with several outputs (`-> (src: [1], cls: [10])`): all of them, in order. */
  callAll(model: string, inputs: readonly tf.Tensor[]): tf.Tensor[] {
    const m = this.models[model];
    if (m === undefined) throw new Error(`no model ${model}`);
    const key = `${this.keys.join("/")}#${this.calls++}:${model}`;
    return m.forwardOutputs(inputs, { training: true, updateStats: !this.recomputing && !this.options.frozenStats, rng: new Rng(mixSeed(this.seed, key)) });
  }

  /**
   * A named value, computed once per round. `deps`: the models it runs. Inside the step of
   * one of them it is recomputed under the tape (same masks, statistics not moved again);
   * anywhere else it is the stored tensor, a constant for the tape (detached).
   */
  value<T extends tf.Tensor | tf.Tensor[]>(name: string, deps: readonly string[], compute: () => T): T {
    const cached = this.cache.get(name) as T | undefined;
    const needsGradient = this.training.some((m) => deps.includes(m));
    if (cached !== undefined && !needsGradient) return cached;
    const tracked = this.stepCache.get(name) as T | undefined;
    if (tracked !== undefined) return tracked;
    const savedCalls = this.calls;
    const savedRecomputing = this.recomputing;
    this.keys.push(name);
    this.calls = 0;
    if (cached !== undefined) this.recomputing = true;
    try {
      const t = compute();
      if (cached === undefined) this.cache.set(name, Array.isArray(t) ? t.map((x) => tf.keep(x)) : tf.keep(t));
      else if (needsGradient) this.stepCache.set(name, t);
      return t;
    } finally {
      this.keys.pop();
      this.calls = savedCalls;
      this.recomputing = savedRecomputing;
    }
  }

  /**
   * `pool(x, 50)`: x's pictures through the run's image pool `name` (once per round, as a
   * named value); outside a training run (sample grids) the pictures themselves.
   */
  pool(name: string, x: tf.Tensor): tf.Tensor {
    const pool = this.options.pools?.get(name);
    if (pool === undefined) return x;
    return pool.query(x, new Rng(mixSeed(this.seed, `pool ${name}`)));
  }

  /**
   * A critic's gradient penalty, differentiable for the step (the gradient's own gradient):
   * gp: mean((||d sum(D(x)) / dx|| - 1)^2) at x = eps·real + (1 - eps)·fake, eps ~ U(0, 1)
   * per example (seeded); r1: mean(||d sum(D(x)) / dx||^2) at the real pictures.
   */
  penalty(kind: "gp" | "r1", model: string, real: tf.Tensor, fake: tf.Tensor | null): tf.Scalar {
    const n = real.shape[0]!;
    let x = real;
    if (kind === "gp") {
      const eps = new Rng(mixSeed(this.seed, `gp ${this.training.join("+")} ${model}`)).fillUniform(n, 0, 1);
      const e = tf.tensor(eps, [n, ...real.shape.slice(1).map(() => 1)], "float32");
      x = e.mul(real).add(tf.sub(1, e).mul(fake!));
    }
    const grad = differentiableTwice(() => tf.grad((xi: tf.Tensor) => this.call(model, [xi]).sum())(x));
    const norms = grad.reshape([n, -1]).square().sum(1);
    return (kind === "gp" ? norms.sqrt().sub(1).square().mean() : norms.mean()) as tf.Scalar;
  }

  /** One optimisation step of `models` (one, or several with one optimizer) on the loss `body` computes. */
  step(models: string | readonly string[], optimizer: Adam, body: () => StepBody): StepResult {
    const list = typeof models === "string" ? [models] : models;
    const params: tf.Variable[] = [];
    for (const name of list) {
      const m = this.models[name];
      if (m === undefined) throw new Error(`no model ${name}`);
      params.push(...m.parameters());
    }
    const model = list.join("+");
    this.training = list;
    this.keys.push(`step ${model}`);
    this.calls = 0;
    const means: Record<string, tf.Tensor> = {};
    const partValues: Record<string, tf.Tensor> = {};
    try {
      const { value, grads } = tf.variableGrads(() => {
        const b = body();
        for (const [k, t] of Object.entries(b.scores)) means[k] = tf.keep(t.mean());
        for (const [k, t] of Object.entries(b.parts ?? {})) partValues[k] = tf.keep(t.clone());
        return b.loss;
      }, params);
      const loss = value.dataSync()[0]!;
      // NaN or Inf in the loss or any gradient: the update is not applied (the weights stay
      // the last finite ones); the caller decides to stop or to skip (--on-nan).
      const gradList = Object.values(grads);
      const finite = Number.isFinite(loss) && nonFiniteCount(gradList) === 0;
      if (finite) optimizer.step(grads);
      tf.dispose([value, ...gradList]);
      const scores: Record<string, number> = {};
      for (const [k, t] of Object.entries(means)) scores[k] = t.dataSync()[0]!;
      const parts: Record<string, number> = {};
      for (const [k, t] of Object.entries(partValues)) parts[k] = t.dataSync()[0]!;
      const read = Object.keys(parts).length > 0 ? { scores, parts } : { scores };
      return finite ? { loss, ...read } : { loss, ...read, nonFinite: Number.isFinite(loss) ? "gradient" : "loss" };
    } finally {
      tf.dispose(Object.values(means));
      tf.dispose(Object.values(partValues));
      this.stepCache.clear();
      this.keys.pop();
      this.training = [];
    }
  }

  /** Frees the round's stored values (not its inputs, which the caller owns). */
  dispose(): void {
    for (const t of this.cache.values()) tf.dispose(t);
    this.cache.clear();
  }
}

/** How many gradient values are NaN or ±Inf: one native pass where it is registered. */
function nonFiniteCount(grads: readonly tf.Tensor[]): number {
  if (grads.length === 0) return 0;
  return tf.tidy(() => {
    if (backendHas(COUNT_NON_FINITE) && grads.every((g) => g.dtype === "float32")) {
      const inputs = Object.fromEntries(grads.map((g, i) => [`t${i}`, g]));
      return (tf.engine().runKernel(COUNT_NON_FINITE, inputs, {}) as tf.Tensor).dataSync()[0]!;
    }
    return tf.addN(grads.map((g) => g.isFinite().logicalNot().sum().cast("float32"))).dataSync()[0]!;
  });
}
