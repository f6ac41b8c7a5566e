// Conv2d and ConvTranspose2d (weight [out, in, kH, kW] and [in, out, kH, kW], as in PyTorch),
// running ../functional.ts's convolutions; with `spectral`, torch's spectral_norm of the
// weight (weight_orig, weight_u, weight_v). Kind facts: compiler/layers/conv.ts.
import type * as tf from "@tensorflow/tfjs";
import { conv, convT } from "../../../compiler/layers/conv.ts";
import type { Rng } from "../../random.ts";
import * as F from "../functional.ts";
import { attrs, type ForwardOptions, Layer } from "../layer.ts";

export interface ConvConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: F.Pair;
  readonly stride: F.Pair;
  readonly padding: F.Pair;
  readonly dilation: F.Pair;
  readonly bias: boolean;
  /** Spectral normalisation (the spec's `sn`). */
  readonly spectral?: boolean;
}

export interface ConvTransposeConfig extends ConvConfig {
  readonly outputPadding: F.Pair;
}

const pair = (v: F.Pair): F.Pair => [v[0], v[1]];

/** A layer's weight as it is used: itself, or spectrally normalised. */
export class Weight {
  readonly variable: tf.Variable;
  private readonly u: tf.Variable | undefined;
  private readonly v: tf.Variable | undefined;

  constructor(
    state: ReadonlyMap<string, tf.Variable>,
    private readonly dim: 0 | 1,
  ) {
    this.variable = state.get("weight_orig") ?? state.get("weight")!;
    this.u = state.get("weight_u");
    this.v = state.get("weight_v");
  }

  /** The weight for this forward (one power iteration in a training forward that may move state). */
  use(opts: ForwardOptions | undefined): tf.Tensor {
    if (this.u === undefined || this.v === undefined) return this.variable;
    return F.spectralWeight(this.variable, this.u, this.v, this.dim, (opts?.training ?? false) && (opts?.updateStats ?? true));
  }
}

export class Conv2d extends Layer {
  readonly weight: Weight;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly config: ConvConfig,
    rng: Rng,
  ) {
    super();
    const v = this.createState(conv.state(attrs(config)), rng);
    this.weight = new Weight(v, 0);
    this.bias = (v.get("bias") as tf.Variable<tf.Rank.R1> | undefined) ?? null;
  }

  forward(x: tf.Tensor4D, opts?: ForwardOptions): tf.Tensor4D {
    const c = this.config;
    const w = this.weight.use(opts) as tf.Tensor4D;
    const y = F.conv2d(x, w, this.bias, { stride: pair(c.stride), padding: pair(c.padding), dilation: pair(c.dilation) });
    return y;
  }
}

export class ConvTranspose2d extends Layer {
  readonly weight: Weight;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly config: ConvTransposeConfig,
    rng: Rng,
  ) {
    super();
    const v = this.createState(convT.state(attrs(config)), rng);
    this.weight = new Weight(v, 1);
    this.bias = (v.get("bias") as tf.Variable<tf.Rank.R1> | undefined) ?? null;
  }

  forward(x: tf.Tensor4D, opts?: ForwardOptions): tf.Tensor4D {
    const c = this.config;
    const w = this.weight.use(opts) as tf.Tensor4D;
    const y = F.convTranspose2d(x, w, this.bias, {
      stride: pair(c.stride),
      padding: pair(c.padding),
      dilation: pair(c.dilation),
      outputPadding: pair(c.outputPadding),
    });
    return y;
  }
}
