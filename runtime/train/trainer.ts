// The training loop of gan-train: the generated models and training section (a spec's
// generated/ modules) run batch after batch as runtime/train/schedule.ts orders them, the
// steps in order, a checkpoint every so often, and the log, samples, plots and report
// (./artefacts.ts). All randomness is a function of the seed and the position in the run
// (initial weights, epoch order, noise, flips, dropout masks), so the same seed gives the
// same run, and a run resumed from a checkpoint continues exactly where the stopped one
// was: it ends with the same weights as a run that never stopped.
import * as tf from "@tensorflow/tfjs";
import { basename } from "node:path";
import { type Dataset, openDataset } from "../data/dataset.ts";
import type { Model, ModelOptions } from "../nn/model.ts";
import { Adam } from "../optim/adam.ts";
import { defaultEvalCount, describeScore, evaluateRun, type QualityScore, type QualityScorer } from "../eval/quality.ts";
import type { Row } from "../report/run-log.ts";
import { Artefacts } from "./artefacts.ts";
import { architectureFingerprint, type CheckpointFile, loadCheckpoint, modelsArchitecture, PLAN_FORMAT, planFingerprint, readCheckpointInfo, saveCheckpoint } from "./checkpoint.ts";
import { NanPolicy } from "./nan-policy.ts";
import { Ema, withAverages } from "./ema.ts";
import { deferredReads, ImagePool, mixSeed, Round, type StepResult } from "./round.ts";
import { RunFolder } from "./run-folder.ts";
import { BatchSchedule } from "./schedule.ts";
import { iterationRounds, lrFactor, type RoundPlan, type StepFn, type Training } from "./training.ts";

export type { Row };

/** Where progress goes: a bar on a terminal, plain lines otherwise (cli/progress.ts). */
export interface Reporter {
  info(line: string): void;
  /** Shown whatever the progress mode (Ctrl-C's answer). */
  notice(line: string): void;
  warn(line: string): void;
  start(total: number, done: number): void;
  progress(row: Row, total: number): void;
  stop(): void;
}

/** A generated model class (generated/NAME/G.ts). */
export type ModelClass = new (options?: ModelOptions) => Model;

/** How long and how often: the spec's settings with gan-train's flags applied. */
export interface RunLength {
  readonly batch: number;
  /** Exactly one of epochs and iters is set. */
  readonly epochs: number | null;
  readonly iters: number | null;
  readonly sampleEvery: number;
  readonly checkpointEvery: number;
  /** The quality score every N iterations and at the end (0: never). */
  readonly evalEvery: number;
  /** Samples it scores (null: 1,000, or 100 when samples read data). */
  readonly evalN: number | null;
}

export interface TrainSetup {
  /** The generated code: model classes by name (in the spec's order) and the training section. */
  readonly models: Readonly<Record<string, ModelClass>>;
  readonly training: Training;
  readonly out: string;
  readonly resume: boolean;
  /** Seed of everything random; on a resume the checkpoint's own seed wins. */
  readonly seed: number;
  readonly length: RunLength;
  /** A folder of pictures instead of the section's built-in data (--data). */
  readonly dataDir: string | null;
  readonly strictData: boolean;
  /** NaN or Inf in a loss or gradient: stop the run (exit status 3), or skip that update. */
  readonly onNan: "stop" | "skip";
  readonly backend: { readonly name: string; readonly why: string };
  readonly reporter: Reporter;
  /** Polled after every iteration: true stops the run cleanly (checkpoint first). */
  readonly shouldStop?: () => boolean;
  /** For the report: the spec (path and text) and the settings as given. */
  readonly report: { readonly specPath: string; readonly specText: string; readonly settings: Readonly<Record<string, string | number | boolean>> };
  /**
   * Called once the run is set to go (folder checked, checkpoint and data read), before the
   * first iteration: where gan-train records the run (spec copy, run.json).
   */
  readonly onStart?: (start: { readonly seed: number; readonly iteration: number; readonly total: number; readonly folder: RunFolder }) => void;
}

export interface TrainSummary {
  readonly out: string;
  readonly iterations: number;
  readonly total: number;
  readonly finished: boolean;
  readonly msPerIteration: number;
  readonly last: Row | undefined;
  /** The last quality score computed (at the end of a finished run). */
  readonly quality?: QualityScore;
  readonly files: { readonly samples: string; readonly plots: readonly string[]; readonly report: string; readonly checkpoint: string; readonly log: string };
}

export class TrainError extends Error {}

export async function train(s: TrainSetup): Promise<TrainSummary> {
  const { training, reporter, length } = s;
  const started = Date.now();
  const folder = new RunFolder(s.out);
  folder.prepare();
  // The loss as written, not its tree: a reformatted spec is the same training.
  const planPrint = planFingerprint(training.steps.map((st) => [st.model, st.repeat, st.text.replace(/\s+/g, ""), st.optimizer]));

  // --- models and optimizers -----------------------------------------------------------------
  let seed = s.seed;
  let startIter = 0;
  let resumeFrom: CheckpointFile | undefined;
  if (s.resume) {
    if (!folder.hasCheckpoint()) throw new TrainError(`${s.out}: nothing to resume (no ${folder.checkpoint}); start a new run without --resume`);
    resumeFrom = readCheckpointInfo(folder.checkpoint);
    const { info } = resumeFrom;
    if (info.seed !== seed) reporter.warn(`resuming with the run's own seed ${info.seed} (not ${seed})`);
    seed = info.seed;
  } else if (folder.holdsRun()) {
    throw new TrainError(`${s.out} already holds a run: pass --resume to continue it, or choose another --out`);
  }
  const models: Record<string, Model> = {};
  for (const [name, Cls] of Object.entries(s.models)) models[name] = new Cls({ seed: mixSeed(seed, `init ${name}`) });
  const architecture = architectureFingerprint(modelsArchitecture(models));
  const optimizers: Record<string, Adam> = {};
  for (const st of training.steps) optimizers[st.model] = new Adam(st.models.flatMap((m) => models[m]!.parameters()), st.optimizer);
  // Averaged copies (`ema G = 0.999`) and image pools (`pool(fake, 50)`), kept in checkpoints.
  const averages = (training.ema ?? []).map((a) => new Ema(a.model, a.decay, new s.models[a.model]!({ seed: mixSeed(seed, `init ${a.model}`) }), models[a.model]!, a.start));
  const pools = new Map((training.pools ?? []).map((p) => [p.name, new ImagePool(p.size)]));
  const extras = { averages, pools };
  /** The models sample grids and scores use: the averaged copies where there are some. */
  const shown = withAverages(models, averages);
  if (resumeFrom) {
    const samePlanFormat = resumeFrom.meta["planFormat"] === PLAN_FORMAT;
    const info = loadCheckpoint(resumeFrom, models, optimizers, architecture, extras);
    resumeFrom = undefined; // the bytes are not needed any more
    if (samePlanFormat && info.plan !== planPrint) reporter.warn("the training section changed since the checkpoint was written; going on with the new one");
    startIter = info.iteration;
  }

  // --- data and length -------------------------------------------------------------------------
  const dataset: Dataset = await openDataset(training.data, {
    ...(s.dataDir !== null ? { dataDir: s.dataDir } : {}),
    strict: s.strictData,
    warn: (m) => reporter.warn(m),
  });
  const schedule = new BatchSchedule(dataset, training, length.batch, seed);
  const total = schedule.total(length);
  if (startIter > total) {
    const asked = length.iters !== null ? `--iters ${length.iters}` : `--epochs ${length.epochs} (${total} iterations)`;
    throw new TrainError(`${s.out} already has ${startIter} iterations, more than ${asked} asks for: give more (e.g. --iters ${startIter + Math.max(1, total)}) to go on`);
  }
  s.onStart?.({ seed, iteration: startIter, total, folder });
  if (s.resume && startIter === total) reporter.info(`the run is already finished (${total} of ${total} iterations): nothing to do; give --iters or --epochs beyond it to go on`);

  // --- what the run writes ----------------------------------------------------------------------------
  const artefacts = await Artefacts.open(folder, training, dataset, seed, s.resume ? startIter : null, { ...s.report, backendWhy: s.backend.why }, length.evalEvery > 0);
  const log = artefacts.log;
  const timeOffset = log.rows().at(-1)?.["time"] ?? 0;
  const reportExtra: Record<string, string | number> = { seed, backend: s.backend.name, data: dataset.description, "iterations per epoch": schedule.itersPerEpoch };
  // The quality score (runtime/eval/): its scorer opened at the first evaluation.
  const scorers: { scorer?: QualityScorer | string } = {};
  let quality: QualityScore | undefined;
  const evaluate = async (iteration: number): Promise<QualityScore | undefined> => {
    const hadScorer = scorers.scorer !== undefined;
    const score = await evaluateRun(training, dataset, shown, { seed, batch: length.batch, n: length.evalN ?? defaultEvalCount(training) }, scorers);
    if (typeof score === "string") {
      if (!hadScorer) reporter.warn(`no quality score: ${score}`);
      return undefined;
    }
    quality = score;
    reporter.info(`quality at iteration ${iteration}: ${describeScore(quality)}`);
    reportExtra["quality"] = `${describeScore(quality)}, iteration ${iteration}`;
    return quality;
  };
  /** The iteration of the checkpoint on disk (null: none written yet). */
  let checkpointed: number | null = s.resume ? startIter : null;
  const checkpoint = async (iter: number) => {
    await saveCheckpoint(folder.checkpoint, models, optimizers, { iteration: iter, seed, architecture, plan: planPrint, spec: basename(s.report.specPath) }, extras);
    checkpointed = iter;
  };
  const nan = new NanPolicy(s.onNan, (m) => reporter.warn(m));

  // --- the loop ------------------------------------------------------------------------------------
  reporter.info(`data: ${dataset.description}; ${schedule.itersPerEpoch} iterations per epoch of batch ${length.batch}`);
  reporter.info(`backend: ${s.backend.why}`);
  reporter.start(total, startIter);
  const batchesPerIter = schedule.batchesPerIter;
  let iter = startIter;
  let last: Row | undefined = log.rows().at(-1);
  let pending: Promise<Float32Array[]> | undefined = startIter < total ? schedule.load(startIter * batchesPerIter) : undefined;
  let stopped = false;
  let computeMs = 0;
  const memoryAtStart = tf.memory().numTensors;
  // On a GPU the steps' numbers stay on the device and an iteration's are read while the
  // next one runs (one behind); before a sample grid, a checkpoint, a score or a stop all
  // are read. On the CPU backends they are read as each iteration ends.
  const lag = deferredReads() ? 1 : 0;
  const unread: Unread[] = [];
  let lastFinish = 0;
  /** Reads an iteration's numbers, applies the NaN policy, and logs its row (with its score when `scoreIt`). */
  const finish = async (u: Unread, scoreIt: boolean): Promise<void> => {
    const losses: Record<string, number[]> = {};
    const scores: Record<string, number> = {};
    const parts: Record<string, number[]> = {};
    for (const { st, res, optimizer } of u.steps) {
      const n = await res.read();
      if (n.nonFinite) {
        if (res.deferred) optimizer.notApplied();
        const what = n.nonFinite === "loss" ? `the loss is ${n.loss}` : "a gradient is NaN or infinite";
        const where = `iteration ${u.iter}, step ${st.model} (${st.text})`;
        nan.handle(where, what, st.model, checkpointed, () => {
          reporter.stop();
          pending?.catch(() => undefined);
          log.close();
          artefacts.writeReport(`failed: ${where}: ${what}`, last, reportExtra);
        });
      }
      (losses[st.model] ??= []).push(n.loss);
      for (const [name, v] of Object.entries(n.scores)) scores[`score_${name}`] = v;
      for (const [name, v] of Object.entries(n.parts ?? {})) (parts[`part_${st.model}:${name}`] ??= []).push(v);
    }
    const now = performance.now();
    const ms = now - Math.max(u.start, lastFinish);
    lastFinish = now;
    computeMs += ms;
    const row: Row = {
      iter: u.iter,
      epoch: schedule.epochOf(u.iter),
      time: Number((timeOffset + (Date.now() - started) / 1000).toFixed(3)),
      img_per_s: Number(((length.batch * batchesPerIter * 1000) / ms).toFixed(2)),
    };
    for (const st of training.steps) {
      const l = losses[st.model] ?? [];
      row[`loss_${st.model}`] = l.reduce((a, b) => a + b, 0) / Math.max(1, l.length);
    }
    for (const st of training.steps) for (const n of st.scores) row[`score_${n}`] = scores[`score_${n}`] ?? Number.NaN;
    // a step repeated (`step D * 5`): the mean of its terms, as of its loss
    for (const st of training.steps) for (const p of st.parts ?? []) row[`part_${st.model}:${p}`] = mean(parts[`part_${st.model}:${p}`] ?? []);
    const evaluated = scoreIt ? await evaluate(u.iter) : undefined;
    if (evaluated) {
      row["fld"] = evaluated.fld ?? Number.NaN;
      row["kid"] = evaluated.kid;
      row["kid_std"] = evaluated.kidStd;
    }
    if (u.iter % training.settings.logEvery === 0 || u.iter === total || evaluated) log.append(row);
    last = row;
    reporter.progress(row, total);
  };
  const rounds = iterationRounds(training.steps);
  while (iter < total) {
    const t0 = performance.now();
    const done: Unread["steps"][number][] = [];
    let k = iter * batchesPerIter;
    let round: Round | undefined;
    let roundInputs: Record<string, tf.Tensor> | undefined;
    const newRound = async (plan: RoundPlan["plan"]) => {
      round?.dispose();
      if (roundInputs) tf.dispose(Object.values(roundInputs));
      const data = await pending!;
      const next = k + 1;
      pending = next < total * batchesPerIter ? schedule.load(next) : undefined;
      pending?.catch(() => undefined);
      roundInputs = schedule.inputs(data, k);
      round = new Round(models, roundInputs, mixSeed(seed, `round ${k}`), { pools, plan });
      k++;
    };
    // The epoch of this iteration, counted from 0: the learning-rate schedules' clock.
    const epochIndex = schedule.epochOf(iter + 1) - 1;
    setLearningRates(training, optimizers, epochIndex);
    for (const rp of rounds) {
      await newRound(rp.plan);
      for (const st of rp.steps) {
        const optimizer = optimizers[st.model]!;
        const res = st.run(round!, optimizer);
        afterUpdate(st, models, averages, iter, res.applied);
        done.push({ st, res, optimizer });
      }
    }
    round?.dispose();
    if (roundInputs) tf.dispose(Object.values(roundInputs));
    iter++;
    unread.push({ iter, start: t0, steps: done });
    // A turn of the event loop, so that Ctrl-C's handler runs now, not at the next file
    // write (with in-memory data an iteration never waits on a real I/O event).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const stopNow = s.shouldStop?.() ?? false;
    const scoreIt = length.evalEvery > 0 && (iter % length.evalEvery === 0 || iter === total);
    const sampleIt = iter % length.sampleEvery === 0 || iter === total || iter === startIter + 1 || stopNow;
    const checkpointIt = iter % length.checkpointEvery === 0 || iter === total || stopNow;
    const leave = scoreIt || sampleIt || checkpointIt ? 0 : lag;
    while (unread.length > leave) {
      const u = unread.shift()!;
      await finish(u, scoreIt && u.iter === iter);
    }
    if (sampleIt) {
      await artefacts.writeSamples(shown, iter);
      await artefacts.refreshPlots();
      artefacts.writeReport(iter === total ? "finished" : `running: iteration ${iter} of ${total}`, last, reportExtra);
    }
    if (checkpointIt) await checkpoint(iter);
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

  if (!stopped && iter === total && total > startIter) await artefacts.writeRealVsFake();
  if (artefacts.sampleCount === 0 && iter > 0) await artefacts.writeSamples(shown, iter);
  await artefacts.refreshPlots();
  artefacts.writeReport(stopped ? `stopped at iteration ${iter} of ${total} (resume with --resume)` : iter >= total ? "finished" : `iteration ${iter} of ${total}`, last, reportExtra);
  artefacts.dispose();
  for (const o of Object.values(optimizers)) o.dispose();
  for (const m of Object.values(models)) m.dispose();
  for (const a of averages) a.copy.dispose();
  const done = iter - startIter;
  return {
    out: s.out,
    iterations: iter,
    total,
    finished: iter >= total,
    msPerIteration: done > 0 ? computeMs / done : 0,
    last,
    ...(quality ? { quality } : {}),
    files: {
      samples: artefacts.latestSampleFile,
      plots: artefacts.plotFiles,
      report: folder.report,
      checkpoint: folder.checkpoint,
      log: folder.log,
    },
  };
}

/** Each step's learning rate for an iteration of epoch `epoch` (from 0): its schedule's factor of its lr. */
export function setLearningRates(training: Training, optimizers: Readonly<Record<string, Adam>>, epoch: number): void {
  for (const st of training.steps) optimizers[st.model]!.lr = st.optimizer.lr * lrFactor(st.optimizer.schedule, epoch);
}

/**
 * What follows a step's (finite) update in iteration `iteration` (from 0): the original
 * WGAN's weight clipping (every parameter of its models clamped to [-c, c]), then the
 * averages of its models.
 */
export function afterUpdate(st: StepFn, models: Readonly<Record<string, Model>>, averages: readonly Ema[], iteration: number, applied: boolean | tf.Tensor = true): void {
  if (applied === false) return;
  const c = st.optimizer.clip;
  if (c !== undefined) {
    tf.tidy(() => {
      for (const m of st.models) for (const p of models[m]!.parameters()) p.assign(tf.clipByValue(p, -c, c));
    });
  }
  // Clipping weights a skipped update left as they were changes nothing: no condition there.
  for (const a of averages) if (st.models.includes(a.model)) a.update(iteration, applied === true ? undefined : applied);
}

/** An iteration whose steps' numbers are not read yet. */
interface Unread {
  /** Its number, counted from 1. */
  readonly iter: number;
  /** When it started (performance.now()). */
  readonly start: number;
  readonly steps: readonly { readonly st: StepFn; readonly res: StepResult; readonly optimizer: Adam }[];
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
