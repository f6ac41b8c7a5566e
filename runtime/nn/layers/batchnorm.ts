// BatchNorm1d / BatchNorm2d (the channel axis is last inside the runtime): batch statistics
// in training, running ones in eval, PyTorch's momentum update and unbiased running_var.
// Kind facts: compiler/layers/batchnorm.ts.
import type * as tf from "@tensorflow/tfjs";
import { bn } from "../../../compiler/layers/batchnorm.ts";
import type { Rng } from "../../random.ts";
import * as F from "../functional.ts";
import { attrs, type ForwardOptions, Layer } from "../layer.ts";

export interface BatchNormConfig {
  readonly numFeatures: number;
  readonly eps?: number;
  readonly momentum?: number;
}

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
    const v = this.createState(bn.state(attrs(config)), rng);
    this.weight = v.get("weight") as tf.Variable<tf.Rank.R1>;
    this.bias = v.get("bias") as tf.Variable<tf.Rank.R1>;
    this.runningMean = v.get("running_mean") as tf.Variable<tf.Rank.R1>;
    this.runningVar = v.get("running_var") as tf.Variable<tf.Rank.R1>;
    this.numBatchesTracked = v.get("num_batches_tracked") as tf.Variable<tf.Rank.R0>;
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
