// gain: the input times a learned scalar. Kind facts: compiler/layers/scale.ts.
import * as tf from "@tensorflow/tfjs";
import { gain } from "../../../compiler/layers/scale.ts";
import type { Rng } from "../../random.ts";
import { attrs, Layer } from "../layer.ts";

export interface GainConfig {
  readonly start: number;
}

export class Gain extends Layer {
  private readonly weight: tf.Variable;

  constructor(
    readonly config: GainConfig,
    rng: Rng,
  ) {
    super();
    this.weight = this.createState(gain.state(attrs(config)), rng).get("weight")!;
  }

  forward<T extends tf.Tensor>(x: T): T {
    return tf.mul(x, this.weight) as T;
  }
}
