// What a run leaves besides its checkpoint: the log (log.csv, log.jsonl), sample grids of
// fixed inputs, a grid of real pictures and real next to fake, the plots and index.html.
import * as tf from "@tensorflow/tfjs";
import { existsSync, readFileSync } from "node:fs";
import { basename, relative } from "node:path";
import type { Dataset } from "../data/dataset.ts";
import { normalisedLabToRgb } from "../data/lab.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { type Batch, writeGrid, writeSideBySide } from "../io/image-grid.ts";
import { toTorchOrder } from "../nn/functional.ts";
import type { Model } from "../nn/model.ts";
import { Rng } from "../random.ts";
import { writeReport } from "../report/html.ts";
import { writePlots } from "../report/plots.ts";
import { logColumns, RunLog, type Row } from "../report/run-log.ts";
import { mixSeed, Round } from "./round.ts";
import { CHECKPOINT, type RunFolder } from "./run-folder.ts";
import { noiseTensors, tensorOf } from "./schedule.ts";
import { sampleLabels, samplesReadData, type Training } from "./training.ts";

/**
 * Everything a sample grid needs, fixed for the whole run: 64 noise vectors, or a fixed
 * batch of the data; for samples asked for a class (`G(z, c)`), one row of 8 per class.
 */
interface FixedSamples {
  readonly n: number;
  readonly inputs: Record<string, tf.Tensor>;
  readonly data: Float32Array[] | null;
}

/** Samples per row of a grid. */
const PER_ROW = 8;

async function fixedSamples(training: Training, dataset: Dataset, seed: number): Promise<FixedSamples> {
  const usesData = samplesReadData(training);
  const labels = sampleLabels(training);
  const rows = labels ? Math.min(labels.classes, 32) : 0;
  const n = usesData ? Math.min(training.data.lab ? 4 : 16, dataset.size) : labels ? rows * PER_ROW : 64;
  const inputs = noiseTensors(training.noise, new Rng(mixSeed(seed, "fixed noise")), n);
  let data: Float32Array[] | null = null;
  if (usesData) {
    data = await dataset.load(Array.from({ length: n }, (_, i) => i), new Rng(mixSeed(seed, "fixed data")));
    training.data.outputs.forEach((o, i) => (inputs[o.name] = tensorOf(data![i]!, n, o.shape, o.classes)));
  }
  if (labels && !usesData) {
    tf.dispose(inputs[labels.name]);
    inputs[labels.name] = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => Math.floor(i / PER_ROW)), "int32");
  }
  return { n, inputs, data };
}

export interface ReportContext {
  readonly specPath: string;
  readonly specText: string;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly backendWhy: string;
}

export class Artefacts {
  private readonly samples: string[] = [];
  private readonly plots: string[] = [];
  /** The last sample grid's numbers (for real-vs-fake at the end). */
  private lastSample: Batch | undefined;

  private constructor(
    private readonly folder: RunFolder,
    private readonly training: Training,
    private readonly seed: number,
    readonly log: RunLog,
    private readonly fixed: FixedSamples,
    private readonly realBatch: Batch | null,
    private readonly report: ReportContext,
  ) {}

  /** Opens the log (cut back to `resumedAt` on a resume) and writes real.png once. */
  static async open(folder: RunFolder, training: Training, dataset: Dataset, seed: number, resumedAt: number | null, report: ReportContext, quality: boolean): Promise<Artefacts> {
    const columns = logColumns(
      training.steps.map((st) => st.model),
      training.steps.flatMap((st) => st.scores),
      quality,
      training.steps.flatMap((st) => (st.parts ?? []).map((p) => `${st.model}:${p}`)),
    );
    const log = RunLog.open(folder.dir, columns, resumedAt);
    const fixed = await fixedSamples(training, dataset, seed);
    // A real batch: the fixed data batch, or the first 64 examples when samples come from noise.
    const realShape = training.data.outputs[0]!.shape;
    const nReal = Math.min(64, dataset.size);
    const plane = realShape.reduce((a, b) => a * b, 1);
    const realBatch: Batch | null = training.data.lab
      ? null
      : (training.data.source.kind === "unpaired" || training.data.source.kind === "paired") && fixed.data !== null
        ? // a row of A's pictures over a row of B's
          { shape: [2 * Math.min(8, fixed.n), ...realShape], data: Float32Array.from([...fixed.data[0]!.subarray(0, Math.min(8, fixed.n) * plane), ...fixed.data[1]!.subarray(0, Math.min(8, fixed.n) * plane)]) }
        : fixed.data !== null
          ? { shape: [fixed.n, ...realShape], data: fixed.data[0]! }
          : { shape: [nReal, ...realShape], data: (await dataset.load(Array.from({ length: nReal }, (_, i) => i), new Rng(0)))[0]! };
    if (realBatch && (resumedAt === null || !existsSync(folder.real))) await writeGrid(folder.real, realBatch);
    return new Artefacts(folder, training, seed, log, fixed, realBatch, report);
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  get latestSampleFile(): string {
    return this.samples.at(-1) ?? this.folder.latestSample;
  }

  get plotFiles(): readonly string[] {
    return this.plots;
  }

  /** The sample grid at this iteration: the section's sample value on the fixed inputs. */
  async writeSamples(models: Readonly<Record<string, Model>>, iteration: number): Promise<void> {
    const path = this.folder.sample(iteration);
    // Training mode, as the DCGAN tutorial and pix2pix draw samples, but the running
    // statistics stay as they are.
    const round = new Round(models, this.fixed.inputs, mixSeed(this.seed, "samples"), { frozenStats: true });
    const row = this.training.sample.row;
    const valueOf = (name: string): tf.Tensor => {
      const compute = this.training.values[name];
      if (compute !== undefined) return compute(round);
      if (this.fixed.inputs[name] !== undefined) return this.fixed.inputs[name]!;
      throw new Error(`the training section has no value ${name}`);
    };
    // `sample = (A, fake_B, rec_A)`: the pictures of each example side by side.
    const value = tf.tidy(() => {
      if (row === undefined) return toTorchOrder(valueOf(this.training.sample.value));
      const parts = row.map((n) => toTorchOrder(valueOf(n)));
      return tf.stack(parts, 1).reshape([-1, ...parts[0]!.shape.slice(1)]);
    });
    round.dispose();
    const data = (await value.data()) as Float32Array;
    const shape = value.shape;
    value.dispose();
    this.lastSample = { shape, data };
    const fixed = this.fixed;
    if (row !== undefined) {
      await writeGrid(path, { shape, data }, row.length);
    } else if (this.training.data.lab && fixed.data && shape.length === 4 && shape[1] === 2) {
      await writeGrid(path, labTriplets(fixed.data[0]!, data, fixed.data[1]!, fixed.n, shape[2]!, shape[3]!), 3);
    } else {
      await writeGrid(path, { shape, data });
    }
    this.samples.push(path);
    writeFileAtomic(this.folder.latestSample, readFileSync(path));
  }

  async refreshPlots(): Promise<void> {
    const written = await writePlots(this.folder.dir, this.log.rows());
    this.plots.splice(0, this.plots.length, ...[...written.losses, ...written.parts, ...written.scores, ...written.quality].filter((p) => p.endsWith(".svg") || p.endsWith(".png")));
  }

  /** Real next to fake, from the last grid, for samples drawn from noise. */
  async writeRealVsFake(): Promise<void> {
    if (this.fixed.data === null && this.realBatch && this.lastSample) await writeSideBySide(this.folder.realVsFake, this.realBatch, this.lastSample);
  }

  writeReport(status: string, last: Row | undefined, extra: Readonly<Record<string, string | number>>): void {
    const dir = this.folder.dir;
    writeReport(dir, {
      title: basename(this.report.specPath),
      status,
      settings: { ...this.report.settings, ...extra },
      backend: this.report.backendWhy,
      spec: this.report.specText,
      samples: this.samples.map((p) => relative(dir, p)),
      ...(this.realBatch ? { real: relative(dir, this.folder.real) } : {}),
      plots: this.plots.map((p) => relative(dir, p)),
      ...(last ? { last } : {}),
      checkpoint: CHECKPOINT,
    });
  }

  dispose(): void {
    tf.dispose(Object.values(this.fixed.inputs));
  }
}

/** Pix2Pix rows: the L input (grey), the colorized output, the real colours. */
function labTriplets(L: Float32Array, fakeAb: Float32Array, realAb: Float32Array, n: number, h: number, w: number): Batch {
  const plane = h * w;
  const data = new Float32Array(n * 3 * 3 * plane);
  const put = (slot: number, rgb: Float32Array | null, l: Float32Array) => {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) data[(slot * 3 + c) * plane + p] = rgb ? rgb[3 * p + c]! * 2 - 1 : l[p]!;
    }
  };
  const interleave = (ab: Float32Array, i: number) => {
    const out = new Float32Array(2 * plane);
    for (let p = 0; p < plane; p++) {
      out[2 * p] = ab[i * 2 * plane + p]!;
      out[2 * p + 1] = ab[(i * 2 + 1) * plane + p]!;
    }
    return out;
  };
  for (let i = 0; i < n; i++) {
    const l = L.subarray(i * plane, (i + 1) * plane);
    put(i * 3, null, l);
    put(i * 3 + 1, normalisedLabToRgb(l, interleave(fakeAb, i)), l);
    put(i * 3 + 2, normalisedLabToRgb(l, interleave(realAb, i)), l);
  }
  return { shape: [n * 3, 3, h, w], data };
}
