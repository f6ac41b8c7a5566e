// One round of training: a batch of data and noise, the models, and the rules that keep a
// GAN step honest (seed 000's pitfalls, by construction rather than by care):
//  - a step asks TF.js for gradients of its own model's parameters only, so another model
//    is never updated by it, and gradients never leak between steps (nothing accumulates:
//    each step computes fresh gradients, i.e. zero_grad is implicit);
//  - a named value (`fake = G(z)`) is computed once per round; a step that does not train
//    the models it depends on gets that tensor as a constant (PyTorch's `.detach()`);
//  - a later step that trains one of those models differentiates through that same
//    computation, as PyTorch does through its `fake` tensor's graph: when the round knows
//    its steps (`plan`), the gradient tape's record of the value's computation is kept
//    from the first step for the later one (each model runs once); otherwise the value is
//    recomputed under the later step's tape with the same dropout masks and without moving
//    BatchNorm's running statistics a second time (the same numbers, twice the work);
//  - logged numbers are read out as plain numbers, after the step: at once on the CPU
//    backends; on a GPU (deferredReads) later and all at once (StepResult.read), the
//    update then being applied on the device only where the loss and gradients are finite.
// The generated train.ts modules run their steps through this class.
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../nn/model.ts";
import type { Adam } from "../optim/adam.ts";
import { differentiableTwice } from "../nn/functional.ts";
import { Rng } from "../random.ts";
import { backendHas, COUNT_NON_FINITE } from "../kernels/native-kernels.ts";
import { disposeTape, freeDuringBackward, type TapeNode, topLevelTape } from "./tape.ts";

/** What a step logs, as plain numbers. */
export interface StepNumbers {
  /** The step's loss, a plain number. */
  readonly loss: number;
  /** Set when the loss or a gradient was NaN or infinite: the update was not applied. */
  readonly nonFinite?: "loss" | "gradient";
  /** Mean probability of each scored discriminator output, e.g. "D(real)": 0.93. */
  readonly scores: Readonly<Record<string, number>>;
  /** Each term of a loss that is a sum, e.g. "10 * l1(rec_A, A)": 0.41. */
  readonly parts?: Readonly<Record<string, number>>;
}

/**
 * Whether steps leave their numbers on the device to be read later (a GPU backend, where a
 * read waits for all the work queued before it), instead of reading them at once.
 * GAN_DEFERRED_READS=1 or 0 forces it either way (tests run the GPU path on the CPU).
 */
export function deferredReads(): boolean {
  const forced = process.env["GAN_DEFERRED_READS"];
  if (forced === "1" || forced === "0") return forced === "1";
  return tf.getBackend() === "webgpu" || tf.getBackend() === "webgl";
}

/** A step's numbers; not finite: the loss or a gradient was NaN or infinite (said of the loss when it is). */
function stepNumbers(loss: number, finite: boolean, scores: Readonly<Record<string, number>>, parts: Readonly<Record<string, number>>): StepNumbers {
  const read = Object.keys(parts).length > 0 ? { scores, parts } : { scores };
  return finite ? { loss, ...read } : { loss, ...read, nonFinite: Number.isFinite(loss) ? "gradient" : "loss" };
}

/**
 * A step's outcome: its numbers, read at once (the CPU backends) or, deferred, left on the
 * device (one packed tensor) until read(), `applied` then being the device's verdict (a
 * boolean scalar: the loss and every gradient finite) that the averages and the update
 * itself went by.
 */
export class StepResult {
  private pending: { readonly packed: tf.Tensor; readonly applied: tf.Tensor; readonly scores: readonly string[]; readonly parts: readonly string[] } | undefined;
  private result: StepNumbers | undefined;

  /** deferred: the update went to the device under its verdict (the optimizer counted the step either way). */
  private constructor(readonly deferred: boolean) {}

  static now(numbers: StepNumbers): StepResult {
    const r = new StepResult(false);
    r.result = numbers;
    return r;
  }

  /** [loss, 1 if applied, scores..., parts...] in `packed` (kept; read() frees it and `applied`). */
  static later(packed: tf.Tensor, applied: tf.Tensor, scores: readonly string[], parts: readonly string[]): StepResult {
    const r = new StepResult(true);
    r.pending = { packed, applied, scores, parts };
    return r;
  }

  /** Whether the update was applied: a boolean, or a boolean scalar on the device until read. */
  get applied(): boolean | tf.Tensor {
    if (this.pending) return this.pending.applied;
    return this.result!.nonFinite === undefined;
  }

  /** The numbers (reading them from the device the first time). */
  async read(): Promise<StepNumbers> {
    if (this.result) return this.result;
    const { packed, applied, scores, parts } = this.pending!;
    const v = (await packed.data()) as Float32Array;
    tf.dispose([packed, applied]);
    this.pending = undefined;
    const at = (names: readonly string[], from: number) => Object.fromEntries(names.map((k, i) => [k, v[from + i]!]));
    this.result = stepNumbers(v[0]!, v[1] === 1, at(scores, 2), at(parts, 2 + scores.length));
    return this.result;
  }
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
  /** The stored pictures, each [1, values] (flat), kept on the device. */
  private readonly images: tf.Tensor[] = [];
  constructor(readonly size: number) {}

  /** A batch [N, ...] (channels-last) -> the batch to use, per example. */
  query(batch: tf.Tensor, rng: Rng): tf.Tensor {
    if (this.size === 0) return batch.clone();
    const n = batch.shape[0]!;
    const given: tf.Tensor[] = [];
    const result = tf.tidy(() => {
      const flat = batch.reshape([n, batch.size / n]);
      const out: tf.Tensor[] = [];
      for (let i = 0; i < n; i++) {
        const image = flat.slice([i, 0], [1, -1]);
        if (this.images.length < this.size) {
          this.images.push(tf.keep(image));
          out.push(image);
        } else if (rng.next() > 0.5) {
          const k = Math.min(this.size - 1, Math.floor(rng.next() * this.size));
          out.push(this.images[k]!);
          given.push(this.images[k]!);
          this.images[k] = tf.keep(image);
        } else out.push(image);
      }
      return tf.concat(out).reshape(batch.shape);
    });
    tf.dispose(given); // stored pictures given back (and replaced)
    return result;
  }

  /** The stored pictures, for checkpoints (read from the device). */
  async contents(): Promise<Float32Array[]> {
    return Promise.all(this.images.map(async (t) => (await t.data()) as Float32Array));
  }

  /** Pictures of a checkpoint (channels-last values). */
  restore(images: readonly Float32Array[]): void {
    this.dispose();
    for (const im of images.slice(0, this.size)) this.images.push(tf.keep(tf.tensor(im, [1, im.length], "float32")));
  }

  dispose(): void {
    tf.dispose(this.images);
    this.images.length = 0;
  }
}

export class Round {
  private readonly cache = new Map<string, tf.Tensor | tf.Tensor[]>();
  /**
   * The tape records of values computed in a step that did not train their models, kept
   * for a later step of this round that does (by value name); used once, then freed by that
   * step's backward pass, or here by dispose().
   */
  private readonly kept = new Map<string, TapeNode[]>();
  /** How many steps have started in this round. */
  private stepsStarted = 0;
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
     * grids); pools: the run's image pools by value name (they outlive a round); plan: the
     * models each step of this round trains, in order (training.ts's iterationRounds), so
     * that a value's computation is differentiated once rather than recomputed.
     */
    private readonly options: { readonly frozenStats?: boolean; readonly pools?: ReadonlyMap<string, ImagePool>; readonly plan?: readonly (readonly string[])[] } = {},
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
    const tape = topLevelTape();
    const kept = this.kept.get(name);
    if (cached !== undefined && kept !== undefined && tape) {
      // This step's tape runs back through the value's first computation: its record goes
      // onto the tape now, before the operations that use the value.
      this.kept.delete(name);
      tape.push(...kept);
      this.stepCache.set(name, cached);
      return cached;
    }
    // Computed now in a step that does not train its models, for a later step that does:
    // its record is taken off this step's tape (which does not need it) and kept.
    const keep = cached === undefined && !needsGradient && this.trainedLater(deps) ? tape : undefined;
    const start = keep?.length ?? 0;
    const savedCalls = this.calls;
    const savedRecomputing = this.recomputing;
    const savedKeys = this.keys.splice(0);
    // The value's own key, whichever step computes it: a recomputation draws the same
    // dropout masks as the first computation.
    this.keys.push(`value ${name}`);
    this.calls = 0;
    if (cached !== undefined) this.recomputing = true;
    try {
      const t = compute();
      if (keep) this.kept.set(name, keep.splice(start));
      if (cached === undefined) this.cache.set(name, Array.isArray(t) ? t.map((x) => tf.keep(x)) : tf.keep(t));
      else if (needsGradient) this.stepCache.set(name, t);
      return t;
    } finally {
      this.keys.splice(0, this.keys.length, ...savedKeys);
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

  /** Whether a step after the running one trains one of `models` (known from the plan). */
  private trainedLater(models: readonly string[]): boolean {
    return (this.options.plan ?? []).slice(this.stepsStarted).some((trains) => trains.some((m) => models.includes(m)));
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
    this.stepsStarted++;
    this.keys.push(`step ${model}`);
    this.calls = 0;
    const means: Record<string, tf.Tensor> = {};
    const partValues: Record<string, tf.Tensor> = {};
    try {
      const { value, grads } = tf.variableGrads(() => {
        const b = body();
        for (const [k, t] of Object.entries(b.scores)) means[k] = tf.keep(t.mean());
        for (const [k, t] of Object.entries(b.parts ?? {})) partValues[k] = tf.keep(t.clone());
        freeDuringBackward(params);
        return b.loss;
      }, params);
      // NaN or Inf in the loss or any gradient: the update is not applied (the weights stay
      // the last finite ones); the caller decides to stop or to skip (--on-nan).
      const gradList = Object.values(grads);
      if (deferredReads()) {
        // Decided on the device: nothing waits for the GPU here.
        const applied = tf.tidy(() => tf.stack([value.isFinite(), ...gradList.map((g) => g.isFinite().all())]).all());
        optimizer.step(grads, applied);
        const packed = tf.tidy(() => tf.stack([value, applied.cast("float32"), ...Object.values(means), ...Object.values(partValues)].map((t) => t.reshape([]).cast("float32"))));
        tf.dispose([value, ...gradList]);
        return StepResult.later(packed, applied, Object.keys(means), Object.keys(partValues));
      }
      const loss = value.dataSync()[0]!;
      const finite = Number.isFinite(loss) && nonFiniteCount(gradList) === 0;
      if (finite) optimizer.step(grads);
      tf.dispose([value, ...gradList]);
      const scores: Record<string, number> = {};
      for (const [k, t] of Object.entries(means)) scores[k] = t.dataSync()[0]!;
      const parts: Record<string, number> = {};
      for (const [k, t] of Object.entries(partValues)) parts[k] = t.dataSync()[0]!;
      return StepResult.now(stepNumbers(loss, finite, scores, parts));
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
    for (const nodes of this.kept.values()) disposeTape(nodes);
    this.kept.clear();
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
