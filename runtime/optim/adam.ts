// Adam exactly as torch.optim.Adam computes it (no weight decay, no amsgrad), in float32
// and in PyTorch's order of operations:
//   m = b1·m + (1 - b1)·g;  v = b2·v + (1 - b2)·g²
//   p -= (lr / (1 - b1^t)) · m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Its state (m, v, t) can be saved and restored, for checkpoints.
import * as tf from "@tensorflow/tfjs";
import { ADAM_STEP, backendHas } from "../kernels/native-kernels.ts";

export interface AdamOptions {
  readonly lr: number;
  readonly betas?: readonly [number, number];
  readonly eps?: number;
}

export class Adam {
  /** The learning rate of the next step (a schedule changes it between epochs). */
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private t = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    readonly params: readonly tf.Variable[],
    options: AdamOptions,
  ) {
    this.lr = options.lr;
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    const zeros = (p: tf.Variable): tf.Variable => {
      const z = tf.zerosLike(p);
      const v = tf.variable(z, false);
      z.dispose(); // the variable holds its own reference to the data
      return v;
    };
    this.m = params.map(zeros);
    this.v = params.map(zeros);
  }

  get steps(): number {
    return this.t;
  }

  /**
   * grads: by variable name, as tf.variableGrads returns them; a missing one is zero.
   * applied: a boolean scalar on the device; where false, every parameter and moment stays
   * as it was (a step whose loss or gradients are not finite, decided without reading the
   * GPU: see Round.step). The step count goes on (notApplied takes it back once read).
   */
  step(grads: Readonly<Record<string, tf.Tensor>>, applied?: tf.Tensor): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** this.t);
    const stepSize = this.lr / bc1;
    // One fused kernel per parameter where the native kernels run (the same float32
    // operations in the same order, so the same bits), else eleven TF.js ops.
    const fused = backendHas(ADAM_STEP);
    const constants = [this.beta1, 1 - this.beta1, this.beta2, 1 - this.beta2, bc2Sqrt, this.eps, stepSize];
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[p.name];
        if (g === undefined) return;
        const m = this.m[i]!;
        const v = this.v[i]!;
        let p2: tf.Tensor, m2: tf.Tensor, v2: tf.Tensor;
        if (fused && g.dtype === "float32") {
          [p2, m2, v2] = tf.engine().runKernel(ADAM_STEP, { p, g, m, v }, { constants }) as [tf.Tensor, tf.Tensor, tf.Tensor];
        } else {
          m2 = m.mul(this.beta1).add(g.mul(1 - this.beta1));
          v2 = v.mul(this.beta2).add(g.mul(g).mul(1 - this.beta2));
          const denom = v2.sqrt().div(bc2Sqrt).add(this.eps);
          p2 = p.sub(m2.div(denom).mul(stepSize));
        }
        const keep = (next: tf.Tensor, old: tf.Tensor) => (applied === undefined ? next : tf.where(applied, next, old));
        p.assign(keep(p2, p));
        m.assign(keep(m2, m));
        v.assign(keep(v2, v));
      });
    });
  }

  /** A deferred step (step(grads, applied)) turned out not applied: its count is taken back. */
  notApplied(): void {
    this.t--;
  }

  /** m and v of every parameter (in order) and the step count. */
  state(): { readonly t: number; readonly m: readonly tf.Variable[]; readonly v: readonly tf.Variable[] } {
    return { t: this.t, m: this.m, v: this.v };
  }

  restore(t: number, m: readonly Float32Array[], v: readonly Float32Array[]): void {
    this.t = t;
    tf.tidy(() => {
      this.m.forEach((x, i) => x.assign(tf.tensor(m[i]!, x.shape)));
      this.v.forEach((x, i) => x.assign(tf.tensor(v[i]!, x.shape)));
    });
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
