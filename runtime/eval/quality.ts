// The quality score of a run: n samples of the training section's sample value (fixed
// noise, or the first n examples when the samples read data) against real examples.
//  - MNIST data: FLD and KID on the MNIST classifier's features, against the 10,000 test
//    digits (the classifier never saw them), passed through the same pipeline as the run's
//    data (size, channels); comparable across runs, specs and engines.
//  - any other data: KID on the random net's features against the first examples of the
//    data (at most 10,000), labelled "relative": it compares runs on the same data only.
// The trainer scores every eval_every iterations and at the end; gan-eval scores a run
// folder. gan_runtime.py (the PyTorch engine) computes the same numbers.
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/dataset.ts";
import { toTorchOrder } from "../nn/functional.ts";
import type { Model } from "../nn/model.ts";
import { Rng } from "../random.ts";
import { mixSeed, Round } from "../train/round.ts";
import { noiseTensors, tensorOf } from "../train/schedule.ts";
import type { Training } from "../train/training.ts";
import { mnistFeatures, type Pictures, randomFeatures } from "./features.ts";
import { frechetDistance, kid, KidReference } from "./scores.ts";
import type { QualityScore } from "./score-text.ts";

export { describeScore, type QualityScore } from "./score-text.ts";

/** Samples scored by default: 1,000 drawn from noise; 100 when each needs a real example. */
export function defaultEvalCount(training: Training): number {
  return readsData(training) ? 100 : 1000;
}

function readsData(training: Training): boolean {
  return training.sample.reads.some((name) => training.data.outputs.some((o) => o.name === name));
}

/** The MNIST test digits' place in the embedded set (training digits first). */
const MNIST_TEST = { first: 60000, count: 10000 };
const MAX_REFERENCE = 10000;

export interface SampleOptions {
  readonly seed: number;
  /** Samples per forward pass: the run's batch (BatchNorm uses batch statistics, as in the sample grids). */
  readonly batch: number;
  readonly n: number;
}

/**
 * n samples of the training section's sample value from the models as they are: training
 * mode with batch statistics, running statistics left alone (as the sample grids), from
 * noise fixed by the seed (the same at every evaluation of a run), or from the first n
 * examples when the samples read data.
 */
export async function drawSamples(training: Training, dataset: Dataset, models: Readonly<Record<string, Model>>, o: SampleOptions): Promise<Pictures> {
  const compute = training.values[training.sample.value];
  if (compute === undefined) throw new Error(`the training section has no value ${training.sample.value}`);
  const fromData = readsData(training);
  const n = fromData ? Math.min(o.n, dataset.size) : o.n;
  const rng = new Rng(mixSeed(o.seed, "eval noise"));
  const parts: Float32Array[] = [];
  let shape: number[] = [];
  for (let i = 0; i < n; i += o.batch) {
    const b = Math.min(o.batch, n - i);
    const inputs = noiseTensors(training.noise, rng, b);
    if (fromData) {
      const data = await dataset.load(Array.from({ length: b }, (_, k) => i + k), new Rng(mixSeed(o.seed, `eval data ${i}`)));
      training.data.outputs.forEach((out, k) => (inputs[out.name] = tensorOf(data[k]!, b, out.shape)));
    }
    const round = new Round(models, inputs, mixSeed(o.seed, `eval ${i}`), { frozenStats: true });
    const value = tf.tidy(() => toTorchOrder(compute(round)));
    round.dispose();
    tf.dispose(Object.values(inputs));
    shape = value.shape.slice(1);
    parts.push(value.dataSync() as Float32Array);
    value.dispose();
  }
  return { data: concat(parts), shape: [n, shape[0] ?? 1, shape[1] ?? 1, shape[2] ?? 1] };
}

export class QualityScorer {
  private constructor(
    readonly kind: QualityScore["kind"],
    private readonly real: KidReference,
  ) {}

  /**
   * The scorer of a run's samples (`sampleShape`: one sample, [C, H, W]), or the reason why
   * they can't be scored (no data output of that shape, e.g. samples that are not pictures
   * of the data).
   */
  static async open(training: Training, dataset: Dataset, sampleShape: readonly number[]): Promise<QualityScorer | string> {
    const output = training.data.outputs.findIndex((o) => o.shape.length === sampleShape.length && o.shape.every((d, i) => d === sampleShape[i]));
    if (output < 0 || sampleShape.length !== 3) {
      return `the samples ([${sampleShape.join(", ")}]) are not pictures of the data (${training.data.outputs.map((o) => `${o.name} [${o.shape.join(", ")}]`).join(", ")})`;
    }
    const mnist = training.data.source.kind === "mnist" && !training.data.lab && dataset.size === MNIST_TEST.first + MNIST_TEST.count;
    const indices = mnist
      ? Array.from({ length: MNIST_TEST.count }, (_, i) => MNIST_TEST.first + i)
      : Array.from({ length: Math.min(MAX_REFERENCE, dataset.size) }, (_, i) => i);
    const shape = training.data.outputs[output]!.shape as [number, number, number];
    const data: Float32Array[] = [];
    for (let i = 0; i < indices.length; i += 1000) data.push((await dataset.load(indices.slice(i, i + 1000), new Rng(0)))[output]!);
    const pictures: Pictures = { data: concat(data), shape: [indices.length, ...shape] };
    return new QualityScorer(mnist ? "mnist" : "relative", new KidReference(mnist ? mnistFeatures(pictures) : randomFeatures(pictures)));
  }

  /** The score of these samples against the real examples. */
  score(p: Pictures): QualityScore {
    const fake = this.kind === "mnist" ? mnistFeatures(p) : randomFeatures(p);
    const k = kid(fake, this.real);
    const real = this.real.features;
    return { kind: this.kind, n: fake.n, reference: real.n, ...(this.kind === "mnist" ? { fld: frechetDistance(fake, real) } : {}), kid: k.mean, kidStd: k.std };
  }
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
