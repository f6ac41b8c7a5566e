// Linear (weight [out, in]); with `spectral`, torch's spectral_norm of the weight. Kind
// facts: compiler/layers/linear.ts.
import type * as tf from "@tensorflow/tfjs";
import { linear } from "../../../compiler/layers/linear.ts";
import type { Rng } from "../../random.ts";
import * as F from "../functional.ts";
import { attrs, type ForwardOptions, Layer } from "../layer.ts";
import { Weight } from "./conv.ts";

export interface LinearConfig {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
  /** Spectral normalisation (the spec's `sn`). */
  readonly spectral?: boolean;
}

export class Linear extends Layer {
  readonly weight: Weight;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly config: LinearConfig,
    rng: Rng,
  ) {
    super();
    const v = this.createState(linear.state(attrs(config)), rng);
    this.weight = new Weight(v, 0);
    this.bias = (v.get("bias") as tf.Variable<tf.Rank.R1> | undefined) ?? null;
  }

  forward(x: tf.Tensor2D, opts?: ForwardOptions): tf.Tensor2D {
    const w = this.weight.use(opts) as tf.Tensor2D;
    const y = F.linear(x, w, this.bias);
    return y;
  }
}
