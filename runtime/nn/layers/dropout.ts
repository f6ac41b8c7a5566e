// Dropout: no state, but it needs the mode and a seed (PyTorch's scaling by 1 / (1 - p)).
// Kind facts: compiler/layers/dropout.ts.
import type * as tf from "@tensorflow/tfjs";
import * as F from "../functional.ts";
import type { ForwardOptions } from "../layer.ts";

export class Dropout {
  constructor(readonly p: number) {}

  forward<T extends tf.Tensor>(x: T, opts: ForwardOptions): T {
    return F.dropout(x, this.p, opts.training, opts.rng?.int() ?? 0) as T;
  }
}

/** Dropout2d: whole channels of each example. Kind facts: compiler/layers/dropout.ts. */
export class Dropout2d {
  constructor(readonly p: number) {}

  forward(x: tf.Tensor4D, opts: ForwardOptions): tf.Tensor4D {
    return F.dropout2d(x, this.p, opts.training, opts.rng?.int() ?? 0);
  }
}
