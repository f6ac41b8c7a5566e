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
  | { readonly kind: "colour"; readonly size: number; readonly channels: 3; readonly count: number };

/** How the data pipeline reads and transforms examples (a DataPlan without its place in the spec). */
export type DataPipeline = Omit<DataPlan, "line" | "col">;

export interface DataPlan {
  readonly source: DataSource;
  /** Seed 003's pipeline: RGB -> Lab, yields L/50 - 1 ([1,S,S]) and ab/110 ([2,S,S]). */
  readonly lab: boolean;
  /** Random horizontal flip (p = 0.5) of each example. */
  readonly flip: boolean;
  /** Bicubic resize of the whole picture to size x size (seed 003) instead of short side + center crop. */
  readonly resize: "short-side-crop" | "bicubic-square";
  /** The names the data binds and the shape of one example of each, PyTorch order. */
  readonly outputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly line: number;
  readonly col: number;
}

/** A value computed in an iteration: an expression over data, noise and model calls. */
export type TrainValue =
  | { readonly kind: "data"; readonly name: string; readonly shape: readonly number[] }
  | { readonly kind: "noise"; readonly name: string; readonly shape: readonly number[] }
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
  | { readonly kind: "cat"; readonly items: readonly TrainValue[]; readonly shape: readonly number[] };

export type LossFn = "bce" | "bce_logits" | "l1" | "mse";

export type TrainLoss =
  | { readonly kind: "loss"; readonly fn: LossFn; readonly input: TrainValue; readonly target: TrainValue | number }
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

export interface AdamPlan {
  readonly kind: "adam";
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
}

export interface StepPlan {
  /** The model whose parameters this step updates; every other model is frozen. */
  readonly model: string;
  /** Steps of this model per iteration (each on a fresh batch and fresh noise). */
  readonly repeat: number;
  readonly loss: TrainLoss;
  /** The loss as written, for logs and the report. */
  readonly text: string;
  readonly optimizer: AdamPlan;
  readonly line: number;
}

export interface TrainPlan {
  readonly data: DataPlan;
  /** Latent inputs drawn from N(0, 1) each round. */
  readonly noise: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** In dependency order. */
  readonly bindings: readonly TrainBinding[];
  /** In the order they run within an iteration. */
  readonly steps: readonly StepPlan[];
  readonly batch: number;
  /** Exactly one of epochs and iters is set. */
  readonly epochs: number | null;
  readonly iters: number | null;
  /** The value drawn in sample grids (from fixed noise / a fixed batch). */
  readonly sample: string;
  readonly sampleEvery: number;
  readonly checkpointEvery: number;
  readonly logEvery: number;
  /** `eval_every`: the quality score every N iterations (0: never); absent: with each sample grid. */
  readonly evalEvery?: number;
}
