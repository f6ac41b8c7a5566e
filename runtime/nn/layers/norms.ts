// InstanceNorm2d, GroupNorm, LayerNorm (channels-last inside). Kind facts:
// compiler/layers/norms.ts; the arithmetic: ../functional.ts.
import type * as tf from "@tensorflow/tfjs";
import { gn, inorm, ln } from "../../../compiler/layers/norms.ts";
import type { Rng } from "../../random.ts";
import * as F from "../functional.ts";
import { attrs, type ForwardOptions, Layer } from "../layer.ts";

export interface InstanceNormConfig {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly track: boolean;
}

export class InstanceNorm extends Layer {
  private readonly v: ReadonlyMap<string, tf.Variable>;

  constructor(
    readonly config: InstanceNormConfig,
    rng: Rng,
  ) {
    super();
    this.v = this.createState(inorm.state(attrs(config)), rng);
  }

  forward(x: tf.Tensor4D, opts: ForwardOptions): tf.Tensor4D {
    const get = (k: string) => (this.v.get(k) as tf.Tensor1D | undefined) ?? null;
    const r = F.instanceNorm(x, { weight: get("weight"), bias: get("bias"), runningMean: get("running_mean"), runningVar: get("running_var") }, { training: opts.training, momentum: this.config.momentum, eps: this.config.eps });
    if (r.runningMean && r.runningVar) {
      if (opts.updateStats ?? true) {
        this.v.get("running_mean")!.assign(r.runningMean);
        this.v.get("running_var")!.assign(r.runningVar);
      }
      r.runningMean.dispose();
      r.runningVar.dispose();
    }
    return r.y;
  }
}

export interface GroupNormConfig {
  readonly groups: number;
  readonly numChannels: number;
  readonly eps: number;
}

export class GroupNorm extends Layer {
  private readonly v: ReadonlyMap<string, tf.Variable>;

  constructor(
    readonly config: GroupNormConfig,
    rng: Rng,
  ) {
    super();
    this.v = this.createState(gn.state(attrs(config)), rng);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return F.groupNorm(x, this.config.groups, { weight: this.v.get("weight")!, bias: this.v.get("bias")! }, this.config.eps);
  }
}

export interface LayerNormConfig {
  /** The normalised shape in PyTorch's order ([C, H, W] or [F]). */
  readonly shape: readonly number[];
  readonly eps: number;
}

export class LayerNorm extends Layer {
  private readonly v: ReadonlyMap<string, tf.Variable>;

  constructor(
    readonly config: LayerNormConfig,
    rng: Rng,
  ) {
    super();
    this.v = this.createState(ln.state(attrs(config)), rng);
  }

  forward<T extends tf.Tensor>(x: T): T {
    return F.layerNorm(x, { weight: this.v.get("weight")!, bias: this.v.get("bias")! }, this.config.eps) as T;
  }
}
