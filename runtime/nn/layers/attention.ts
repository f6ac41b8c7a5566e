// SAGAN's self-attention block (channels-last inside). Kind facts: compiler/layers/attention.ts.
import * as tf from "@tensorflow/tfjs";
import { attention } from "../../../compiler/layers/attention.ts";
import type { Rng } from "../../random.ts";
import * as F from "../functional.ts";
import { attrs, type ForwardOptions, Layer } from "../layer.ts";
import { Weight } from "./conv.ts";

export interface SelfAttentionConfig {
  readonly channels: number;
  /** Spectral normalisation of the three 1x1 convs (the spec's `sn`). */
  readonly spectral?: boolean;
}

interface Conv1x1 {
  readonly weight: Weight;
  readonly bias: tf.Variable;
}

export class SelfAttention extends Layer {
  private readonly gamma: tf.Variable;
  private readonly convs: { readonly query: Conv1x1; readonly key: Conv1x1; readonly value: Conv1x1 };

  constructor(
    readonly config: SelfAttentionConfig,
    rng: Rng,
  ) {
    super();
    const v = this.createState(attention.state(attrs(config)), rng);
    this.gamma = v.get("gamma")!;
    const conv = (prefix: string): Conv1x1 => {
      const own = new Map([...v].filter(([k]) => k.startsWith(`${prefix}.`)).map(([k, x]) => [k.slice(prefix.length + 1), x]));
      return { weight: new Weight(own, 0), bias: own.get("bias")! };
    };
    this.convs = { query: conv("query_conv"), key: conv("key_conv"), value: conv("value_conv") };
  }

  forward(x: tf.Tensor4D, opts: ForwardOptions): tf.Tensor4D {
    const [n, h, w, c] = x.shape;
    const apply = (k: Conv1x1) => F.conv2d(x, k.weight.use(opts) as tf.Tensor4D, k.bias as tf.Tensor1D, { stride: [1, 1], padding: [0, 0], dilation: [1, 1] });
    return tf.tidy(() => {
      const q = apply(this.convs.query).reshape([n, h * w, -1]) as tf.Tensor3D;
      const k = apply(this.convs.key).reshape([n, h * w, -1]) as tf.Tensor3D;
      const v = apply(this.convs.value).reshape([n, h * w, c]) as tf.Tensor3D;
      // softmax over the key positions of query · key, then the values weighted by it
      const weights = tf.softmax(tf.matMul(q, k, false, true));
      const out = tf.matMul(weights, v).reshape([n, h, w, c]);
      return out.mul(this.gamma).add(x) as tf.Tensor4D;
    });
  }
}
