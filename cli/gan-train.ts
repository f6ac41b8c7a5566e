// gan-train: trains the models of a spec as its `train:` section says, and leaves a run
// folder (samples, log, plots, checkpoints, index.html, and the generated code it trained:
// RUN/generated/). Exit status: 0 done, 1 errors in the spec, 2 usage, data, I/O or
// checkpoint problems, 3 NaN or Inf in a loss or gradient (with --on-nan stop; the last
// good checkpoint is kept), 130 stopped (Ctrl-C) after a checkpoint was written.
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { Ajv } from "ajv";
import yargs from "yargs";
import { diagnostic } from "../compiler/diagnostic.ts";
import type { CompileResult } from "../compiler/compile.ts";
import { buildIr } from "../compiler/ir.ts";
import { renderDiagnostic } from "../compiler/render.ts";
import type { TrainPlan } from "../contracts/train-plan.ts";
import { readSafetensorsMetadataFile } from "../runtime/io/safetensors.ts";
import { defaultRunDir, latestRunDir, RunFolder } from "../runtime/train/run-folder.ts";
import { changedSettings, FLAG, readRunRecord, type RunRecord, RunRecordError, type RunSettings, resumeConflict, setConflict, settingText, type TorchSettings, writeRunRecord } from "../runtime/train/run-record.ts";
import { describeScore } from "../runtime/eval/score-text.ts";
import type { TrainSummary } from "../runtime/train/trainer.ts";
import { emitCodeInBackground, importCode } from "./code.ts";
import { CliError, EXIT_OK, EXIT_SPEC_ERRORS, type Io, loadSpec, parseSets, printError, processIo, startBackendOrFail } from "./common.ts";
import { checkFlags, configSchema, type FlagTable, type FlagValues, yargsOptions } from "./flags.ts";
import { parseArgv } from "./parse-argv.ts";

export type { Io };

const PROGRAM = "gan-train";

/** gan-train's flags: yargs's options, the --config schema and the Flags type come from here. */
export const FLAGS = {
  set: { type: "string", array: true, description: "Override a spec parameter (NAME=VALUE)" },
  data: { type: "string", description: "A folder of .jpg/.png/.webp pictures instead of the spec's built-in data" },
  epochs: { type: "number", min: 1, description: "Passes over the data (overrides the spec)" },
  iters: { type: "number", min: 1, description: "Iterations to run (overrides the spec's epochs)" },
  batch: { type: "number", min: 1, description: "Batch size (overrides the spec)" },
  out: { type: "string", description: "Run folder (default runs/SPEC, runs/SPEC-2, ...)" },
  resume: { type: "boolean", description: "Continue the run in --out from its last checkpoint, with the settings it was started with" },
  backend: { type: "string", choices: ["auto", "cpu", "wasm", "tensorflow", "webgpu"], description: "TF.js backend (auto: tfjs-node-gpu, WebGPU on a GPU, tfjs-node, then wasm)" },
  seed: { type: "number", min: 0, max: 4294967295, description: "Seed of everything random (default 0): same seed, same run" },
  "strict-data": { type: "boolean", description: "Stop at an unreadable image instead of skipping it" },
  "sample-every": { type: "number", min: 1, description: "Write a sample grid every N iterations (overrides the spec)" },
  "checkpoint-every": { type: "number", min: 1, description: "Write a checkpoint every N iterations (overrides the spec)" },
  "eval-every": { type: "number", min: 0, description: "The quality score (FLD/KID) every N iterations and at the end; 0: never (default: the spec's eval_every, else with each sample grid)" },
  "eval-n": { type: "number", min: 2, description: "Samples the quality score compares with real pictures (default 1,000; 100 when each sample needs a real input)" },
  progress: { type: "string", choices: ["auto", "bar", "lines", "none"], description: "Progress display (auto: a bar on a terminal)" },
  "on-nan": { type: "string", choices: ["stop", "skip"], description: "NaN or Inf in a loss or gradient: stop (exit status 3, the last good checkpoint kept) or skip that update" },
  engine: { type: "string", choices: ["tfjs", "torch"], description: "tfjs: train here with TensorFlow.js (default); torch: emit PyTorch and train with it (CUDA, many GPUs: --nproc)" },
  nproc: { type: "number", min: 1, description: "--engine torch: processes (torchrun --nproc_per_node); --batch is the global batch" },
  python: { type: "string", description: "--engine torch: a python3 with PyTorch (default: $GAN_PYTHON, python3, /usr/bin/python3)" },
  amp: { type: "string", choices: ["off", "bf16", "fp16"], description: "--engine torch: mixed precision (default off; fp16 on CUDA only)" },
  "sync-bn": { type: "string", choices: ["on", "off"], description: "--engine torch: synchronise BatchNorm over processes (default on with --nproc > 1)" },
  device: { type: "string", choices: ["auto", "cuda", "cpu"], description: "--engine torch: where it trains (auto: CUDA when PyTorch sees a GPU)" },
  config: { type: "string", commandLineOnly: true, description: "A JSON file with any of these settings; flags override it" },
} as const satisfies FlagTable;

type Flags = FlagValues<typeof FLAGS>;

/** What --config may hold: the flags, by their long names. */
export const RUN_CONFIG_SCHEMA = configSchema(FLAGS);

const USAGE =
  "$0 SPEC.gan [--set NAME=VALUE]... [--data DIR] [--epochs N | --iters N] [--batch B]\n" +
  "     [--out DIR] [--backend auto|cpu|wasm|tensorflow|webgpu] [--seed S] [--config run.json]\n" +
  "$0 [SPEC.gan] --out RUN --resume [--iters N | --epochs N] [...]";

export async function main(argv: readonly string[], io: Io = processIo, signal?: { stop: boolean }): Promise<number> {
  try {
    const cli = await commandLine(argv, io);
    if (typeof cli === "number") return cli;
    const run = await runFolder(cli.flags, cli.spec, io);
    const spec = loadSpec(io, PROGRAM, run.specPath, run.overrides);
    if (typeof spec === "number") return spec;
    if (spec.result.train === null) return noTrainSection(io, spec.result);
    const settings = await runSettings(cli.flags, run, spec.result, spec.result.train, io);
    if (settings.engine === "torch") return await torchRun(cli.flags, cli.spec, run, spec.result, spec.text, settings, io, signal);
    const { summary, backend } = await trainRun(cli.flags, run, spec.result, spec.text, settings, io, signal);
    io.stdout(summaryText(summary, backend, cli.spec, run.folder.dir));
    return summary.finished ? EXIT_OK : 130;
  } catch (e) {
    const coded = await asCliError(e);
    if (coded) return printError(io, PROGRAM, coded);
    throw e;
  }
}

// --- the steps of main ------------------------------------------------------------------------

/** argv and --config -> the flags and the spec's path (absent on a resume that names no spec). */
async function commandLine(argv: readonly string[], io: Io): Promise<{ flags: Flags; spec: string | undefined } | number> {
  const parser = yargs([...argv]).scriptName(PROGRAM).usage(USAGE).options(yargsOptions(FLAGS)).conflicts("epochs", "iters");
  const cli = await parseArgv(parser, argv, PROGRAM);
  if (cli.error !== undefined) throw new CliError("Usage", [cli.error]);
  if (cli.help !== undefined) {
    io.stdout(`${cli.help}\n`);
    return EXIT_OK;
  }
  const parsed = cli.args as Record<string, unknown> & { _: unknown[] };
  const fromFile = typeof parsed["config"] === "string" ? readConfig(parsed["config"]) : {};
  const given = Object.fromEntries(Object.entries(parsed).filter(([k, v]) => v !== undefined && k in FLAGS && k !== "config")) as Flags;
  const flags: Flags = { ...fromFile, ...given, set: [...(fromFile.set ?? []), ...(given.set ?? [])] };
  if (fromFile.epochs !== undefined && given.iters !== undefined) delete flags.epochs;
  if (fromFile.iters !== undefined && given.epochs !== undefined) delete flags.iters;
  if (flags.epochs !== undefined && flags.iters !== undefined) throw new CliError("Usage", ["give --epochs or --iters, not both"]);
  checkFlags(FLAGS, flags);
  const positional = parsed._.map(String);
  if (positional.length > 1) throw new CliError("Usage", [`one spec at a time, got ${positional.join(" ")}`]);
  if (positional.length === 0 && !flags.resume) throw new CliError("Usage", ["no spec given (e.g. gan-train specs/mnist-gan.gan)"]);
  if (positional.length === 0 && flags.out === undefined) throw new CliError("Usage", ["--resume without a spec needs the run folder: gan-train --out RUN --resume"]);
  return { flags, spec: positional[0] };
}

function readConfig(path: string): Flags {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    const why = e instanceof SyntaxError ? `not valid JSON (${e.message})` : ((e as NodeJS.ErrnoException).code ?? String(e));
    throw new CliError("BadConfig", [path, why]);
  }
  const validate = new Ajv({ allErrors: true, strict: false }).compile(RUN_CONFIG_SCHEMA);
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => {
      const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "the file";
      if (e.keyword === "additionalProperties") {
        const names = Object.keys(FLAGS).filter((k) => !(FLAGS as FlagTable)[k]!.commandLineOnly);
        return `unknown setting "${String((e.params as { additionalProperty: string }).additionalProperty)}" (settings: ${names.join(", ")})`;
      }
      if (e.keyword === "enum") return `${where} must be one of ${(e.params as { allowedValues: string[] }).allowedValues.join(", ")}`;
      return `${where} ${e.message ?? "is invalid"}`;
    });
    throw new CliError("BadConfig", [path, problems.join("; ")]);
  }
  const c = raw as Omit<Flags, "set"> & { set?: Record<string, number> };
  const set = c.set ? Object.entries(c.set).map(([k, v]) => `${k}=${v}`) : undefined;
  return { ...c, ...(set ? { set } : {}) } as Flags;
}

interface RunPlace {
  readonly folder: RunFolder;
  readonly specPath: string;
  /** On --resume: the run's record (absent when its run.json is unreadable) and checkpoint metadata. */
  readonly record?: RunRecord;
  readonly checkpointMeta?: Readonly<Record<string, string>>;
  readonly givenSet: ReadonlyMap<string, number>;
  /** The parameter values to compile with: the run's, then the ones given. */
  readonly overrides: ReadonlyMap<string, number>;
}

/** The run folder, and on --resume what it remembers, checked against the flags given again. */
async function runFolder(flags: Flags, spec: string | undefined, io: Io): Promise<RunPlace> {
  const givenSet = parseSets(flags.set ?? []);
  let dir = flags.out;
  if (dir === undefined) {
    dir = flags.resume ? latestRunDir(spec!) : defaultRunDir(spec!);
    if (dir === undefined) throw new CliError("RunProblem", [`--resume: no run of ${spec} under runs/ has a checkpoint; give --out DIR`]);
  }
  const folder = new RunFolder(dir);
  if (!flags.resume) return { folder, specPath: spec!, givenSet, overrides: givenSet };
  if (!folder.hasCheckpoint()) throw new CliError("RunProblem", [`${dir}: nothing to resume (no checkpoints/last.safetensors); start a new run without --resume`]);
  let checkpointMeta: Record<string, string>;
  try {
    checkpointMeta = readSafetensorsMetadataFile(folder.checkpoint);
  } catch (e) {
    throw new CliError("CheckpointProblem", [`${folder.checkpoint}: ${e instanceof Error ? e.message : String(e)}`]);
  }
  let record: RunRecord | undefined;
  try {
    record = readRunRecord(folder.dir);
  } catch (e) {
    if (!(e instanceof RunRecordError)) throw e;
    io.stderr(`${PROGRAM}: warning: ${e.message}: the run's settings are lost, so the spec, --set, --data and --batch given here must be those it was started with\n`);
  }
  if (record) {
    const problem = await resumeConflict(record, { ...(flags.seed !== undefined ? { seed: flags.seed } : {}), ...(flags.batch !== undefined ? { batch: flags.batch } : {}), ...(flags.data !== undefined ? { data: flags.data } : {}) });
    if (problem) throw new CliError("ResumeConflict", [problem]);
  }
  return {
    folder,
    specPath: spec ?? folder.spec,
    ...(record ? { record } : {}),
    checkpointMeta,
    givenSet,
    overrides: new Map([...Object.entries(record?.set ?? {}), ...givenSet]),
  };
}

function noTrainSection(io: Io, result: CompileResult): number {
  const d = diagnostic("NoTrainSection", null, [result.source.path], {
    hint: "add one at the end of the spec, e.g.\n  train:\n      real = mnist\n      z = noise(100)\n      fake = G(z)\n      step D = bce(D(real), 1) + bce(D(fake), 0)\n      step G = bce(D(fake), 1)",
  });
  io.stderr(`${renderDiagnostic(d, result.source, { color: false }, PROGRAM)}\n`);
  return EXIT_SPEC_ERRORS;
}

/** The run's settings: the record's on a resume, the spec's otherwise, under the flags given. */
async function runSettings(flags: Flags, run: RunPlace, result: CompileResult, base: TrainPlan, io: Io): Promise<RunSettings> {
  const record = run.record;
  const length = (): Pick<RunSettings, "epochs" | "iters"> => {
    if (flags.iters !== undefined) return { epochs: null, iters: flags.iters };
    if (flags.epochs !== undefined) return { epochs: flags.epochs, iters: null };
    if (record) return { epochs: record.epochs, iters: record.iters };
    return { epochs: base.iters !== null ? null : (base.epochs ?? 1), iters: base.iters };
  };
  const settings: RunSettings = {
    spec: record?.spec ?? run.specPath,
    set: Object.fromEntries(run.overrides),
    seed: flags.seed ?? record?.seed ?? Number(run.checkpointMeta?.["seed"] ?? 0),
    data: flags.data !== undefined ? resolve(flags.data) : (record?.data ?? null),
    dataPictures: record?.dataPictures ?? null,
    batch: flags.batch ?? record?.batch ?? base.batch,
    ...length(),
    sampleEvery: flags["sample-every"] ?? record?.sampleEvery ?? base.sampleEvery,
    checkpointEvery: flags["checkpoint-every"] ?? flags["sample-every"] ?? record?.checkpointEvery ?? base.checkpointEvery,
    evalEvery: flags["eval-every"] ?? record?.evalEvery ?? base.evalEvery ?? flags["sample-every"] ?? base.sampleEvery,
    evalN: flags["eval-n"] ?? record?.evalN ?? null,
    strictData: flags["strict-data"] ?? record?.strictData ?? false,
    onNan: (flags["on-nan"] as "stop" | "skip" | undefined) ?? record?.onNan ?? "stop",
    backend: flags.backend ?? record?.backend ?? "auto",
    engine: (flags.engine as "tfjs" | "torch" | undefined) ?? record?.engine ?? "tfjs",
  };
  if (record && run.checkpointMeta) {
    const problem = await setConflict(record, run.givenSet, base, buildIr(result), run.checkpointMeta["architecture"]);
    if (problem) throw new CliError("ResumeConflict", [problem]);
  }
  if (settings.data === null) return settings;
  // The folder is listed once here, for both checks below.
  const { listImages, picturesFingerprint, DataError } = await import("../runtime/data/image-folder.ts");
  let paths: string[];
  try {
    paths = listImages(settings.data);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    throw new CliError("DataProblem", [record?.data === settings.data ? `the run trains on ${settings.data}, which is gone: give --data DIR with the same pictures` : e.message]);
  }
  const problem = await dataChannelProblem(settings.data, paths, base);
  if (problem) throw new CliError("DataProblem", [problem]);
  const pictures = picturesFingerprint(settings.data, paths);
  if (record?.dataPictures && record.data === settings.data && pictures !== record.dataPictures) {
    io.stderr(`${PROGRAM}: warning: the pictures under ${settings.data} changed since the run started (${record.dataPictures}; now ${pictures}): from here on the data order differs from an uninterrupted run\n`);
  }
  return { ...settings, dataPictures: pictures };
}

/** Writes the run's code (RUN/generated/), starts the backend and trains that code. */
async function trainRun(flags: Flags, run: RunPlace, result: CompileResult, text: string, settings: RunSettings, io: Io, signal?: { stop: boolean }): Promise<{ summary: TrainSummary; backend: string }> {
  const plan = result.train!;
  // The run's code is generated in a worker while TF.js and the runtime load here.
  const emitting = emitCodeInBackground(result, run.overrides, run.folder.generated);
  emitting.catch(() => undefined);
  const [{ train }, { makeReporter }] = await Promise.all([import("../runtime/train/trainer.ts"), import("./progress.ts")]);
  const backend = await startBackendOrFail(settings.backend);
  try {
    await emitting;
  } catch (e) {
    throw new CliError("CannotWrite", [run.folder.generated, e instanceof Error ? e.message : String(e)]);
  }
  const code = await importCode(result, run.folder.generated);
  const reporter = makeReporter({ mode: progressMode(flags, io), write: (s) => io.stderr(s) });
  const stopSignal = signal ?? { stop: false };
  // One Ctrl-C can arrive twice within milliseconds (npm / npx forward it to the process
  // group that already got it; GNU timeout sends it to the process and its group): a second
  // one counts only a second or more after the first.
  let firstAt = 0;
  const onSigint = () => {
    if (stopSignal.stop) {
      if (Date.now() - firstAt < 1000) return;
      reporter.stop();
      process.exit(130);
    }
    firstAt = Date.now();
    stopSignal.stop = true;
    reporter.notice("Ctrl-C: stopping after this iteration (Ctrl-C again quits at once)");
  };
  if (!signal) process.on("SIGINT", onSigint);
  const resuming = flags.resume === true;
  try {
    const summary = await train({
      models: code.models,
      training: code.training!,
      out: run.folder.dir,
      resume: resuming,
      seed: settings.seed,
      length: settings,
      dataDir: settings.data,
      strictData: settings.strictData,
      onNan: settings.onNan,
      backend,
      reporter,
      shouldStop: () => stopSignal.stop,
      report: { specPath: run.specPath, specText: text, settings: reportSettings(run.overrides, settings, plan) },
      onStart: ({ seed, iteration, total, folder }) => {
        // how the PyTorch engine ran is kept, for a later --engine torch --resume
        const changed = recordRun(run, text, { ...settings, seed }, plan, iteration, resuming, backend.name, run.record?.torch);
        if (resuming) reporter.info(`resuming ${folder.dir} at iteration ${iteration} of ${total} (checkpoint ${folder.checkpoint})${changed.length > 0 ? `; changed: ${changed.join(", ")}` : ""}`);
      },
    });
    return { summary, backend: backend.name };
  } finally {
    reporter.stop();
    if (!signal) process.off("SIGINT", onSigint);
  }
}

/**
 * The record of a run before its first iteration (RUN/spec.gan and run.json: what --resume
 * restores), for either engine; on a resume, the settings that changed, as flags.
 */
function recordRun(run: RunPlace, text: string, settings: RunSettings, plan: TrainPlan, iteration: number, resuming: boolean, backendUsed: string, torch: TorchSettings | undefined): string[] {
  run.folder.writeSpec(text, resuming ? iteration : null);
  const now = new Date().toISOString();
  const previous = run.record;
  const changed = previous ? changedSettings(previous, settings) : {};
  writeRunRecord(run.folder.dir, {
    format: 2,
    ...settings,
    backendUsed,
    ...(torch ? { torch } : {}),
    plan,
    started: previous?.started ?? now,
    resumes: resuming ? [...(previous?.resumes ?? []), { iteration, at: now, changed }] : [],
  });
  return Object.entries(changed).map(([k, [a, b]]) => `${FLAG[k as keyof RunSettings]} ${settingText(b)} (was ${settingText(a)})`);
}

/** How progress is shown: --progress, else a bar on a terminal and lines elsewhere. */
function progressMode(flags: Flags, io: Io): "bar" | "lines" | "none" {
  return flags.progress === undefined || flags.progress === "auto" ? (io.isTTY ? "bar" : "lines") : (flags.progress as "bar" | "lines" | "none");
}

/** --engine torch: the same record and report, the PyTorch package trains (cli/torch-engine.ts). */
async function torchRun(flags: Flags, spec: string | undefined, run: RunPlace, result: CompileResult, text: string, settings: RunSettings, io: Io, signal?: { stop: boolean }): Promise<number> {
  const [{ trainTorch }, { makeReporter }] = await Promise.all([import("./torch-engine.ts"), import("./progress.ts")]);
  const plan = result.train!;
  const reporter = makeReporter({ mode: progressMode(flags, io), write: (s) => io.stderr(s) });
  const stopSignal = signal ?? { stop: false };
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    stopSignal.stop = true;
    reporter.notice(interrupts === 1 ? "Ctrl-C: stopping after this iteration (Ctrl-C again quits at once)" : "Ctrl-C: quitting");
  };
  if (!signal) process.on("SIGINT", onSigint);
  const resuming = flags.resume === true;
  if (resuming && !existsSync(run.folder.checkpoint)) throw new CliError("RunProblem", [`${run.folder.dir}: nothing to resume`]);
  if (!resuming && run.folder.holdsRun()) throw new CliError("RunProblem", [`${run.folder.dir} already holds a run: pass --resume to continue it, or choose another --out`]);
  // The record first, as the TypeScript engine writes it at its start.
  run.folder.prepare();
  const iteration = resuming && run.checkpointMeta ? Number(run.checkpointMeta["iteration"] ?? 0) : 0;
  // How the engine runs: the flags, else what the run was started with.
  const was = run.record?.torch;
  const torch: TorchSettings = {
    nproc: flags.nproc ?? was?.nproc ?? 1,
    amp: (flags.amp as TorchSettings["amp"] | undefined) ?? was?.amp ?? "off",
    syncBn: (flags["sync-bn"] as "on" | "off" | undefined) ?? was?.syncBn ?? null,
    device: (flags.device as TorchSettings["device"] | undefined) ?? was?.device ?? "auto",
  };
  const changed = recordRun(run, text, settings, plan, iteration, resuming, "torch", torch);
  if (resuming && changed.length > 0) reporter.info(`resuming ${run.folder.dir}; changed: ${changed.join(", ")}`);
  try {
    const r = await trainTorch(
      result,
      run.overrides,
      run.folder,
      settings,
      resuming,
      { ...torch, syncBn: torch.syncBn ?? undefined, python: flags.python },
      reporter,
      stopSignal,
      { specPath: run.specPath, specText: text, settings: reportSettings(run.overrides, settings, plan) },
    );
    const f = run.folder;
    const again = [programName(), ...[...(spec !== undefined ? [spec] : []), "--out", f.dir, "--resume"].map(shellWord)].join(" ");
    io.stdout(
      [
        `${r.finished ? "finished" : "stopped"}: ${r.iterations} of ${r.total} iterations, ${r.msPerIteration.toFixed(0)} ms per iteration on PyTorch ${r.torch} (${torch.nproc} process${torch.nproc > 1 ? "es" : ""})`,
        `  samples     ${f.latestSample}`,
        ...(r.quality ? [`  quality     ${describeScore(r.quality)}`] : []),
        `  report      ${f.report}`,
        `  checkpoint  ${f.checkpoint}`,
        `  log         ${f.log}`,
        `  code        ${join(f.generated, "torch")}`,
        ...(r.finished ? [] : [`continue with: ${again}`]),
        "",
      ].join("\n"),
    );
    return r.finished ? EXIT_OK : 130;
  } finally {
    reporter.stop();
    if (!signal) process.off("SIGINT", onSigint);
  }
}

/** The settings the report shows: the command line as it took effect, and each step. */
function reportSettings(overrides: ReadonlyMap<string, number>, s: RunSettings, plan: TrainPlan): Record<string, string | number> {
  return {
    spec: s.spec,
    ...Object.fromEntries([...overrides].map(([k, v]) => [`--set ${k}`, v])),
    batch: s.batch,
    ...(s.iters !== null ? { iters: s.iters } : { epochs: s.epochs ?? 1 }),
    "sample every": s.sampleEvery,
    "checkpoint every": s.checkpointEvery,
    "eval every": s.evalEvery === 0 ? "never" : s.evalEvery,
    ...plan.steps.reduce<Record<string, string>>((acc, st) => {
      acc[`step ${st.model}${st.repeat > 1 ? ` * ${st.repeat}` : ""}`] = st.text;
      acc[`optim ${st.model}`] = `adam(lr = ${st.optimizer.lr}, betas = (${st.optimizer.betas.join(", ")}), eps = ${st.optimizer.eps})`;
      return acc;
    }, {}),
  };
}

function summaryText(summary: TrainSummary, backend: string, spec: string | undefined, out: string): string {
  const f = summary.files;
  const again = [programName(), ...[...(spec !== undefined ? [spec] : []), "--out", out, "--resume"].map(shellWord)].join(" ");
  return [
    `${summary.finished ? "finished" : "stopped"}: ${summary.iterations} of ${summary.total} iterations, ${summary.msPerIteration.toFixed(0)} ms per iteration on ${backend}`,
    `  samples     ${f.samples}`,
    ...(summary.quality ? [`  quality     ${describeScore(summary.quality)}`] : []),
    ...f.plots.filter((p) => p.endsWith(".png")).map((p) => `  plot        ${p}`),
    `  report      ${f.report}`,
    `  checkpoint  ${f.checkpoint}`,
    `  log         ${f.log}`,
    `  code        ${join(out, "generated")}`,
    ...(summary.finished ? [] : [`continue with: ${again}`]),
    "",
  ].join("\n");
}

/** The errors of the runtime's modules as coded command-line errors. */
async function asCliError(e: unknown): Promise<CliError | undefined> {
  if (e instanceof CliError) return e;
  if (!(e instanceof Error)) return undefined;
  const [{ TrainError }, { NonFiniteError }, { ScheduleError }, { DataError }, { CheckpointError }] = await Promise.all([
    import("../runtime/train/trainer.ts"),
    import("../runtime/train/nan-policy.ts"),
    import("../runtime/train/schedule.ts"),
    import("../runtime/data/image-folder.ts"),
    import("../runtime/train/checkpoint.ts"),
  ]);
  if (e instanceof NonFiniteError) return new CliError("NonFiniteTraining", [e.message], 3);
  if (e instanceof TrainError || e instanceof ScheduleError) return new CliError("RunProblem", [e.message]);
  if (e instanceof DataError || e.name === "ImageGridError" || e.name === "MnistError") return new CliError("DataProblem", [e.message]);
  if (e instanceof CheckpointError) return new CliError("CheckpointProblem", [e.message]);
  return undefined;
}

/** A word for a POSIX shell: as it is when it is safe, else in single quotes. */
function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/**
 * How to run gan-train again from the user's shell: `gan-train` when it is on their PATH
 * (installed globally, `npm link`), else through npx. Under npm (`npx gan-train`, `npm run
 * demo`) the PATH has node_modules/.bin in it, which the user's shell does not.
 */
function programName(): string {
  if (process.env["npm_lifecycle_event"] !== undefined) return "npx gan-train";
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "gan-train"))) return "gan-train";
  }
  return "npx gan-train";
}

/**
 * --data DIR on a spec whose data is implicitly grey (plain `mnist`): colour pictures would
 * be turned grey without anyone asking. Say so, with both fixes, before training starts.
 */
async function dataChannelProblem(dir: string, paths: readonly string[], plan: TrainPlan): Promise<string | undefined> {
  const src = plan.data.source;
  if (src.kind === "colour" || src.channels !== 1 || src.channelsGiven || plan.data.lab) return undefined;
  const sharp = (await import("sharp")).default;
  // The first readable picture decides (unreadable ones are the data stage's business).
  let first: string | undefined;
  for (const p of paths.slice(0, 20)) {
    try {
      const meta = await sharp(p).metadata();
      if ((meta.channels ?? 1) < 3 || meta.space === "b-w") return undefined;
      first = p;
      break;
    } catch {
      continue;
    }
  }
  if (first === undefined) return undefined;
  const name = plan.data.outputs[0]!.name;
  return `--data ${dir} holds colour pictures (3 channels, e.g. ${first}), but the spec's data \`${name}\` is 1-channel (${src.kind}, [1, ${src.size}, ${src.size}]), so its models take grey images. Write \`${name} = images(size = ${src.size}, channels = 1)\` in the train: section to turn them grey, or give the models 3 input channels (e.g. --set nc=3) and write channels = 3`;
}
