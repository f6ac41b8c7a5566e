// gan-train: trains the models of a spec as its `train:` section says, and leaves a run
// folder (samples, log, plots, checkpoints, index.html). Exit status: 0 done, 1 errors in
// the spec, 2 usage, data, I/O or checkpoint problems, 3 NaN or Inf in a loss or gradient
// (with --on-nan stop; the last good checkpoint is kept), 130 stopped (Ctrl-C) after a
// checkpoint was written (continue with --resume).
import { existsSync, readFileSync } from "node:fs";
import { basename, delimiter, join, resolve } from "node:path";
import { Ajv } from "ajv";
import yargs from "yargs";
import { parseArgv } from "../../compiler/cli/parse-argv.ts";
import { compile } from "../../compiler/compile.ts";
import { diagnostic } from "../../compiler/diagnostic.ts";
import { buildIr } from "../../compiler/ir.ts";
import { parseSetting } from "../../compiler/params.ts";
import { renderDiagnostic } from "../../compiler/render.ts";
import type { TrainPlan } from "../../compiler/train-plan.ts";
import { readSafetensorsMetadataFile } from "../io/safetensors.ts";
import { readRunRecord, type RunRecord, RunRecordError, type RunSettings, resumeConflict, setConflict } from "../train/run-record.ts";

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
  readonly isTTY?: boolean;
}

const processIo: Io = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  isTTY: process.stderr.isTTY === true,
};

/** What --config may hold: the flags, by their long names. */
export const RUN_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    set: { type: "object", additionalProperties: { type: "number" } },
    data: { type: "string", minLength: 1 },
    epochs: { type: "integer", minimum: 1 },
    iters: { type: "integer", minimum: 1 },
    batch: { type: "integer", minimum: 1 },
    out: { type: "string", minLength: 1 },
    resume: { type: "boolean" },
    backend: { enum: ["auto", "cpu", "wasm", "tensorflow"] },
    seed: { type: "integer", minimum: 0, maximum: 4294967295 },
    "strict-data": { type: "boolean" },
    "sample-every": { type: "integer", minimum: 1 },
    "checkpoint-every": { type: "integer", minimum: 1 },
    progress: { enum: ["auto", "bar", "lines", "none"] },
    "on-nan": { enum: ["stop", "skip"] },
  },
} as const;

class UsageError extends Error {}

type Flags = {
  set?: string[];
  data?: string;
  epochs?: number;
  iters?: number;
  batch?: number;
  out?: string;
  resume?: boolean;
  backend?: string;
  seed?: number;
  "strict-data"?: boolean;
  "sample-every"?: number;
  "checkpoint-every"?: number;
  progress?: string;
  "on-nan"?: string;
  config?: string;
};

function readConfig(path: string): Flags {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    const why = e instanceof SyntaxError ? `not valid JSON (${e.message})` : ((e as NodeJS.ErrnoException).code ?? String(e));
    throw new UsageError(`--config ${path}: ${why}`);
  }
  const validate = new Ajv({ allErrors: true, strict: false }).compile(RUN_CONFIG_SCHEMA);
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => {
      const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "the file";
      if (e.keyword === "additionalProperties") return `unknown setting "${String((e.params as { additionalProperty: string }).additionalProperty)}" (settings: ${Object.keys(RUN_CONFIG_SCHEMA.properties).join(", ")})`;
      if (e.keyword === "enum") return `${where} must be one of ${(e.params as { allowedValues: string[] }).allowedValues.join(", ")}`;
      return `${where} ${e.message ?? "is invalid"}`;
    });
    throw new UsageError(`--config ${path}: ${problems.join("; ")}`);
  }
  const c = raw as Flags & { set?: Record<string, number> };
  const set = c.set ? Object.entries(c.set).map(([k, v]) => `${k}=${v}`) : undefined;
  return { ...c, ...(set ? { set } : {}) };
}

/** runs/NAME, or runs/NAME-2, -3, ... when it is taken (a default never overwrites a run). */
function defaultOut(spec: string): string {
  const name = basename(spec).replace(/\.gan$/i, "");
  let dir = join("runs", name);
  for (let i = 2; existsSync(dir); i++) dir = join("runs", `${name}-${i}`);
  return dir;
}

/** The latest runs/NAME[-k] folder with a checkpoint, for --resume without --out. */
function latestRun(spec: string): string | undefined {
  const name = basename(spec).replace(/\.gan$/i, "");
  let found: string | undefined;
  for (let i = 1; i < 10_000; i++) {
    const dir = join("runs", i === 1 ? name : `${name}-${i}`);
    if (!existsSync(dir)) {
      if (i > 1) break;
      continue;
    }
    if (existsSync(join(dir, CHECKPOINT))) found = dir;
  }
  return found;
}

const CHECKPOINT = join("checkpoints", "last.safetensors");

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

export async function main(argv: readonly string[], io: Io = processIo, signal?: { stop: boolean }): Promise<number> {
  const parser = yargs([...argv])
    .scriptName("gan-train")
    .usage(
      "$0 SPEC.gan [--set NAME=VALUE]... [--data DIR] [--epochs N | --iters N] [--batch B]\n" +
        "     [--out DIR] [--backend auto|cpu|wasm|tensorflow] [--seed S] [--config run.json]\n" +
        "$0 [SPEC.gan] --out RUN --resume [--iters N | --epochs N] [...]",
    )
    .options({
      set: { type: "string", array: true, description: "Override a spec parameter (NAME=VALUE)" },
      data: { type: "string", description: "A folder of .jpg/.png/.webp pictures instead of the spec's built-in data" },
      epochs: { type: "number", description: "Passes over the data (overrides the spec)" },
      iters: { type: "number", description: "Iterations to run (overrides the spec's epochs)" },
      batch: { type: "number", description: "Batch size (overrides the spec)" },
      out: { type: "string", description: "Run folder (default runs/SPEC, runs/SPEC-2, ...)" },
      resume: { type: "boolean", description: "Continue the run in --out from its last checkpoint, with the settings it was started with" },
      backend: { type: "string", choices: ["auto", "cpu", "wasm", "tensorflow"], description: "TF.js backend (auto: tfjs-node-gpu, tfjs-node, then wasm)" },
      seed: { type: "number", description: "Seed of everything random (default 0): same seed, same run" },
      "strict-data": { type: "boolean", description: "Stop at an unreadable image instead of skipping it" },
      "sample-every": { type: "number", description: "Write a sample grid every N iterations (overrides the spec)" },
      "checkpoint-every": { type: "number", description: "Write a checkpoint every N iterations (overrides the spec)" },
      progress: { type: "string", choices: ["auto", "bar", "lines", "none"], description: "Progress display (auto: a bar on a terminal)" },
      "on-nan": { type: "string", choices: ["stop", "skip"], description: "NaN or Inf in a loss or gradient: stop (exit status 3, the last good checkpoint kept) or skip that update" },
      config: { type: "string", description: "A JSON file with any of these settings; flags override it" },
    })
    .conflicts("epochs", "iters");
  const usage = (message: string): number => {
    io.stderr(`gan-train: error: ${message}\n`);
    return 2;
  };
  const cli = await parseArgv(parser, argv, "gan-train");
  if (cli.error !== undefined) return usage(cli.error);
  if (cli.help !== undefined) {
    io.stdout(`${cli.help}\n`);
    return 0;
  }
  const parsed = cli.args;
  const positional = parsed._.map(String);

  let flags: Flags;
  try {
    const fromFile = parsed.config ? readConfig(parsed.config) : {};
    const given = Object.fromEntries(Object.entries(parsed).filter(([k, v]) => v !== undefined && k !== "_" && k !== "$0" && k !== "config" && !/[A-Z]/.test(k))) as Flags;
    flags = { ...fromFile, ...given, set: [...(fromFile.set ?? []), ...(given.set ?? [])] };
    if (fromFile.epochs !== undefined && given.iters !== undefined) delete flags.epochs;
    if (fromFile.iters !== undefined && given.epochs !== undefined) delete flags.iters;
    if (flags.epochs !== undefined && flags.iters !== undefined) throw new UsageError("give --epochs or --iters, not both");
    for (const k of ["epochs", "iters", "batch", "sample-every", "checkpoint-every"] as const) {
      const v = flags[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new UsageError(`--${k} ${v}: give a whole number of at least 1`);
    }
    if (flags.seed !== undefined && (!Number.isInteger(flags.seed) || flags.seed < 0 || flags.seed > 4294967295)) throw new UsageError(`--seed ${flags.seed}: give a whole number from 0 to 4294967295`);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  const resuming = flags.resume === true;
  if (positional.length > 1) return usage(`one spec at a time, got ${positional.join(" ")}`);
  if (positional.length === 0 && !resuming) return usage("no spec given (e.g. gan-train specs/mnist-gan.gan)");
  if (positional.length === 0 && flags.out === undefined) return usage("--resume without a spec needs the run folder: gan-train --out RUN --resume");

  const givenSet = new Map<string, number>();
  for (const raw of flags.set ?? []) {
    const s = parseSetting(raw);
    if ("error" in s) return usage(`--set ${s.name || raw}: ${s.error}`);
    givenSet.set(s.name, s.value);
  }

  // --- the run folder, and on --resume the settings it remembers ------------------------
  let out = flags.out;
  if (out === undefined) {
    if (resuming) {
      out = latestRun(positional[0]!);
      if (out === undefined) return usage(`--resume: no run of ${basename(positional[0]!)} under runs/ has a checkpoint; give --out DIR`);
    } else out = defaultOut(positional[0]!);
  }
  let record: RunRecord | undefined;
  let checkpointMeta: Record<string, string> | undefined;
  if (resuming) {
    const ckpt = join(out, CHECKPOINT);
    if (!existsSync(ckpt)) return usage(`${out}: nothing to resume (no ${CHECKPOINT}); start a new run without --resume`);
    try {
      checkpointMeta = readSafetensorsMetadataFile(ckpt);
    } catch (e) {
      return usage(`${ckpt}: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      record = readRunRecord(out);
    } catch (e) {
      if (!(e instanceof RunRecordError)) throw e;
      io.stderr(`gan-train: warning: ${e.message}: the run's settings are lost, so the spec, --set, --data and --batch given here must be those it was started with\n`);
    }
  }
  const specPath = positional[0] ?? join(out, "spec.gan");
  const dataDir = flags.data === undefined ? undefined : resolve(flags.data);
  if (record) {
    const problem = await resumeConflict(record, { ...(flags.seed !== undefined ? { seed: flags.seed } : {}), ...(flags.batch !== undefined ? { batch: flags.batch } : {}), ...(flags.data !== undefined ? { data: flags.data } : {}) });
    if (problem) return usage(problem);
  }
  const overrides = new Map<string, number>([...Object.entries(record?.set ?? {}), ...givenSet]);

  // --- the spec -----------------------------------------------------------------------
  let text: string;
  try {
    text = readFileSync(specPath, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return usage(`cannot read ${specPath}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder; give a .gan file" : e instanceof Error ? e.message : String(e)}`);
  }
  const result = compile(text, specPath, { overrides });
  const print = (d: Parameters<typeof renderDiagnostic>[0]) => io.stderr(`${renderDiagnostic(d, result.source, { color: false }, "gan-train")}\n`);
  for (const d of [...result.usageErrors, ...result.diagnostics]) print(d);
  if (result.usageErrors.length > 0) return 2;
  if (result.diagnostics.some((d) => d.severity === "error")) return 1;
  if (result.spec && result.spec.train.length === 0) {
    print(
      diagnostic("NoTrainSection", null, [specPath], {
        hint: "add one at the end of the spec, e.g.\n  train:\n      real = mnist\n      z = noise(100)\n      fake = G(z)\n      step D = bce(D(real), 1) + bce(D(fake), 0)\n      step G = bce(D(fake), 1)",
      }),
    );
    return 1;
  }
  const base = result.train;
  if (base === null) return 1;
  const ir = buildIr(result);

  // --- the settings of this run --------------------------------------------------------------
  const length = (): Pick<RunSettings, "epochs" | "iters"> => {
    if (flags.iters !== undefined) return { epochs: null, iters: flags.iters };
    if (flags.epochs !== undefined) return { epochs: flags.epochs, iters: null };
    if (record) return { epochs: record.epochs, iters: record.iters };
    return { epochs: base.iters !== null ? null : (base.epochs ?? 1), iters: base.iters };
  };
  const sampleEvery = flags["sample-every"] ?? record?.sampleEvery ?? base.sampleEvery;
  const settings: RunSettings = {
    spec: record?.spec ?? specPath,
    set: Object.fromEntries(overrides),
    seed: flags.seed ?? record?.seed ?? (checkpointMeta ? Number(checkpointMeta["seed"] ?? 0) : 0),
    data: dataDir ?? record?.data ?? null,
    dataPictures: record?.dataPictures ?? null,
    batch: flags.batch ?? record?.batch ?? base.batch,
    ...length(),
    sampleEvery,
    checkpointEvery: flags["checkpoint-every"] ?? (flags["sample-every"] !== undefined ? flags["sample-every"] : (record?.checkpointEvery ?? base.checkpointEvery)),
    strictData: flags["strict-data"] ?? record?.strictData ?? false,
    onNan: (flags["on-nan"] as "stop" | "skip" | undefined) ?? record?.onNan ?? "stop",
    backend: flags.backend ?? record?.backend ?? "auto",
  };
  const plan: TrainPlan = {
    ...base,
    batch: settings.batch,
    epochs: settings.epochs,
    iters: settings.iters,
    sampleEvery: settings.sampleEvery,
    checkpointEvery: settings.checkpointEvery,
  };
  if (record && checkpointMeta) {
    const problem = await setConflict(record, givenSet, plan, ir, checkpointMeta["architecture"]);
    if (problem) return usage(problem);
  }
  let picturesNow: string | null = null;
  if (settings.data !== null) {
    const problem = await dataChannelProblem(settings.data, plan);
    if (problem) return usage(problem);
    const { picturesFingerprint, DataError } = await import("../data/image-folder.ts");
    try {
      picturesNow = picturesFingerprint(settings.data);
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      return usage(record?.data === settings.data ? `the run trains on ${settings.data}, which is gone: give --data DIR with the same pictures` : e.message);
    }
    if (record?.dataPictures && record.data === settings.data && picturesNow !== record.dataPictures) {
      io.stderr(`gan-train: warning: the pictures under ${settings.data} changed since the run started (${record.dataPictures}; now ${picturesNow}): from here on the data order differs from an uninterrupted run\n`);
    }
  }
  const runSettings: RunSettings = { ...settings, dataPictures: picturesNow };

  const [{ startBackend }, { interpretSteps }, { train, TrainError, NonFiniteError }, { makeReporter }] = await Promise.all([
    import("../backend.ts"),
    import("../train/interpret.ts"),
    import("../train/trainer.ts"),
    import("./progress.ts"),
  ]);
  const { DataError } = await import("../data/image-folder.ts");
  const { CheckpointError } = await import("../train/checkpoint.ts");
  let backend: { name: string; why: string };
  try {
    backend = await startBackend(settings.backend as "auto");
  } catch (e) {
    return usage(`--backend ${settings.backend}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const mode = flags.progress === undefined || flags.progress === "auto" ? (io.isTTY ? "bar" : "lines") : (flags.progress as "bar" | "lines" | "none");
  const reporter = makeReporter({ mode, write: (s) => io.stderr(s) });
  const stopSignal = signal ?? { stop: false };
  const onSigint = () => {
    if (stopSignal.stop) {
      reporter.stop();
      process.exit(130);
    }
    stopSignal.stop = true;
    reporter.notice("Ctrl-C: stopping after this iteration (Ctrl-C again quits at once)");
  };
  if (!signal) process.on("SIGINT", onSigint);
  try {
    const summary = await train({
      specPath,
      specText: text,
      run: runSettings,
      ...(record ? { previous: record } : {}),
      ir,
      plan,
      steps: interpretSteps(plan),
      out,
      resume: resuming,
      backend,
      reporter,
      shouldStop: () => stopSignal.stop,
      settings: {
        spec: specPath,
        ...Object.fromEntries([...overrides].map(([k, v]) => [`--set ${k}`, v])),
        batch: plan.batch,
        ...(plan.iters !== null ? { iters: plan.iters } : { epochs: plan.epochs ?? 1 }),
        "sample every": plan.sampleEvery,
        "checkpoint every": plan.checkpointEvery,
        ...plan.steps.reduce<Record<string, string>>((acc, st) => {
          acc[`step ${st.model}${st.repeat > 1 ? ` * ${st.repeat}` : ""}`] = st.text;
          acc[`optim ${st.model}`] = `adam(lr = ${st.optimizer.lr}, betas = (${st.optimizer.betas.join(", ")}), eps = ${st.optimizer.eps})`;
          return acc;
        }, {}),
      },
    });
    const f = summary.files;
    const again = [programName(), ...[...(positional[0] !== undefined ? [positional[0]] : []), "--out", out, "--resume"].map(shellWord)].join(" ");
    io.stdout(
      [
        `${summary.finished ? "finished" : "stopped"}: ${summary.iterations} of ${summary.total} iterations, ${summary.msPerIteration.toFixed(0)} ms per iteration on ${backend.name}`,
        `  samples     ${f.samples}`,
        ...f.plots.filter((p) => p.endsWith(".png")).map((p) => `  plot        ${join(out!, p.startsWith(out!) ? p.slice(out!.length + 1) : p)}`),
        `  report      ${f.report}`,
        `  checkpoint  ${f.checkpoint}`,
        `  log         ${f.log}`,
        ...(summary.finished ? [] : [`continue with: ${again}`]),
        "",
      ].join("\n"),
    );
    return summary.finished ? 0 : 130;
  } catch (e) {
    if (e instanceof NonFiniteError) {
      io.stderr(`gan-train: error: ${e.message}\n`);
      return 3;
    }
    if (e instanceof TrainError || e instanceof DataError || e instanceof CheckpointError) return usage(e.message);
    if (e instanceof Error && (e.name === "ImageGridError" || e.name === "MnistError")) return usage(e.message);
    throw e;
  } finally {
    reporter.stop();
    if (!signal) process.off("SIGINT", onSigint);
  }
}

/**
 * --data DIR on a spec whose data is implicitly grey (plain `mnist`): colour pictures would
 * be turned grey without anyone asking. Say so, with both fixes, before training starts.
 */
async function dataChannelProblem(dir: string, plan: TrainPlan): Promise<string | undefined> {
  const src = plan.data.source;
  if (src.kind === "colour" || src.channels !== 1 || src.channelsGiven || plan.data.lab) return undefined;
  const { listImages } = await import("../data/image-folder.ts");
  let paths: string[];
  try {
    paths = listImages(dir);
  } catch {
    return undefined; // the data stage reports a missing or empty folder
  }
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
