// The checked training section (types only): what compiler/train-check.ts builds from a
// spec without errors (every shape known, every name resolved), the training-loop emitter
// turns into generated/NAME/train.ts, and the runtime's data pipeline and trainer read.

/** Where the real examples come from. `--data DIR` swaps the base source for a folder. */
export type DataSource =
  /** The embedded MNIST set (70,000 digits), resized to `size` when it is not 28. */
  | { readonly kind: "mnist"; readonly size: number; readonly channels: 1 | 3; readonly channelsGiven: boolean }
  /** An image folder (given with --data), like torchvision's ImageFolder + Resize + CenterCrop. */
  | { readonly kind: "images"; readonly size: number; readonly channels: 1 | 3; readonly channelsGiven: boolean }
  /** A built-in procedural set of colour pictures (no files). */
  | { readonly kind: "colour"; readonly size: number; readonly channels: 3; readonly count: number }
  /**
   * Two unpaired picture sets (CycleGAN's trainA / trainB): the built-in summer and winter
   * landscapes, or DIR/trainA and DIR/trainB with --data DIR. Each picture is resized to
   * load x load (bicubic), then cropped at random to size x size (junyanz's resize_and_crop).
   */
  | { readonly kind: "unpaired"; readonly size: number; readonly load: number; readonly channels: 3; readonly count: number }
  /**
   * Pairs of pictures (pix2pix's aligned data): the built-in scenes and their winters, or
   * with --data DIR either DIR/A and DIR/B holding pictures of the same names, or pictures
   * with A and B side by side (A the left half). Both are resized to load x load (bicubic)
   * and cropped at the same random place, flipped together (junyanz's aligned dataset).
   */
  | { readonly kind: "paired"; readonly size: number; readonly load: number; readonly channels: 3; readonly count: number };

/** How the data pipeline reads and transforms examples (a DataPlan without its place in the spec). */
export type DataPipeline = Omit<DataPlan, "line" | "col">;

export interface DataOutput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly classes?: number;
}

/** A latent input drawn each round: N(0, 1) values of `shape`, or with `classes` uniform class labels (`labels(10)`, shape []). */
export interface NoisePlan {
  readonly name: string;
  readonly shape: readonly number[];
  readonly classes?: number;
}

export interface DataPlan {
  readonly source: DataSource;
  /** Seed 003's pipeline: RGB -> Lab, yields L/50 - 1 ([1,S,S]) and ab/110 ([2,S,S]). */
  readonly lab: boolean;
  /** Random horizontal flip (p = 0.5) of each example. */
  readonly flip: boolean;
  /** Bicubic resize of the whole picture to size x size (seed 003) instead of short side + center crop. */
  readonly resize: "short-side-crop" | "bicubic-square";
  /**
   * The names the data binds and the shape of one example of each, PyTorch order. `classes`:
   * the output is the examples' class labels (`real, y = mnist`), shape [], that many classes.
   */
  readonly outputs: readonly DataOutput[];
  readonly line: number;
  readonly col: number;
}

/** A value computed in an iteration: an expression over data, noise and model calls. */
export type TrainValue =
  /** `classes`: class labels (shape []), from the data (`real, y = mnist`) or drawn (`labels(10)`). */
  | { readonly kind: "data"; readonly name: string; readonly shape: readonly number[]; readonly classes?: number }
  | { readonly kind: "noise"; readonly name: string; readonly shape: readonly number[]; readonly classes?: number }
  | { readonly kind: "ref"; readonly name: string; readonly shape: readonly number[] }
  /**
   * A model's output. `outputs`: the model returns several (`-> (src: [1], cls: [10])`), so the
   * call is all of them, bound by `src, cls = D(x)` (a TrainBinding with `outputs`); `shape` is the first's.
   */
  | {
      readonly kind: "call";
      readonly model: string;
      readonly args: readonly TrainValue[];
      readonly shape: readonly number[];
      readonly outputs?: readonly { readonly name: string; readonly shape: readonly number[] }[];
    }
  /** Output `index` of the binding `of` (a call of a model with several outputs); `text`: `D(real).src`. */
  | { readonly kind: "output"; readonly of: string; readonly index: number; readonly text: string; readonly shape: readonly number[] }
  | { readonly kind: "cat"; readonly items: readonly TrainValue[]; readonly shape: readonly number[] }
  /** `-x` (a loss's argument: `softplus(-D(fake))`). */
  | { readonly kind: "neg"; readonly value: TrainValue; readonly shape: readonly number[] }
  /**
   * `pool(fake, 50)`: junyanz's ImagePool: each example of `value` is returned as it is while
   * the pool fills, then with probability 1/2 swapped for a stored one (which it replaces).
   * Detached (the pool holds past tensors): it reaches no step's gradient.
   */
  | { readonly kind: "pool"; readonly value: TrainValue; readonly size: number; readonly name: string; readonly shape: readonly number[] };

/**
 * bce, bce_logits, l1, mse: PyTorch's losses (mean). ce: cross-entropy of class scores
 * against labels (logits, or probabilities when the model ends with softmax). hinge:
 * mean(relu(1 - x)) for target 1, mean(relu(1 + x)) for -1. mean: mean(x) (no target).
 * softplus: mean(softplus(x)) (no target).
 */
export type LossFn = "bce" | "bce_logits" | "l1" | "mse" | "ce" | "hinge" | "mean" | "softplus";

export type TrainLoss =
  /** `target` null: a loss of one argument (mean, softplus). */
  /** `probabilities`: ce on a model output that ends with softmax (the log is taken of them). */
  | { readonly kind: "loss"; readonly fn: LossFn; readonly input: TrainValue; readonly target: TrainValue | number | null; readonly probabilities?: boolean }
  /**
   * A gradient penalty of `model` (a critic with one picture input), from the gradient of
   * the sum of its outputs with respect to its input, differentiated again for the step:
   *   gp: mean over examples of (||grad||_2 - 1)^2 at x = eps * real + (1 - eps) * fake,
   *       eps ~ U(0, 1) per example (Gulrajani et al.);
   *   r1: mean over examples of ||grad||_2^2 at the real pictures (Mescheder et al.).
   */
  | { readonly kind: "penalty"; readonly fn: "gp" | "r1"; readonly model: string; readonly real: TrainValue; readonly fake: TrainValue | null }
  | { readonly kind: "sum"; readonly terms: readonly TrainLoss[] }
  | { readonly kind: "scale"; readonly factor: number; readonly loss: TrainLoss };

/** A named intermediate value (`fake = G(z)`), computed once per round. */
export interface TrainBinding {
  readonly name: string;
  readonly value: TrainValue;
  /**
   * `src, cls = D(real)`: the value is a call of a model with several outputs and these are
   * the names its outputs are bound to (each a binding of its own, of kind "output");
   * `name` is them joined by ", ".
   */
  readonly outputs?: readonly string[];
}

/**
 * The learning rate over a run, as a factor of `lr` that changes once per epoch (PyTorch's
 * schedulers stepped at each epoch's end):
 *   linear: constant for `keep` epochs, then down to 0 over `decay` more, exactly as
 *           junyanz's train.py applies his lambda_rule: 1 - max(0, k + 1 - keep) / (decay + 1)
 *           in epoch k counted from 1 (so the first decayed epoch is `keep`, the last is 0);
 *   step:   times `gamma` every `every` epochs (StepLR).
 */
export type LrSchedule = { readonly kind: "linear"; readonly keep: number; readonly decay: number } | { readonly kind: "step"; readonly every: number; readonly gamma: number };

export interface AdamPlan {
  readonly kind: "adam";
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  /** Weight clipping after every update (the original WGAN): parameters clamped to [-clip, clip]. */
  readonly clip?: number;
  readonly schedule?: LrSchedule;
}

export interface StepPlan {
  /**
   * The step's name: its model (`step D`), or its models joined by "+" (`step G_A, G_B`:
   * one optimizer over both, as CycleGAN trains its generators). Every other model is frozen.
   */
  readonly model: string;
  /** The models whose parameters this step updates (one, or several). */
  readonly models: readonly string[];
  /** Steps of this model per iteration (each on a fresh batch and fresh noise). */
  readonly repeat: number;
  readonly loss: TrainLoss;
  /** The loss as written, for logs and the report. */
  readonly text: string;
  readonly optimizer: AdamPlan;
  readonly line: number;
}

/**
 * `ema G = 0.999` or `ema G = (0.999, 1000)`: an exponential moving average of a model's
 * weights (buffers copied), used for samples, scores and gan-sample; before iteration
 * `start` (counted from 0) the average is a copy of the model (StudioGAN's ema_start).
 */
export interface EmaPlan {
  readonly model: string;
  readonly decay: number;
  readonly start: number;
}

export interface TrainPlan {
  readonly data: DataPlan;
  /** Latent inputs drawn each round: N(0, 1) values, or uniform class labels. */
  readonly noise: readonly NoisePlan[];
  /** In dependency order. */
  readonly bindings: readonly TrainBinding[];
  /** In the order they run within an iteration. */
  readonly steps: readonly StepPlan[];
  readonly batch: number;
  /** Exactly one of epochs and iters is set. */
  readonly epochs: number | null;
  readonly iters: number | null;
  /** The value drawn in sample grids (from fixed noise / a fixed batch) and scored. */
  readonly sample: string;
  /**
   * `sample = (A, fake_B, rec_A)`: the grids show these pictures side by side, a row per
   * example (names of data outputs and values; `sample` is the first model value of them).
   */
  readonly sampleRow?: readonly string[];
  readonly sampleEvery: number;
  readonly checkpointEvery: number;
  readonly logEvery: number;
  /** `eval_every`: the quality score every N iterations (0: never); absent: with each sample grid. */
  readonly evalEvery?: number;
  /** Averaged copies of models' weights. */
  readonly ema?: readonly EmaPlan[];
}
