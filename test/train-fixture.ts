// A spec's training set up as gan-train sets it up, from fixed seeds, for the tests that run
// its steps themselves (test/tape.test.ts, test/webgpu.test.ts): models from seed 1, one Adam
// per step over its models, the averages (copies from seed 7) and the image pools (at most
// 2 pictures); random batches of its inputs; and a snapshot of everything training changes.
import * as tf from "@tensorflow/tfjs";
import type { GeneratedCode } from "../cli/code.ts";
import type { Model } from "../runtime/nn/model.ts";
import { stateDict } from "../runtime/nn/state-dict.ts";
import { Adam } from "../runtime/optim/adam.ts";
import type { Rng } from "../runtime/random.ts";
import { Ema } from "../runtime/train/ema.ts";
import { ImagePool, mixSeed } from "../runtime/train/round.ts";
import { noiseTensors, tensorOf } from "../runtime/train/schedule.ts";
import type { Training } from "../runtime/train/training.ts";

export class TrainFixture {
  readonly training: Training;
  readonly models: Record<string, Model> = {};
  readonly optimizers: Record<string, Adam>;
  readonly averages: Ema[];
  readonly pools: Map<string, ImagePool>;

  /** onModel: sees each model as it is made (e.g. to count its forwards). */
  constructor(code: GeneratedCode, onModel?: (name: string, model: Model) => void) {
    this.training = code.training!;
    for (const [name, Cls] of Object.entries(code.models)) {
      this.models[name] = new Cls({ seed: mixSeed(1, name) });
      onModel?.(name, this.models[name]);
    }
    this.optimizers = Object.fromEntries(this.training.steps.map((st) => [st.model, new Adam(st.models.flatMap((m) => this.models[m]!.parameters()), st.optimizer)]));
    this.averages = (this.training.ema ?? []).map((a) => new Ema(a.model, a.decay, new code.models[a.model]!({ seed: 7 }), this.models[a.model]!, 0));
    this.pools = new Map((this.training.pools ?? []).map((p) => [p.name, new ImagePool(Math.min(p.size, 2))]));
  }

  /** A batch of n of every noise and data input, drawn from rng. */
  inputs(rng: Rng, n: number): Record<string, tf.Tensor> {
    const inputs: Record<string, tf.Tensor> = noiseTensors(this.training.noise, rng, n);
    for (const o of this.training.data.outputs) inputs[o.name] = randomBatch(rng, n, o.shape, o.classes);
    return inputs;
  }

  /** Every weight, buffer, average, Adam moment (by its parameter's name) and pool picture. */
  async snapshot(): Promise<Map<string, Float32Array>> {
    const state = new Map<string, Float32Array>();
    for (const [name, m] of Object.entries(this.models)) for (const t of await stateDict(m)) state.set(`${name}.${t.name}`, t.data);
    for (const a of this.averages) for (const t of await stateDict(a.copy)) state.set(`ema.${a.model}.${t.name}`, t.data);
    for (const st of this.training.steps) {
      // the optimizer's order: each model's parameters in state order
      const names = st.models.flatMap((m) => this.models[m]!.state().filter((x) => x.kind === "parameter").map((x) => `${m}.${x.key}`));
      const { m, v } = this.optimizers[st.model]!.state();
      for (const [i, name] of names.entries()) {
        state.set(`exp_avg.${name}`, (await m[i]!.data()) as Float32Array);
        state.set(`exp_avg_sq.${name}`, (await v[i]!.data()) as Float32Array);
      }
    }
    for (const [name, pool] of this.pools) (await pool.contents()).forEach((im, i) => state.set(`pool.${name}.${i}`, im));
    return state;
  }

  dispose(): void {
    for (const o of Object.values(this.optimizers)) o.dispose();
    for (const m of Object.values(this.models)) m.dispose();
    for (const a of this.averages) a.copy.dispose();
    for (const p of this.pools.values()) p.dispose();
  }
}

/** n examples of an input (PyTorch-order shape): uniform in [-1, 1), or class labels. */
export function randomBatch(rng: Rng, n: number, shape: readonly number[], classes?: number): tf.Tensor {
  if (classes !== undefined) return tensorOf(Float32Array.from({ length: n }, () => Math.floor(rng.next() * classes)), n, shape, classes);
  return tensorOf(rng.fillUniform(n * shape.reduce((a, b) => a * b, 1), -1, 1), n, shape);
}
