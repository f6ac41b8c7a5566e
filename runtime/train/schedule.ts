// Which examples and which noise each batch of a run gets: all of it a function of the seed
// and the batch's position k in the run (an epoch is every full batch of the data in a new
// seeded order), so a resumed run draws exactly what an uninterrupted one would.
import * as tf from "@tensorflow/tfjs";
import { type Dataset, epochOrder } from "../data/dataset.ts";
import { fromTorchOrder } from "../nn/functional.ts";
import { Rng } from "../random.ts";
import { mixSeed } from "./round.ts";
import type { Training } from "./training.ts";

export class ScheduleError extends Error {}

/** A batch of NCHW floats as a channels-last tensor; class labels (shape [], `classes` set) as int32 [N]. */
export function tensorOf(data: Float32Array, n: number, shape: readonly number[], classes?: number): tf.Tensor {
  if (classes !== undefined) return tf.tensor1d(Int32Array.from(data.subarray(0, n)), "int32");
  return tf.tidy(() => fromTorchOrder(tf.tensor(data, [n, ...shape], "float32")));
}

/** n draws of each noise input from `rng`, channels-last: N(0, 1) values, or uniform class labels. */
export function noiseTensors(noise: Training["noise"], rng: Rng, n: number): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const z of noise) {
    if (z.classes !== undefined) {
      const c = z.classes;
      out[z.name] = tf.tensor1d(Int32Array.from({ length: n }, () => Math.min(c - 1, Math.floor(rng.next() * c))), "int32");
      continue;
    }
    const size = z.shape.reduce((a, b) => a * b, 1);
    out[z.name] = tensorOf(rng.fillNormal(n * size, 0, 1), n, z.shape);
  }
  return out;
}

export class BatchSchedule {
  /** Batches an iteration takes: one, plus one for each extra repeat of a step. */
  readonly batchesPerIter: number;
  readonly itersPerEpoch: number;
  private orderCache: { epoch: number; order: Uint32Array } | undefined;

  constructor(
    private readonly dataset: Dataset,
    private readonly training: Training,
    readonly batch: number,
    private readonly seed: number,
  ) {
    this.batchesPerIter = 1 + training.steps.reduce((n, st) => n + st.repeat - 1, 0);
    const perEpoch = Math.floor(dataset.size / batch);
    if (perEpoch < this.batchesPerIter) {
      const b = this.batchesPerIter;
      throw new ScheduleError(`${dataset.description}: ${dataset.size} examples, fewer than one iteration needs (${b} batch${b > 1 ? "es" : ""} of ${batch}): lower --batch`);
    }
    this.itersPerEpoch = Math.floor(perEpoch / this.batchesPerIter);
  }

  /** The run's length in iterations: `iters`, or `epochs` full passes. */
  total(length: { readonly epochs: number | null; readonly iters: number | null }): number {
    return length.iters ?? (length.epochs ?? 1) * this.itersPerEpoch;
  }

  /** The epoch (from 1) an iteration (from 1) belongs to. */
  epochOf(iteration: number): number {
    return Math.floor((iteration - 1) / this.itersPerEpoch) + 1;
  }

  /** The data of batch k (NCHW floats, one array per data output). */
  load(k: number): Promise<Float32Array[]> {
    const perEpoch = this.itersPerEpoch * this.batchesPerIter;
    const epoch = Math.floor(k / perEpoch);
    const pos = k % perEpoch;
    if (this.orderCache?.epoch !== epoch) this.orderCache = { epoch, order: epochOrder(this.dataset.size, epoch, this.seed) };
    const indices = Array.from(this.orderCache.order.subarray(pos * this.batch, (pos + 1) * this.batch));
    return this.dataset.load(indices, new Rng(mixSeed(this.seed, `data ${k}`)));
  }

  /** Batch k's inputs as tensors: its data under the section's names, and fresh noise. */
  inputs(data: readonly Float32Array[], k: number): Record<string, tf.Tensor> {
    const inputs = noiseTensors(this.training.noise, new Rng(mixSeed(this.seed, `noise ${k}`)), this.batch);
    this.training.data.outputs.forEach((o, i) => (inputs[o.name] = tensorOf(data[i]!, this.batch, o.shape, o.classes)));
    return inputs;
  }
}
