// The training loop of gan-train: data in a seeded order, a prefetched batch, the steps of
// the training section in order, and what a run leaves behind (log, sample grids, plots,
// checkpoints, index.html). All randomness is a function of the seed and the position in
// the run (initial weights, epoch order, noise, flips, dropout masks), so the same seed
// gives the same run, and a run resumed from a checkpoint continues exactly where the
// stopped one was: it ends with the same weights as a run that never stopped.
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { IrSpec } from "../../compiler/ir.ts";
import type { TrainPlan, TrainValue } from "../../compiler/train-plan.ts";
import { type Dataset, epochOrder, openDataset } from "../data/dataset.ts";
import { normalisedLabToRgb } from "../data/lab.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { type Batch, writeGrid, writeSideBySide } from "../io/image-grid.ts";
import { fromTorchOrder, toTorchOrder } from "../nn/functional.ts";
import { InterpretedModel } from "../nn/interpret.ts";
import type { Model } from "../nn/model.ts";
import { Adam } from "../optim/adam.ts";
import { Rng } from "../random.ts";
import { writeReport } from "../report/html.ts";
import { writePlots } from "../report/plots.ts";
import { RunLog } from "../report/run-log.ts";
import { architectureFingerprint, type CheckpointFile, loadCheckpoint, planFingerprint, readCheckpointInfo, saveCheckpoint } from "./checkpoint.ts";
import { changedSettings, FLAG, type RunRecord, type RunSettings, settingText, writeRunRecord } from "./run-record.ts";
import { evaluateValue, scoreNames } from "./interpret.ts";
import { mixSeed, Round, type StepFn } from "./round.ts";

export type Row = Record<string, number>;

/** Where progress goes: a bar on a terminal, plain lines otherwise (runtime/cli/progress.ts). */
export interface Reporter {
  info(line: string): void;
  /** Shown whatever the progress mode (Ctrl-C's answer). */
  notice(line: string): void;
  warn(line: string): void;
  start(total: number, done: number): void;
  progress(row: Row, total: number): void;
  stop(): void;
}

export interface TrainSetup {
  readonly specPath: string;
  readonly specText: string;
  /**
   * The run's settings (seed, data, batch, length, ...: what run.json records, so that
   * --resume can restore them); plan already has its batch, length and intervals.
   */
  readonly run: RunSettings;
  /** On --resume: the record the run had (its history goes on). */
  readonly previous?: RunRecord;
  readonly ir: IrSpec;
  /** With the command line's --batch / --epochs / --iters already applied. */
  readonly plan: TrainPlan;
  readonly steps: readonly StepFn[];
  readonly out: string;
  readonly resume: boolean;
  readonly backend: { readonly name: string; readonly why: string };
  readonly reporter: Reporter;
  /** Polled after every iteration: true stops the run cleanly (checkpoint first). */
  readonly shouldStop?: () => boolean;
  /** Settings shown in the report (the command line as given). */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

export interface TrainSummary {
  readonly out: string;
  readonly iterations: number;
  readonly total: number;
  readonly finished: boolean;
  readonly msPerIteration: number;
  readonly last: Row | undefined;
  readonly files: { readonly samples: string; readonly plots: readonly string[]; readonly report: string; readonly checkpoint: string; readonly log: string };
}

export class TrainError extends Error {}

/** A NaN or infinite loss or gradient with --on-nan stop (exit status 3). */
export class NonFiniteError extends Error {}

const CHECKPOINT = "checkpoints/last.safetensors";

const pad = (n: number) => String(n).padStart(6, "0");

function tensorOf(data: Float32Array, n: number, shape: readonly number[]): tf.Tensor {
  return tf.tidy(() => fromTorchOrder(tf.tensor(data, [n, ...shape], "float32")));
}

/** Everything a sample grid needs, fixed for the whole run. */
interface FixedSamples {
  readonly n: number;
  readonly inputs: Record<string, tf.Tensor>;
  readonly data: Float32Array[] | null;
}

export async function train(s: TrainSetup): Promise<TrainSummary> {
  const { plan, reporter, out } = s;
  const started = Date.now();
  for (const d of ["", "samples", "checkpoints", "plots"]) mkdirSync(join(out, d), { recursive: true });
  // Temp files of a checkpoint write that was killed half-way (the checkpoint itself is whole).
  for (const f of readdirSync(join(out, "checkpoints"))) if (/^\..*\.tmp$/.test(f)) rmSync(join(out, "checkpoints", f), { force: true });
  const architecture = architectureFingerprint(s.ir);
  const planPrint = planFingerprint(plan.steps.map((st) => [st.model, st.repeat, st.loss, st.optimizer]));

  // --- models and optimizers -----------------------------------------------------------------
  let seed = s.run.seed;
  let startIter = 0;
  const checkpointPath = join(out, CHECKPOINT);
  let resumeFrom: CheckpointFile | undefined;
  if (s.resume) {
    if (!existsSync(checkpointPath)) throw new TrainError(`${out}: nothing to resume (no ${CHECKPOINT}); start a new run without --resume`);
    resumeFrom = readCheckpointInfo(checkpointPath);
    const { info } = resumeFrom;
    if (info.seed !== seed) reporter.warn(`resuming with the run's own seed ${info.seed} (not ${seed})`);
    seed = info.seed;
  } else if (existsSync(checkpointPath) || existsSync(join(out, "log.csv"))) {
    throw new TrainError(`${out} already holds a run: pass --resume to continue it, or choose another --out`);
  }
  const models: Record<string, Model> = {};
  for (const m of s.ir.models) models[m.name] = new InterpretedModel(m, { seed: mixSeed(seed, `init ${m.name}`) });
  const optimizers: Record<string, Adam> = {};
  for (const st of plan.steps) {
    optimizers[st.model] = new Adam(models[st.model]!.parameters(), { lr: st.optimizer.lr, betas: st.optimizer.betas, eps: st.optimizer.eps });
  }
  if (resumeFrom) {
    const info = loadCheckpoint(resumeFrom, models, optimizers, architecture);
    resumeFrom = undefined; // the bytes are not needed any more
    if (info.plan !== planPrint) reporter.warn("the training section changed since the checkpoint was written; going on with the new one");
    startIter = info.iteration;
  }

  // --- data --------------------------------------------------------------------------------------
  const dataset: Dataset = await openDataset(plan.data, {
    ...(s.run.data !== null ? { dataDir: s.run.data } : {}),
    strict: s.run.strictData,
    warn: (m) => reporter.warn(m),
  });
  const batchesPerIter = 1 + plan.steps.reduce((n, st) => n + st.repeat - 1, 0);
  const perEpoch = Math.floor(dataset.size / plan.batch);
  if (perEpoch < batchesPerIter) {
    throw new TrainError(`${dataset.description}: ${dataset.size} examples, fewer than one iteration needs (${batchesPerIter} batch${batchesPerIter > 1 ? "es" : ""} of ${plan.batch}): lower --batch`);
  }
  const itersPerEpoch = Math.floor(perEpoch / batchesPerIter);
  const total = plan.iters ?? (plan.epochs ?? 1) * itersPerEpoch;
  if (startIter > total) {
    const asked = plan.iters !== null ? `--iters ${plan.iters}` : `--epochs ${plan.epochs} (${total} iterations)`;
    throw new TrainError(`${out} already has ${startIter} iterations, more than ${asked} asks for: give more (e.g. --iters ${startIter + Math.max(1, total)}) to go on`);
  }
  if (s.resume) {
    const changed = s.previous ? Object.entries(changedSettings(s.previous, s.run)).map(([k, [a, b]]) => `${FLAG[k as keyof RunSettings]} ${settingText(b)} (was ${settingText(a)})`) : [];
    reporter.info(`resuming ${out} at iteration ${startIter} of ${total} (checkpoint ${checkpointPath})${changed.length > 0 ? `; changed: ${changed.join(", ")}` : ""}`);
    if (startIter === total) reporter.info(`the run is already finished (${total} of ${total} iterations): nothing to do; give --iters or --epochs beyond it to go on`);
  }

  const loadBatch = (k: number): Promise<Float32Array[]> => {
    const epoch = Math.floor(k / (itersPerEpoch * batchesPerIter));
    const pos = k % (itersPerEpoch * batchesPerIter);
    const order = epochOrderCached(dataset.size, epoch, seed);
    const indices = Array.from(order.subarray(pos * plan.batch, (pos + 1) * plan.batch));
    return dataset.load(indices, new Rng(mixSeed(seed, `data ${k}`)));
  };
  let orderCache: { epoch: number; order: Uint32Array } | undefined;
  const epochOrderCached = (size: number, epoch: number, sd: number): Uint32Array => {
    if (orderCache?.epoch !== epoch) orderCache = { epoch, order: epochOrder(size, epoch, sd) };
    return orderCache.order;
  };
  const noiseFor = (rng: Rng, n: number): Record<string, tf.Tensor> => {
    const out: Record<string, tf.Tensor> = {};
    for (const z of plan.noise) {
      const size = z.shape.reduce((a, b) => a * b, 1);
      out[z.name] = tensorOf(rng.fillNormal(n * size, 0, 1), n, z.shape);
    }
    return out;
  };
  const inputsOf = (data: Float32Array[], k: number): Record<string, tf.Tensor> => {
    const inputs: Record<string, tf.Tensor> = noiseFor(new Rng(mixSeed(seed, `noise ${k}`)), plan.batch);
    plan.data.outputs.forEach((o, i) => (inputs[o.name] = tensorOf(data[i]!, plan.batch, o.shape)));
    return inputs;
  };

  // --- what the run writes ----------------------------------------------------------------------------
  const scoreCols = plan.steps.flatMap((st) => scoreNames(st).map((n) => `score_${n}`));
  const columns = ["iter", "epoch", "time", "img_per_s", ...plan.steps.map((st) => `loss_${st.model}`), ...scoreCols];
  const log = RunLog.open(out, columns, s.resume ? startIter : null);
  const timeOffset = log.rows().at(-1)?.["time"] ?? 0;
  writeSpecCopy(out, s.specText, s.resume ? startIter : null);
  const now = new Date().toISOString();
  writeRunRecord(out, {
    format: 2,
    ...s.run,
    seed,
    backendUsed: s.backend.name,
    plan,
    started: s.previous?.started ?? now,
    resumes: s.resume ? [...(s.previous?.resumes ?? []), { iteration: startIter, at: now, changed: s.previous ? changedSettings(s.previous, s.run) : {} }] : [],
  });
  const fixed = await fixedSamples(plan, dataset, seed);
  const samples: string[] = [];
  const sampleFiles = (): string[] => samples.map((p) => relative(out, p));
  // A real batch: the fixed data batch, or the first 64 examples when samples come from noise.
  const realShape = plan.data.outputs[0]!.shape;
  const nReal = Math.min(64, dataset.size);
  const realBatch: Batch | null = plan.data.lab
    ? null
    : fixed.data !== null
      ? { shape: [fixed.n, ...realShape], data: fixed.data[0]! }
      : { shape: [nReal, ...realShape], data: (await dataset.load(Array.from({ length: nReal }, (_, i) => i), new Rng(0)))[0]! };
  const realGrid = realBatch ? join(out, "real.png") : undefined;
  if (realBatch && realGrid && (!s.resume || !existsSync(realGrid))) await writeGrid(realGrid, realBatch);
  /** The last sample grid's numbers (for real-vs-fake at the end). */
  let lastSample: Batch | undefined;

  const renderSamples = async (iter: number): Promise<string> => {
    const path = join(out, "samples", `iter-${pad(iter)}.png`);
    const round = new Round(models, fixed.inputs, mixSeed(seed, "samples"), { frozenStats: true });
    const value = tf.tidy(() => toTorchOrder(evaluateValue(plan, round, plan.sample)));
    round.dispose();
    const data = value.dataSync() as Float32Array;
    const shape = value.shape;
    value.dispose();
    lastSample = { shape, data };
    if (plan.data.lab && fixed.data && shape.length === 4 && shape[1] === 2) {
      await writeGrid(path, labTriplets(fixed.data[0]!, data, fixed.data[1]!, fixed.n, shape[2]!, shape[3]!), 3);
    } else {
      await writeGrid(path, { shape, data });
    }
    samples.push(path);
    writeFileAtomic(join(out, "samples", "latest.png"), readFileSync(path));
    return path;
  };
  const plots: string[] = [];
  const report = (status: string, last: Row | undefined) => {
    writeReport(out, {
      title: basename(s.specPath),
      status,
      settings: { ...s.settings, seed, backend: s.backend.name, data: dataset.description, "iterations per epoch": itersPerEpoch },
      backend: s.backend.why,
      spec: s.specText,
      samples: sampleFiles(),
      ...(realGrid ? { real: relative(out, realGrid) } : {}),
      plots: plots.map((p) => relative(out, p)),
      ...(last ? { last } : {}),
      checkpoint: CHECKPOINT,
    });
  };
  const refreshPlots = async () => {
    const written = await writePlots(out, log.rows());
    plots.splice(0, plots.length, ...[...written.losses, ...written.scores].filter((p) => p.endsWith(".svg") || p.endsWith(".png")));
  };
  /** The iteration of the checkpoint on disk (null: none written yet). */
  let checkpointed: number | null = s.resume ? startIter : null;
  const checkpoint = (iter: number) => {
    saveCheckpoint(checkpointPath, models, optimizers, { iteration: iter, seed, architecture, plan: planPrint, spec: basename(s.specPath) });
    checkpointed = iter;
  };

  // --- the loop ------------------------------------------------------------------------------------
  reporter.info(`data: ${dataset.description}; ${itersPerEpoch} iterations per epoch of batch ${plan.batch}`);
  reporter.info(`backend: ${s.backend.why}`);
  reporter.start(total, startIter);
  let iter = startIter;
  let last: Row | undefined = log.rows().at(-1);
  let pending: Promise<Float32Array[]> | undefined = startIter < total ? loadBatch(startIter * batchesPerIter) : undefined;
  let stopped = false;
  let computeMs = 0;
  let skippedUpdates = 0;
  const memoryAtStart = tf.memory().numTensors;
  while (iter < total) {
    const t0 = performance.now();
    const losses: Record<string, number[]> = {};
    const scores: Record<string, number> = {};
    let k = iter * batchesPerIter;
    let round: Round | undefined;
    let roundInputs: Record<string, tf.Tensor> | undefined;
    const newRound = async () => {
      round?.dispose();
      if (roundInputs) tf.dispose(Object.values(roundInputs));
      const data = await pending!;
      const next = k + 1;
      const lastBatch = total * batchesPerIter;
      pending = next < lastBatch ? loadBatch(next) : undefined;
      pending?.catch(() => undefined);
      roundInputs = inputsOf(data, k);
      round = new Round(models, roundInputs, mixSeed(seed, `round ${k}`));
      k++;
    };
    await newRound();
    for (const st of s.steps) {
      for (let r = 0; r < st.repeat; r++) {
        if (r > 0) await newRound();
        const res = st.run(round!, optimizers[st.model]!);
        if (res.nonFinite) {
          const what = res.nonFinite === "loss" ? `the loss is ${res.loss}` : "a gradient is NaN or infinite";
          const where = `iteration ${iter + 1}, step ${st.model} (${plan.steps.find((p) => p.model === st.model)?.text ?? ""})`;
          if (s.run.onNan === "stop") {
            reporter.stop();
            pending?.catch(() => undefined);
            log.close();
            report(`failed: ${where}: ${what}`, last);
            const kept = checkpointed !== null ? `The last good checkpoint (iteration ${checkpointed}) is kept` : "No checkpoint had been written yet";
            throw new NonFiniteError(
              `${where}: ${what}, so ${st.model} was not updated and the run stops. ${kept}. Lower the learning rate (optim ${st.model} = adam(lr = ...)) and resume, or run with --on-nan skip to drop such updates`,
            );
          }
          skippedUpdates++;
          if (skippedUpdates <= 5 || skippedUpdates % 100 === 0) reporter.warn(`${where}: ${what}; update skipped (${skippedUpdates} so far, --on-nan skip)`);
        }
        (losses[st.model] ??= []).push(res.loss);
        for (const [name, v] of Object.entries(res.scores)) scores[`score_${name}`] = v;
      }
    }
    round?.dispose();
    if (roundInputs) tf.dispose(Object.values(roundInputs));
    iter++;
    const ms = performance.now() - t0;
    computeMs += ms;
    const row: Row = {
      iter,
      epoch: Math.floor((iter - 1) / itersPerEpoch) + 1,
      time: Number((timeOffset + (Date.now() - started) / 1000).toFixed(3)),
      img_per_s: Number(((plan.batch * batchesPerIter * 1000) / ms).toFixed(2)),
    };
    for (const st of plan.steps) {
      const l = losses[st.model] ?? [];
      row[`loss_${st.model}`] = l.reduce((a, b) => a + b, 0) / Math.max(1, l.length);
    }
    for (const c of scoreCols) row[c] = scores[c] ?? Number.NaN;
    if (iter % plan.logEvery === 0 || iter === total) log.append(row);
    last = row;
    reporter.progress(row, total);
    // A turn of the event loop, so that Ctrl-C's handler runs now, not at the next file
    // write (with in-memory data an iteration never waits on a real I/O event).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const stopNow = s.shouldStop?.() ?? false;
    if (iter % plan.sampleEvery === 0 || iter === total || iter === startIter + 1 || stopNow) {
      await renderSamples(iter);
      await refreshPlots();
      report(iter === total ? "finished" : `running: iteration ${iter} of ${total}`, last);
    }
    if (iter % plan.checkpointEvery === 0 || iter === total || stopNow) checkpoint(iter);
    if (stopNow && iter < total) {
      stopped = true;
      break;
    }
    if (iter === startIter + 20 && tf.memory().numTensors > memoryAtStart + 64) {
      reporter.warn(`tensor count grew from ${memoryAtStart} to ${tf.memory().numTensors} in 20 iterations (a leak)`);
    }
  }
  reporter.stop();
  pending?.catch(() => undefined);
  log.close();

  // Real next to fake, from the grid just drawn at the last iteration (noise-drawn samples).
  if (!stopped && iter === total && total > startIter && fixed.data === null && realBatch && lastSample) {
    await writeSideBySide(join(out, "real-vs-fake.png"), realBatch, lastSample);
  }
  if (samples.length === 0 && iter > 0) await renderSamples(iter);
  await refreshPlots();
  report(stopped ? `stopped at iteration ${iter} of ${total} (resume with --resume)` : iter >= total ? "finished" : `iteration ${iter} of ${total}`, last);
  tf.dispose(Object.values(fixed.inputs));
  for (const o of Object.values(optimizers)) o.dispose();
  for (const m of Object.values(models)) m.dispose();
  const done = iter - startIter;
  return {
    out,
    iterations: iter,
    total,
    finished: iter >= total,
    msPerIteration: done > 0 ? computeMs / done : 0,
    last,
    files: {
      samples: samples.at(-1) ?? join(out, "samples", "latest.png"),
      plots,
      report: join(out, "index.html"),
      checkpoint: checkpointPath,
      log: join(out, "log.csv"),
    },
  };
}

/**
 * RUN/spec.gan is the spec as trained. A resumed run whose spec text changed (an edited
 * training section) keeps the text it had until then as spec-until-NNNNNN.gan.
 */
function writeSpecCopy(out: string, text: string, resumedAt: number | null): void {
  const path = join(out, "spec.gan");
  if (resumedAt !== null && existsSync(path)) {
    const before = readFileSync(path, "utf8");
    if (before === text) return;
    writeFileAtomic(join(out, `spec-until-${pad(resumedAt)}.gan`), before);
  }
  writeFileAtomic(path, text);
}

/** Fixed inputs for the sample grids: 64 noise vectors, or a fixed batch of the data. */
async function fixedSamples(plan: TrainPlan, dataset: Dataset, seed: number): Promise<FixedSamples> {
  const sampleValue = plan.bindings.find((b) => b.name === plan.sample)!.value;
  const usesData = readsData(sampleValue, plan);
  const n = usesData ? Math.min(plan.data.lab ? 4 : 16, dataset.size) : 64;
  const inputs: Record<string, tf.Tensor> = {};
  const rng = new Rng(mixSeed(seed, "fixed noise"));
  for (const z of plan.noise) {
    const size = z.shape.reduce((a, b) => a * b, 1);
    inputs[z.name] = tensorOf(rng.fillNormal(n * size, 0, 1), n, z.shape);
  }
  let data: Float32Array[] | null = null;
  if (usesData) {
    data = await dataset.load(Array.from({ length: n }, (_, i) => i), new Rng(mixSeed(seed, "fixed data")));
    plan.data.outputs.forEach((o, i) => (inputs[o.name] = tensorOf(data![i]!, n, o.shape)));
  }
  return { n, inputs, data };
}

function readsData(v: TrainValue, plan: TrainPlan): boolean {
  switch (v.kind) {
    case "data":
      return true;
    case "noise":
      return false;
    case "ref": {
      const b = plan.bindings.find((x) => x.name === v.name);
      return b ? readsData(b.value, plan) : false;
    }
    case "call":
      return v.args.some((a) => readsData(a, plan));
    case "cat":
      return v.items.some((a) => readsData(a, plan));
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
      out[2 * p] = ab[(i * 2) * plane + p]!;
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
