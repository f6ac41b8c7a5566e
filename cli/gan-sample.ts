// gan-sample: runs one model of a spec on given inputs, on latent noise or on a walk through
// latent space, with weights from a safetensors file or from a gan-train run folder
// (--checkpoint RUN_DIR: its spec.gan, --set values and last checkpoint), and writes the
// output as a PNG grid or a safetensors file (tensor "output", PyTorch order NCHW).
// Exit status: 0 done, 1 errors in the spec, 2 usage, I/O or weights that do not fit the model.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type * as tf from "@tensorflow/tfjs";
import yargs from "yargs";
import type { CompileResult } from "../compiler/compile.ts";
import { buildIr } from "../compiler/ir.ts";
import type { IrModel } from "../contracts/ir.ts";
import type { NamedTensor } from "../runtime/io/safetensors.ts";
import type { Model } from "../runtime/nn/model.ts";
import type { TrainPlan } from "../contracts/train-plan.ts";
import { Rng } from "../runtime/random.ts";
import { RunFolder } from "../runtime/train/run-folder.ts";
import { readRunRecord, RunRecordError } from "../runtime/train/run-record.ts";
import { loadCode, loadCodeTemporarily } from "./code.ts";
import { CliError, EXIT_OK, type Io, loadSpec, parseSets, printError, processIo, startBackendOrFail } from "./common.ts";
import { checkFlags, type FlagTable, yargsOptions } from "./flags.ts";
import { parseArgv } from "./parse-argv.ts";
import { generatorOf, latentWalk, parseSeeds } from "./sample-latent.ts";

export type { Io };

const PROGRAM = "gan-sample";

/** gan-sample's flags (yargs's options and --help come from here). */
export const FLAGS = {
  checkpoint: { type: "string", description: "A gan-train run folder: its generated code, --set values and checkpoints/last.safetensors (instead of SPEC and --weights)" },
  model: { type: "string", description: "Which model of the spec to run (with --checkpoint: the generator unless given)" },
  weights: { type: "string", description: "A .safetensors file (a PyTorch state_dict)" },
  prefix: { type: "string", description: "Only tensors whose names start with this (e.g. G. or G.main.; with --checkpoint: MODEL.)" },
  "by-order": { type: "boolean", default: false, description: "Match tensors to the model by order instead of by name" },
  set: { type: "string", array: true, description: "Override a spec parameter (NAME=VALUE; with --checkpoint, on top of the run's)" },
  input: { type: "string", array: true, description: "FILE.safetensors[:TENSOR], one per model input, NCHW" },
  noise: { type: "number", min: 1, description: "Sample N latent vectors from N(0, 1) (a model that takes class labels: N per class, a row per class)" },
  class: { type: "string", description: "K[,K...]: the classes a model that takes labels is asked for (default: every class)" },
  raw: { type: "boolean", default: false, description: "With --checkpoint: the model's own weights, not its average (`ema` in the training section)" },
  seed: { type: "number", default: 0, description: "Seed for --noise (and dropout with --train-mode)" },
  interpolate: { type: "string", description: "S1,S2[,S3...]: walk between the noise of these seeds (each drawn as --noise 1 --seed S), one row per pair" },
  steps: { type: "number", description: "Points per row of --interpolate, ends included (default 8, at least 2)" },
  slerp: { type: "boolean", default: false, description: "Spherical instead of linear interpolation (for Gaussian latents)" },
  "train-mode": { type: "boolean", default: false, description: "Batch statistics and dropout, as in training" },
  backend: { type: "string", choices: ["cpu", "wasm", "webgpu"], default: "cpu", description: "TF.js backend: cpu, wasm (faster for fully connected models) or webgpu (a GPU; npm run webgpu installs it)" },
  out: { type: "string", required: true, description: "OUT.png (an image grid) or OUT.safetensors (tensor `output`)" },
} as const satisfies FlagTable;

const usage = (message: string) => new CliError("Usage", [message]);

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    return await sample(argv, io);
  } catch (e) {
    if (e instanceof CliError) return printError(io, PROGRAM, e);
    if (e instanceof Error && e.name === "ImageGridError") return printError(io, PROGRAM, usage(e.message));
    throw e;
  }
}

type Args = {
  _: unknown[];
  checkpoint?: string;
  model?: string;
  weights?: string;
  prefix?: string;
  "by-order": boolean;
  set?: string[];
  input?: string[];
  noise?: number;
  class?: string;
  raw: boolean;
  seed: number;
  interpolate?: string;
  steps?: number;
  slerp: boolean;
  "train-mode": boolean;
  backend: string;
  out: string;
};

/** What the model runs on: latent walks, noise, or tensors from files. */
type Inputs = { kind: "walk"; seeds: number[]; steps: number } | { kind: "noise"; n: number } | { kind: "files"; specs: string[] };

async function sample(argv: readonly string[], io: Io): Promise<number> {
  const cli = await commandLine(argv, io);
  if (typeof cli === "number") return cli;
  const { args, inputs } = cli;
  const source = sourceOf(args);
  const givenSet = parseSets(args.set ?? []);
  const spec = loadSpec(io, PROGRAM, source.specPath, new Map([...Object.entries(source.runSettings), ...givenSet]));
  if (typeof spec === "number") return spec;
  const irModel = chooseModel(io, args, spec.result, source);
  // The generated model: the run's own code (RUN/generated/, written again if missing), or,
  // for a spec or other --set values, the code compiled on the fly.
  const code = source.run !== undefined && givenSet.size === 0 ? await loadCode(spec.result, source.run.generated) : await loadCodeTemporarily(spec.result);
  const backend = await startBackendOrFail(args.backend);
  io.stderr(`gan-sample: backend ${backend.name} (${backend.why})\n`);
  const model = new code.models[irModel.name]!({ seed: args.seed });
  await loadWeights(io, args, model, irModel.name, source);
  const { tensors, perRow } = await inputTensors(io, args, inputs, irModel, classesOf(args, irModel));
  await writeOutput(io, args, model, tensors, perRow, irModel.name);
  return EXIT_OK;
}

// --- the steps of sample ----------------------------------------------------------------------

async function commandLine(argv: readonly string[], io: Io): Promise<{ args: Args; inputs: Inputs } | number> {
  const parser = yargs([...argv])
    .scriptName(PROGRAM)
    .usage(
      "$0 SPEC.gan --model G --weights FILE [--prefix P] [--by-order] [--set NAME=VALUE]... INPUTS [--train-mode] [--backend cpu|wasm|webgpu] --out OUT.png|OUT.safetensors\n" +
        "$0 --checkpoint RUN_DIR [--model G] INPUTS [--train-mode] [--backend cpu|wasm|webgpu] --out OUT.png|OUT.safetensors\n" +
        "  INPUTS: --input FILE.safetensors[:TENSOR]... | --noise N [--seed S] | --interpolate S1,S2[,S3...] [--steps K] [--slerp]",
    )
    .options(yargsOptions(FLAGS));
  const cli = await parseArgv(parser, argv, PROGRAM);
  if (cli.error !== undefined) throw usage(cli.error);
  if (cli.help !== undefined) {
    io.stdout(`${cli.help}\n`);
    return EXIT_OK;
  }
  const args = cli.args as unknown as Args;
  checkFlags(FLAGS, args as never);
  const positional = args._.map(String);
  const runDir = args.checkpoint;
  if (runDir !== undefined) {
    if (positional.length > 0) throw usage(`--checkpoint ${runDir} takes the spec from the run folder; drop ${positional.join(" ")} (or give SPEC.gan --weights FILE instead of --checkpoint)`);
    if (args.weights !== undefined) throw usage("--checkpoint RUN_DIR and --weights FILE are alternatives: give one");
  } else {
    if (positional.length !== 1) throw usage(positional.length === 0 ? "no spec given (give SPEC.gan, or --checkpoint RUN_DIR)" : `one spec at a time, got ${positional.join(" ")}`);
    if (args.model === undefined) throw usage("no --model given: which model of the spec to run");
    if (args.weights === undefined) throw usage("no --weights given: a .safetensors file (or --checkpoint RUN_DIR instead of a spec)");
  }
  if (!/\.(png|safetensors)$/i.test(args.out)) throw usage(`--out ${args.out}: write OUT.png or OUT.safetensors`);
  if (args.interpolate !== undefined) {
    if (args.noise !== undefined || args.input !== undefined) throw usage(`--interpolate walks between noise vectors of its own; drop ${args.noise !== undefined ? "--noise" : "--input"}`);
    const seeds = parseSeeds(args.interpolate);
    if (typeof seeds === "string") throw usage(`--interpolate ${args.interpolate}: ${seeds}`);
    const steps = args.steps ?? 8;
    if (!Number.isInteger(steps) || steps < 2) throw usage(`--steps ${steps}: give a whole number of points per row, at least 2 (the two ends)`);
    return { args, inputs: { kind: "walk", seeds, steps } };
  }
  if (args.steps !== undefined || args.slerp) throw usage(`${args.steps !== undefined ? "--steps" : "--slerp"} goes with --interpolate S1,S2[,...]`);
  if ((args.input === undefined) === (args.noise === undefined)) throw usage("give either --input FILE.safetensors[:TENSOR] or --noise N (or --interpolate S1,S2)");
  return { args, inputs: args.noise !== undefined ? { kind: "noise", n: args.noise } : { kind: "files", specs: args.input ?? [] } };
}

interface Source {
  readonly specPath: string;
  /** With --checkpoint: the run folder, its --set values and its training section. */
  readonly run?: RunFolder;
  readonly runSettings: Readonly<Record<string, number>>;
  readonly runPlan: TrainPlan | null;
}

/** The spec to compile: the run folder's (with --checkpoint), else the one given. */
function sourceOf(args: Args): Source {
  const runDir = args.checkpoint;
  if (runDir === undefined) return { specPath: String(args._[0]), runSettings: {}, runPlan: null };
  let isDir = false;
  try {
    isDir = statSync(runDir).isDirectory();
  } catch {
    throw usage(`--checkpoint ${runDir}: no such folder (give the run folder gan-train --out wrote)`);
  }
  if (!isDir) throw usage(`--checkpoint ${runDir}: not a folder (give the run folder gan-train --out wrote)`);
  const run = new RunFolder(runDir);
  const missing = [run.spec, run.record, run.checkpoint].filter((f) => !existsSync(f)).map((f) => f.slice(runDir.length).replace(/^[\\/]/, ""));
  if (missing.length > 0) throw usage(`--checkpoint ${runDir}: no ${missing.join(", no ")} in it; it is not a gan-train run folder (or the run has not written a checkpoint yet)`);
  try {
    const record = readRunRecord(runDir);
    return { specPath: run.spec, run, runSettings: { ...record.set }, runPlan: record.plan };
  } catch (e) {
    if (!(e instanceof RunRecordError)) throw e;
    throw usage(`--checkpoint ${runDir}: cannot read ${e.message}`);
  }
}

/** --model, or with --checkpoint the run's generator. */
function chooseModel(io: Io, args: Args, result: CompileResult, source: Source): IrModel {
  const ir = buildIr(result);
  let modelName = args.model;
  if (modelName === undefined) {
    const plan = result.train ?? source.runPlan;
    const found = plan === null ? undefined : generatorOf(plan, ir.models);
    if (found === undefined) throw usage(`--checkpoint ${args.checkpoint}: cannot tell which model is the generator; give --model (one of ${ir.models.map((m) => m.name).join(", ")})`);
    modelName = found.model;
    io.stderr(`gan-sample: --model ${modelName} (${found.why})\n`);
  }
  const irModel = ir.models.find((m) => m.name === modelName);
  if (!irModel) throw usage(`--model ${modelName}: ${source.specPath} has no such model (it has ${ir.models.map((m) => m.name).join(", ")})`);
  return irModel;
}

async function readTensors(file: string): Promise<NamedTensor[]> {
  const { readSafetensors } = await import("../runtime/io/safetensors.ts");
  try {
    return readSafetensors(readFileSync(file), file);
  } catch (e) {
    throw usage(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The run's checkpoint (with --checkpoint) or --weights into `model`. */
async function loadWeights(io: Io, args: Args, model: Model, name: string, source: Source): Promise<void> {
  const { loadStateDict } = await import("../runtime/nn/state-dict.ts");
  const prefix = args.prefix ?? (source.run !== undefined ? `${name}.` : "");
  const load = (tensors: readonly NamedTensor[], what: string, from = prefix) => {
    try {
      loadStateDict(model, tensors, { prefix: from, byOrder: args["by-order"] });
    } catch (e) {
      throw new CliError("WeightsDoNotFit", [`${what}: ${e instanceof Error ? e.message : String(e)}`]);
    }
  };
  if (source.run === undefined) {
    load(await readTensors(args.weights!), `--weights ${args.weights}`);
    return;
  }
  const { readSafetensors } = await import("../runtime/io/safetensors.ts");
  const { readCheckpointInfo } = await import("../runtime/train/checkpoint.ts");
  const path = source.run.checkpoint;
  let tensors: NamedTensor[];
  let iteration: number;
  try {
    const { info, bytes } = readCheckpointInfo(path);
    iteration = info.iteration;
    tensors = readSafetensors(bytes, path);
  } catch (e) {
    throw new CliError("CheckpointProblem", [`--checkpoint ${args.checkpoint}: ${e instanceof Error ? e.message : String(e)}`]);
  }
  // The averaged weights where the run keeps an average of the model (`ema G = 0.999`), as its sample grids.
  const average = !args.raw && args.prefix === undefined && tensors.some((t) => t.name.startsWith(`ema.${name}.`));
  if (average) load(tensors, `--checkpoint ${args.checkpoint}: the average of ${name} in ${path} does not fit ${source.specPath}`, `ema.${name}.`);
  else load(tensors, `--checkpoint ${args.checkpoint}: ${path} does not fit ${name} of ${source.specPath}`);
  io.stderr(`gan-sample: ${name} from ${path}, iteration ${iteration}${average ? ` (its average, as the run's samples; --raw for its own weights)` : ""}\n`);
}

/** --class for a model that takes class labels: the classes asked for (every class by default); null for other models. */
function classesOf(args: Args, irModel: IrModel): number[] | null {
  const input = irModel.inputs.find((i) => i.classes !== undefined);
  if (input === undefined) {
    if (args.class !== undefined) throw usage(`--class ${args.class}: ${irModel.name} takes no class labels (its inputs: ${irModel.inputs.map((i) => i.name).join(", ")})`);
    return null;
  }
  const n = input.classes!;
  if (args.class === undefined) return Array.from({ length: n }, (_, k) => k);
  const out: number[] = [];
  for (const part of String(args.class).split(",")) {
    const k = Number(part.trim());
    if (!/^\d+$/.test(part.trim()) || k >= n) throw usage(`--class ${args.class}: ${JSON.stringify(part.trim())} is not a class of ${irModel.name}'s \`${input.name}\` (0 to ${n - 1})`);
    out.push(k);
  }
  return out;
}

/** The model's inputs as channels-last tensors, and how many go in a grid row. */
async function inputTensors(io: Io, args: Args, inputs: Inputs, irModel: IrModel, classes: number[] | null): Promise<{ tensors: tf.Tensor[]; perRow: number }> {
  const tfjs = await import("@tensorflow/tfjs");
  const { fromTorchOrder } = await import("../runtime/nn/functional.ts");
  const tensors: tf.Tensor[] = [];
  const labelsInput = irModel.inputs.findIndex((i) => i.classes !== undefined);
  if (inputs.kind === "walk") {
    // the walk in the noise inputs; a label input gets the first class asked for
    const shapes = irModel.inputs.map((i) => i.shape);
    const walked = latentWalk(inputs.seeds, shapes.filter((_, k) => k !== labelsInput), inputs.steps, args.slerp);
    const n = walked[0]?.shape[0] ?? 0;
    let w = 0;
    irModel.inputs.forEach((_, k) => {
      if (k === labelsInput) tensors.push(tfjs.tensor1d(new Int32Array(n).fill(classes![0]!), "int32"));
      else {
        const z = walked[w++]!;
        tensors.push(fromTorchOrder(tfjs.tensor(z.data, z.shape)));
      }
    });
    io.stderr(`gan-sample: ${args.slerp ? "spherical" : "linear"} walk through seeds ${inputs.seeds.join(", ")}, ${inputs.steps} points per row${labelsInput >= 0 ? `, class ${classes![0]}` : ""}\n`);
    return { tensors, perRow: inputs.steps };
  }
  if (inputs.kind === "noise") {
    const rng = new Rng(args.seed);
    // a model that takes labels: N samples of each class asked for, a row per class
    const count = classes ? inputs.n * classes.length : inputs.n;
    irModel.inputs.forEach((input, k) => {
      if (k === labelsInput) {
        tensors.push(tfjs.tensor1d(Int32Array.from({ length: count }, (_, i) => classes![Math.floor(i / inputs.n)]!), "int32"));
        return;
      }
      const shape = [count, ...input.shape];
      tensors.push(fromTorchOrder(tfjs.tensor(rng.fillNormal(shape.reduce((a, b) => a * b, 1), 0, 1), shape)));
    });
    if (classes) io.stderr(`gan-sample: ${inputs.n} per class, a row for each of class${classes.length > 1 ? "es" : ""} ${classes.join(", ")}\n`);
    return { tensors, perRow: classes ? inputs.n : 8 };
  }
  const specs = inputs.specs;
  if (specs.length !== irModel.inputs.length) {
    throw usage(`${irModel.name} has ${irModel.inputs.length} input(s) (${irModel.inputs.map((i) => i.name).join(", ")}); got ${specs.length} --input`);
  }
  for (const [i, spec] of specs.entries()) {
    const want = irModel.inputs[i]!;
    const colon = spec.lastIndexOf(":");
    const [file, name] = colon > 0 && !spec.slice(colon).includes("/") ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, undefined];
    const found = await readTensors(file);
    const t = name === undefined ? (found.length === 1 ? found[0] : found.find((x) => x.name === want.name || x.name === "input")) : found.find((x) => x.name === name);
    if (!t) throw usage(`--input ${spec}: no tensor ${name ?? `named ${want.name}`} (the file has ${found.map((x) => x.name).join(", ")})`);
    let shape = t.shape.length === want.shape.length ? [1, ...t.shape] : [...t.shape];
    const perSample = want.shape.reduce((a, b) => a * b, 1);
    if (shape.length !== want.shape.length + 1 && shape.length >= 2 && shape.slice(1).reduce((a, b) => a * b, 1) === perSample) {
      // A view, as PyTorch code does with x.view(-1, 784): same elements, same order.
      const viewed = [shape[0]!, ...want.shape];
      io.stderr(`gan-sample: viewing ${t.name} [${t.shape.join(", ")}] as [${viewed.join(", ")}]\n`);
      shape = viewed;
    }
    if (shape.length !== want.shape.length + 1 || want.shape.some((d, k) => shape[k + 1] !== d)) {
      throw usage(`--input ${spec}: ${t.name} is [${t.shape.join(", ")}], but ${irModel.name}'s input ${want.name} is [N, ${want.shape.join(", ")}]`);
    }
    tensors.push(fromTorchOrder(tfjs.tensor(t.data, shape)));
  }
  return { tensors, perRow: 8 };
}

/** Runs the model and writes its output: a PNG grid, or safetensors with tensor `output`. */
async function writeOutput(io: Io, args: Args, model: Model, inputs: tf.Tensor[], perRow: number, name: string): Promise<void> {
  const tfjs = await import("@tensorflow/tfjs");
  const { toTorchOrder } = await import("../runtime/nn/functional.ts");
  const { writeSafetensors } = await import("../runtime/io/safetensors.ts");
  const out = tfjs.tidy(() => toTorchOrder(model.forwardAll(inputs, { training: args["train-mode"], rng: new Rng(args.seed + 1) })));
  const data = (await out.data()) as Float32Array;
  if (args.out.toLowerCase().endsWith(".png")) {
    const { writeGrid } = await import("../runtime/io/image-grid.ts");
    await writeGrid(args.out, { shape: out.shape, data }, perRow);
  } else {
    writeFileSync(args.out, writeSafetensors([{ name: "output", shape: out.shape, data }]));
  }
  io.stderr(`gan-sample: ${name} -> [${out.shape.join(", ")}] written to ${args.out}\n`);
}
