// Class labels to values: Embedding (a learned vector per class), onehot, and expand (a
// vector at every position of a picture, channels-last). Kind facts: compiler/layers/labels.ts.
import * as tf from "@tensorflow/tfjs";
import { embedding } from "../../../compiler/layers/labels.ts";
import type { Rng } from "../../random.ts";
import { attrs, Layer } from "../layer.ts";

export interface EmbeddingConfig {
  readonly classes: number;
  readonly dim: number;
}

export class Embedding extends Layer {
  private readonly weight: tf.Variable;

  constructor(
    readonly config: EmbeddingConfig,
    rng: Rng,
  ) {
    super();
    this.weight = this.createState(embedding.state(attrs(config)), rng).get("weight")!;
  }

  /** Labels [N] (whole numbers, any dtype) -> [N, D]. */
  forward(y: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.weight, y.toInt()) as tf.Tensor2D);
  }
}

export const onehot = (y: tf.Tensor1D, classes: number): tf.Tensor2D => tf.tidy(() => tf.oneHot(y.toInt(), classes).toFloat() as tf.Tensor2D);

/** [N, D] -> [N, H, W, D]: the vector at every position. */
export const expand = (x: tf.Tensor2D, height: number, width: number): tf.Tensor4D =>
  tf.tidy(() => tf.tile(x.reshape([x.shape[0], 1, 1, x.shape[1]]), [1, height, width, 1]) as tf.Tensor4D);
