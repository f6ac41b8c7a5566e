// gan-eval: the quality score of a run folder (either engine's): its models from the
// checkpoint, n samples of the training section's sample value, FLD and KID against the
// MNIST test digits (or a relative KID for other data), as runtime/eval/quality.ts
// computes them during training.
//
//   gan-eval RUN [--n 10000] [--checkpoint FILE] [--seed S] [--batch B] [--backend auto|cpu|wasm|webgpu] [--json]
import { existsSync, statSync } from "node:fs";
import yargs from "yargs";
import { RunFolder } from "../runtime/train/run-folder.ts";
import { readRunRecord, RunRecordError } from "../runtime/train/run-record.ts";
import { loadCode } from "./code.ts";
import { CliError, EXIT_OK, type Io, loadSpec, printError, processIo, startBackendOrFail } from "./common.ts";
import { checkFlags, type FlagTable, type FlagValues, yargsOptions } from "./flags.ts";
import { parseArgv } from "./parse-argv.ts";

const PROGRAM = "gan-eval";

export const FLAGS = {
  n: { type: "number", min: 2, description: "Samples to score (default 10,000; 100 when each sample needs a real input)" },
  checkpoint: { type: "string", description: "A checkpoint of the run's spec (default RUN/checkpoints/last.safetensors)" },
  seed: { type: "number", min: 0, max: 4294967295, description: "Seed of the samples' noise (default: the run's; the same noise as its scores during training)" },
  batch: { type: "number", min: 1, description: "Samples per forward pass (default: the run's batch; BatchNorm uses batch statistics)" },
  backend: { type: "string", choices: ["auto", "cpu", "wasm", "webgpu"], default: "auto", description: "TF.js backend" },
  json: { type: "boolean", description: "Print the score as JSON" },
} as const satisfies FlagTable;

type Flags = FlagValues<typeof FLAGS> & { _: unknown[] };

const usage = (message: string) => new CliError("Usage", [message]);

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    return await evaluate(argv, io);
  } catch (e) {
    if (e instanceof CliError) return printError(io, PROGRAM, e);
    throw e;
  }
}

async function evaluate(argv: readonly string[], io: Io): Promise<number> {
  const parser = yargs([...argv])
    .scriptName(PROGRAM)
    .usage("$0 RUN [--n N] [--checkpoint FILE] [--seed S] [--batch B] [--backend auto|cpu|wasm|webgpu] [--json]\n\nThe quality score (FLD and KID on MNIST, else a relative KID) of a gan-train run folder.")
    .options(yargsOptions(FLAGS));
  const cli = await parseArgv(parser, argv, PROGRAM);
  if (cli.error !== undefined) throw usage(cli.error);
  if (cli.help !== undefined) {
    io.stdout(`${cli.help}\n`);
    return EXIT_OK;
  }
  const flags = cli.args as unknown as Flags;
  checkFlags(FLAGS, flags as never);
  const positional = flags._.map(String);
  if (positional.length !== 1) throw usage(positional.length === 0 ? "no run folder given (the folder gan-train --out wrote)" : `one run folder at a time, got ${positional.join(" ")}`);
  const dir = positional[0]!;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw usage(`${dir}: no such folder (give the run folder gan-train --out wrote)`);
  const run = new RunFolder(dir);
  const checkpoint = flags.checkpoint ?? run.checkpoint;
  const missing = [run.spec, run.record, checkpoint].filter((f) => !existsSync(f));
  if (missing.length > 0) throw usage(`${dir}: no ${missing.join(", no ")}; it is not a gan-train run folder (or the run has not written a checkpoint yet)`);
  let record;
  try {
    record = readRunRecord(dir);
  } catch (e) {
    if (e instanceof RunRecordError) throw usage(`${dir}: cannot read ${e.message}`);
    throw e;
  }
  const spec = loadSpec(io, PROGRAM, run.spec, new Map(Object.entries(record.set)));
  if (typeof spec === "number") return spec;
  const code = await loadCode(spec.result, run.generated);
  if (code.training === undefined) throw usage(`${run.spec} has no train: section, so its samples are not defined`);
  const training = code.training;

  const [{ openDataset }, checkpoints, quality] = await Promise.all([
    import("../runtime/data/dataset.ts"),
    import("../runtime/train/checkpoint.ts"),
    import("../runtime/eval/quality.ts"),
  ]);
  const backend = await startBackendOrFail(flags.backend ?? "auto");
  io.stderr(`${PROGRAM}: backend ${backend.name}\n`);
  const models = Object.fromEntries(Object.entries(code.models).map(([name, Cls]) => [name, new Cls({ seed: 0 })]));
  // the averages the run keeps (`ema G = 0.999`): its samples and scores use them, so these do
  const { Ema, withAverages } = await import("../runtime/train/ema.ts");
  const averages = (training.ema ?? []).map((a) => new Ema(a.model, a.decay, new code.models[a.model]!({ seed: 0 }), models[a.model]!, a.start));
  let iteration: number;
  try {
    const file = checkpoints.readCheckpointInfo(checkpoint);
    iteration = checkpoints.loadCheckpoint(file, models, {}, checkpoints.architectureFingerprint(checkpoints.modelsArchitecture(models)), { averages }).iteration;
  } catch (e) {
    throw new CliError("CheckpointProblem", [`${checkpoint}: ${e instanceof Error ? e.message : String(e)}`]);
  }
  let dataset;
  try {
    dataset = await openDataset(training.data, { ...(record.data !== null ? { dataDir: record.data } : {}), warn: (m) => io.stderr(`${PROGRAM}: warning: ${m}\n`) });
  } catch (e) {
    throw new CliError("DataProblem", [e instanceof Error ? e.message : String(e)]);
  }
  const n = flags.n ?? (quality.defaultEvalCount(training) === 100 ? 100 : 10000);
  const t0 = performance.now();
  if (averages.length > 0) io.stderr(`${PROGRAM}: the average of ${averages.map((a) => a.model).join(", ")} (as the run's samples)\n`);
  const score = await quality.evaluateRun(training, dataset, withAverages(models, averages), { seed: flags.seed ?? record.seed, batch: flags.batch ?? record.batch, n }, {});
  if (typeof score === "string") throw usage(`${dir}: no quality score: ${score}`);
  const seconds = (performance.now() - t0) / 1000;
  for (const m of Object.values(models)) m.dispose();
  if (flags.json) io.stdout(`${JSON.stringify({ run: dir, checkpoint, iteration, ...score, seconds: Number(seconds.toFixed(2)) })}\n`);
  else io.stdout(`${dir} (iteration ${iteration}): ${quality.describeScore(score)}; ${seconds.toFixed(1)} s\n`);
  return EXIT_OK;
}
