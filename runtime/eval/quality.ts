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
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Dataset } from "../data/dataset.ts";
import { toTorchOrder } from "../nn/functional.ts";
import type { Model } from "../nn/model.ts";
import { Rng } from "../random.ts";
import { mixSeed, Round } from "../train/round.ts";
import { noiseTensors, tensorOf } from "../train/schedule.ts";
import { sampleLabels, samplesReadData, type Training } from "../train/training.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { CLASSIFIER_FILE, type Features, mnistClasses, mnistFeatures, type Pictures, randomFeatures } from "./features.ts";
import { frechetDistance, kid, KidReference } from "./scores.ts";
import type { QualityScore } from "./score-text.ts";

export { describeScore, type QualityScore } from "./score-text.ts";

/** Samples scored by default: 1,000 drawn from noise; 100 when each needs a real example. */
export function defaultEvalCount(training: Training): number {
  return samplesReadData(training) ? 100 : 1000;
}


/** The MNIST test digits' place in the embedded set (training digits first). */
const MNIST_TEST = { first: 60000, count: 10000 };
/** Real pictures a relative score compares with (enough for KID; each costs a forward pass of the random net). */
const MAX_REFERENCE = 1000;
const MNIST_REFERENCES = new Map<string, KidReference>();

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
 * examples when the samples read data. Each batch goes to `each` as it is drawn (10,000
 * samples of 64 x 64 colour pictures would take half a gigabyte at once).
 */
export async function drawSamples(
  training: Training,
  dataset: Dataset,
  models: Readonly<Record<string, Model>>,
  o: SampleOptions,
  each: (batch: Pictures, asked: Int32Array | null) => Promise<void> | void,
): Promise<void> {
  const compute = training.values[training.sample.value];
  if (compute === undefined) throw new Error(`the training section has no value ${training.sample.value}`);
  const fromData = samplesReadData(training);
  // Samples asked for a class: sample i is asked for class i mod K (balanced).
  const labels = fromData ? null : sampleLabels(training);
  const n = fromData ? Math.min(o.n, dataset.size) : o.n;
  const rng = new Rng(mixSeed(o.seed, "eval noise"));
  for (let i = 0; i < n; i += o.batch) {
    const b = Math.min(o.batch, n - i);
    const inputs = noiseTensors(training.noise, rng, b);
    if (fromData) {
      const data = await dataset.load(Array.from({ length: b }, (_, k) => i + k), new Rng(mixSeed(o.seed, `eval data ${i}`)));
      training.data.outputs.forEach((out, k) => (inputs[out.name] = tensorOf(data[k]!, b, out.shape, out.classes)));
    }
    const asked = labels ? Int32Array.from({ length: b }, (_, k) => (i + k) % labels.classes) : null;
    if (labels && asked) {
      tf.dispose(inputs[labels.name]);
      inputs[labels.name] = tf.tensor1d(asked, "int32");
    }
    const round = new Round(models, inputs, mixSeed(o.seed, `eval ${i}`), { frozenStats: true });
    const value = tf.tidy(() => toTorchOrder(compute(round)));
    round.dispose();
    tf.dispose(Object.values(inputs));
    const [, c = 1, h = 1, w = 1] = value.shape;
    const data = (await value.data()) as Float32Array;
    value.dispose();
    await each({ data, shape: [b, c, h, w] }, asked);
  }
}

/**
 * A run's quality score now: its samples (drawSamples) against the real pictures, or why
 * they can't be scored. `scorers` keeps the run's scorer (its real pictures' features)
 * from one evaluation to the next.
 */
export async function evaluateRun(training: Training, dataset: Dataset, models: Readonly<Record<string, Model>>, o: SampleOptions, scorers: { scorer?: QualityScorer | string }): Promise<QualityScore | string> {
  const parts: Features[] = [];
  // Digits asked for a class: how many the classifier puts in it.
  const right = { n: 0, of: 0 };
  const digitsAsked = sampleLabels(training)?.classes === 10;
  await drawSamples(training, dataset, models, o, async (batch, asked) => {
    scorers.scorer ??= await QualityScorer.open(training, dataset, batch.shape.slice(1), o.n);
    if (typeof scorers.scorer === "string") return;
    parts.push(await scorers.scorer.features(batch));
    if (asked && digitsAsked && scorers.scorer.kind === "mnist") {
      const got = await mnistClasses(batch);
      got.forEach((k, i) => (right.n += k === asked[i] ? 1 : 0));
      right.of += got.length;
    }
  });
  if (scorers.scorer === undefined) return "no samples";
  if (typeof scorers.scorer === "string") return scorers.scorer;
  const score = await scorers.scorer.score(joinFeatures(parts));
  return right.of > 0 ? { ...score, accuracy: right.n / right.of } : score;
}

export class QualityScorer {
  private constructor(
    readonly kind: QualityScore["kind"],
    private readonly real: KidReference,
  ) {}

  /**
   * The scorer of a run's samples (`sampleShape`: one sample, [C, H, W]; `n`: how many
   * will be scored), or the reason why they can't be scored (no data output of that shape,
   * e.g. samples that are not pictures of the data).
   */
  static async open(training: Training, dataset: Dataset, sampleShape: readonly number[], n: number): Promise<QualityScorer | string> {
    const same = (o: { readonly shape: readonly number[] }) => o.shape.length === sampleShape.length && o.shape.every((d, i) => d === sampleShape[i]);
    // the data the samples imitate (B for CycleGAN's fake_B), else the first of their shape
    const named = training.data.outputs.findIndex((o) => o.name === training.sample.reference && same(o));
    const output = named >= 0 ? named : training.data.outputs.findIndex(same);
    if (output < 0 || sampleShape.length !== 3) {
      return `the samples ([${sampleShape.join(", ")}]) are not pictures of the data (${training.data.outputs.map((o) => `${o.name} [${o.shape.join(", ")}]`).join(", ")})`;
    }
    const mnist = training.data.source.kind === "mnist" && !training.data.lab && dataset.size === MNIST_TEST.first + MNIST_TEST.count;
    const indices = mnist
      ? Array.from({ length: MNIST_TEST.count }, (_, i) => MNIST_TEST.first + i)
      : Array.from({ length: relativeReferenceCount(dataset.size, n) }, (_, i) => i);
    const shape = training.data.outputs[output]!.shape as [number, number, number];
    const kind = mnist ? "mnist" : "relative";
    const load = async () => {
      const parts: Features[] = [];
      for (let i = 0; i < indices.length; i += 500) {
        const chunk = indices.slice(i, i + 500);
        parts.push(await featuresOf(kind, { data: (await dataset.load(chunk, new Rng(0)))[output]!, shape: [chunk.length, ...shape] }));
      }
      return new KidReference(joinFeatures(parts));
    };
    // The test digits through one pipeline are always the same: once per process, and kept
    // in the temporary folder for the next one.
    const key = JSON.stringify([training.data.source, training.data.resize, shape]);
    const reference = mnist ? (MNIST_REFERENCES.get(key) ?? (await cachedReference(key, load))) : await load();
    if (mnist) MNIST_REFERENCES.set(key, reference);
    return new QualityScorer(kind, reference);
  }

  /** The features of a batch of samples (score() takes them all at once). */
  features(p: Pictures): Promise<Features> {
    return featuresOf(this.kind, p);
  }

  /** The score of the samples whose features these are, against the real pictures. */
  async score(fake: Features): Promise<QualityScore> {
    const k = await kid(fake, this.real);
    const real = this.real.features;
    return { kind: this.kind, n: fake.n, reference: real.n, ...(this.kind === "mnist" ? { fld: frechetDistance(fake, real) } : {}), kid: k.mean, kidStd: k.std };
  }
}

/**
 * The test digits' features for one pipeline from the temporary folder's cache (named by a
 * hash of the pipeline, the classifier file and this format), else computed and stored there.
 */
async function cachedReference(key: string, load: () => Promise<KidReference>): Promise<KidReference> {
  const name = createHash("sha256").update(`gan-spec quality reference 1\n${key}\n`).update(readFileSync(CLASSIFIER_FILE)).digest("hex").slice(0, 24);
  const path = join(tmpdir(), "gan-spec-eval", `${name}.f64`);
  const dim = 64;
  try {
    const bytes = readFileSync(path);
    if (bytes.length === MNIST_TEST.count * dim * 8) {
      const data = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      if (data.every(Number.isFinite)) return new KidReference({ data, n: MNIST_TEST.count, dim });
    }
  } catch {
    // not there yet
  }
  const reference = await load();
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, new Uint8Array(reference.features.data.buffer));
  } catch {
    // a cache that cannot be written is only slower
  }
  return reference;
}

/** Real pictures a relative score compares with: twice the samples, 200 to 1,000 (each costs a forward pass of the random net). */
export function relativeReferenceCount(size: number, n: number): number {
  return Math.min(size, MAX_REFERENCE, Math.max(200, 2 * n));
}

function featuresOf(kind: QualityScore["kind"], p: Pictures): Promise<Features> {
  return kind === "mnist" ? mnistFeatures(p) : randomFeatures(p);
}

function joinFeatures(parts: readonly Features[]): Features {
  const dim = parts[0]?.dim ?? 0;
  const n = parts.reduce((s, f) => s + f.n, 0);
  const data = new Float64Array(n * dim);
  let at = 0;
  for (const f of parts) {
    data.set(f.data, at);
    at += f.data.length;
  }
  return { data, n, dim };
}
