// Linear (weight [out, in]). Kind facts: compiler/layers/linear.ts.
import type * as tf from "@tensorflow/tfjs";
import { linear } from "../../../compiler/layers/linear.ts";
import type { Rng } from "../../random.ts";
import * as F from "../functional.ts";
import { attrs, Layer } from "../layer.ts";

export interface LinearConfig {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
}

export class Linear extends Layer {
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly config: LinearConfig,
    rng: Rng,
  ) {
    super();
    const v = this.createState(linear.state(attrs(config)), rng);
    this.weight = v.get("weight") as tf.Variable<tf.Rank.R2>;
    this.bias = (v.get("bias") as tf.Variable<tf.Rank.R1> | undefined) ?? null;
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return F.linear(x, this.weight, this.bias);
  }
}
