// The layers a generated model is made of. Each holds its parameters and buffers as
// TF.js variables in PyTorch's layout, under PyTorch's local names (weight, bias,
// running_mean, running_var, num_batches_tracked), and runs the semantics of
// ./functional.ts. Element-wise layers without state are plain functions (./index.ts).
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import * as F from "./functional.ts";
import { type Init, initialValues } from "./init.ts";

export interface ForwardOptions {
  /** Training mode: batch statistics in BatchNorm, dropout on. */
  readonly training: boolean;
  /** Update BatchNorm's running statistics (default: when training). */
  readonly updateStats?: boolean;
  /** Seeds dropout masks in training mode. */
  readonly rng?: Rng;
}

export interface StateEntry {
  /** PyTorch's local name: weight, bias, running_mean, running_var, num_batches_tracked. */
  readonly name: string;
  readonly variable: tf.Variable;
  readonly kind: "parameter" | "buffer";
  /** How PyTorch stores it: I64 for num_batches_tracked. */
  readonly dtype: "F32" | "I64";
  readonly init: Init;
}

export abstract class Layer {
  protected readonly entries: StateEntry[] = [];

  protected state(name: string, shape: readonly number[], init: Init, rng: Rng, kind: "parameter" | "buffer" = "parameter", dtype: "F32" | "I64" = "F32"): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    // tf.variable shares the initial tensor's data and leaves that tensor alive: dispose it,
    // or Model.dispose() would leave every initial value behind.
    const initial = tf.tensor(initialValues(init, size, rng), [...shape], "float32");
    const variable = tf.variable(initial, kind === "parameter");
    initial.dispose();
    this.entries.push({ name, variable, kind, dtype, init });
    return variable;
  }

  stateEntries(): readonly StateEntry[] {
    return this.entries;
  }
}

const pair = (v: F.Pair): F.Pair => [v[0], v[1]];

export interface ConvConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: F.Pair;
  readonly stride: F.Pair;
  readonly padding: F.Pair;
  readonly dilation: F.Pair;
  readonly bias: boolean;
}

/** Conv2d. */
export class Conv2d extends Layer {
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly config: ConvConfig,
    rng: Rng,
  ) {
    super();
    const c = config;
    const fanIn = c.inChannels * c.kernel[0] * c.kernel[1];
    this.weight = this.state("weight", [c.outChannels, c.inChannels, c.kernel[0], c.kernel[1]], { kind: "normal", mean: 0, std: 0.02 }, rng) as tf.Variable<tf.Rank.R4>;
    this.bias = c.bias ? (this.state("bias", [c.outChannels], { kind: "uniform", bound: 1 / Math.sqrt(fanIn) }, rng) as tf.Variable<tf.Rank.R1>) : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const c = this.config;
    return F.conv2d(x, this.weight, this.bias, { stride: pair(c.stride), padding: pair(c.padding), dilation: pair(c.dilation) });
  }
}

export interface ConvTransposeConfig extends ConvConfig {
  readonly outputPadding: F.Pair;
}

/** ConvTranspose2d (weight [in, out, kH, kW], as in PyTorch). */
export class ConvTranspose2d extends Layer {
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly config: ConvTransposeConfig,
    rng: Rng,
  ) {
    super();
    const c = config;
    // PyTorch's fan_in for a transposed conv weight [in, out, kH, kW] is out * kH * kW.
    const fanIn = c.outChannels * c.kernel[0] * c.kernel[1];
    this.weight = this.state("weight", [c.inChannels, c.outChannels, c.kernel[0], c.kernel[1]], { kind: "normal", mean: 0, std: 0.02 }, rng) as tf.Variable<tf.Rank.R4>;
    this.bias = c.bias ? (this.state("bias", [c.outChannels], { kind: "uniform", bound: 1 / Math.sqrt(fanIn) }, rng) as tf.Variable<tf.Rank.R1>) : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const c = this.config;
    return F.convTranspose2d(x, this.weight, this.bias, {
      stride: pair(c.stride),
      padding: pair(c.padding),
      dilation: pair(c.dilation),
      outputPadding: pair(c.outputPadding),
    });
  }
}

export interface LinearConfig {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
}

/** Linear. */
export class Linear extends Layer {
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly config: LinearConfig,
    rng: Rng,
  ) {
    super();
    const bound = 1 / Math.sqrt(config.inFeatures);
    this.weight = this.state("weight", [config.outFeatures, config.inFeatures], { kind: "uniform", bound }, rng) as tf.Variable<tf.Rank.R2>;
    this.bias = config.bias ? (this.state("bias", [config.outFeatures], { kind: "uniform", bound }, rng) as tf.Variable<tf.Rank.R1>) : null;
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return F.linear(x, this.weight, this.bias);
  }
}

export interface BatchNormConfig {
  readonly numFeatures: number;
  readonly eps?: number;
  readonly momentum?: number;
}

/** BatchNorm1d / BatchNorm2d (the channel axis is last inside the runtime). */
export class BatchNorm extends Layer {
  readonly weight: tf.Variable<tf.Rank.R1>;
  readonly bias: tf.Variable<tf.Rank.R1>;
  readonly runningMean: tf.Variable<tf.Rank.R1>;
  readonly runningVar: tf.Variable<tf.Rank.R1>;
  readonly numBatchesTracked: tf.Variable<tf.Rank.R0>;

  constructor(
    readonly config: BatchNormConfig,
    rng: Rng,
  ) {
    super();
    const c = config.numFeatures;
    this.weight = this.state("weight", [c], { kind: "normal", mean: 1, std: 0.02 }, rng) as tf.Variable<tf.Rank.R1>;
    this.bias = this.state("bias", [c], { kind: "zeros" }, rng) as tf.Variable<tf.Rank.R1>;
    this.runningMean = this.state("running_mean", [c], { kind: "zeros" }, rng, "buffer") as tf.Variable<tf.Rank.R1>;
    this.runningVar = this.state("running_var", [c], { kind: "ones" }, rng, "buffer") as tf.Variable<tf.Rank.R1>;
    this.numBatchesTracked = this.state("num_batches_tracked", [], { kind: "zeros" }, rng, "buffer", "I64") as tf.Variable<tf.Rank.R0>;
  }

  forward<T extends tf.Tensor>(x: T, opts: ForwardOptions): T {
    const r = F.batchNorm(
      x,
      { weight: this.weight, bias: this.bias, runningMean: this.runningMean, runningVar: this.runningVar },
      { training: opts.training, momentum: this.config.momentum ?? 0.1, eps: this.config.eps ?? 1e-5 },
    );
    if (opts.training && (opts.updateStats ?? true) && r.runningMean && r.runningVar) {
      this.runningMean.assign(r.runningMean);
      this.runningVar.assign(r.runningVar);
      const count = this.numBatchesTracked.add<tf.Scalar>(1);
      this.numBatchesTracked.assign(count);
      count.dispose();
      r.runningMean.dispose();
      r.runningVar.dispose();
    }
    return r.y as T;
  }
}

/** Dropout (stateless, but it needs the mode and a seed). */
export class Dropout {
  constructor(readonly p: number) {}

  forward<T extends tf.Tensor>(x: T, opts: ForwardOptions): T {
    return F.dropout(x, this.p, opts.training, opts.rng?.int() ?? 0) as T;
  }
}
