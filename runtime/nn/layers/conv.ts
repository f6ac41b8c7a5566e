// Conv2d and ConvTranspose2d (weight [out, in, kH, kW] and [in, out, kH, kW], as in PyTorch),
// running ../functional.ts's convolutions. Kind facts: compiler/layers/conv.ts.
import type * as tf from "@tensorflow/tfjs";
import { conv, convT } from "../../../compiler/layers/conv.ts";
import type { Rng } from "../../random.ts";
import * as F from "../functional.ts";
import { attrs, Layer } from "../layer.ts";

export interface ConvConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: F.Pair;
  readonly stride: F.Pair;
  readonly padding: F.Pair;
  readonly dilation: F.Pair;
  readonly bias: boolean;
}

export interface ConvTransposeConfig extends ConvConfig {
  readonly outputPadding: F.Pair;
}

const pair = (v: F.Pair): F.Pair => [v[0], v[1]];

export class Conv2d extends Layer {
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly config: ConvConfig,
    rng: Rng,
  ) {
    super();
    const v = this.createState(conv.state(attrs(config)), rng);
    this.weight = v.get("weight") as tf.Variable<tf.Rank.R4>;
    this.bias = (v.get("bias") as tf.Variable<tf.Rank.R1> | undefined) ?? null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const c = this.config;
    return F.conv2d(x, this.weight, this.bias, { stride: pair(c.stride), padding: pair(c.padding), dilation: pair(c.dilation) });
  }
}

export class ConvTranspose2d extends Layer {
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly config: ConvTransposeConfig,
    rng: Rng,
  ) {
    super();
    const v = this.createState(convT.state(attrs(config)), rng);
    this.weight = v.get("weight") as tf.Variable<tf.Rank.R4>;
    this.bias = (v.get("bias") as tf.Variable<tf.Rank.R1> | undefined) ?? null;
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
