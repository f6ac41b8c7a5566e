// gan-sample: runs one model of a spec on given inputs, on latent noise or on a walk through
// latent space, with weights from a safetensors file or from a gan-train run folder
// (--checkpoint RUN_DIR: its spec.gan, --set values and last checkpoint), and writes the
// output as a PNG grid or a safetensors file (tensor "output", PyTorch order NCHW).
// Exit status: 0 done, 1 errors in the spec, 2 usage, I/O or weights that do not fit the model.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import yargs from "yargs";
import { buildIr } from "../compiler/ir.ts";
import type { TrainPlan } from "../contracts/train-plan.ts";
import { Rng } from "../runtime/random.ts";
import { RunFolder } from "../runtime/train/run-folder.ts";
import { readRunRecord, RunRecordError } from "../runtime/train/run-record.ts";
import { loadCode, loadCodeTemporarily } from "./code.ts";
import { CliError, EXIT_OK, type Io, loadSpec, parseSets, printError, processIo } from "./common.ts";
import { type FlagTable, yargsOptions } from "./flags.ts";
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
  noise: { type: "number", min: 1, description: "Sample N latent vectors from N(0, 1)" },
  seed: { type: "number", default: 0, description: "Seed for --noise (and dropout with --train-mode)" },
  interpolate: { type: "string", description: "S1,S2[,S3...]: walk between the noise of these seeds (each drawn as --noise 1 --seed S), one row per pair" },
  steps: { type: "number", description: "Points per row of --interpolate, ends included (default 8, at least 2)" },
  slerp: { type: "boolean", default: false, description: "Spherical instead of linear interpolation (for Gaussian latents)" },
  "train-mode": { type: "boolean", default: false, description: "Batch statistics and dropout, as in training" },
  backend: { type: "string", choices: ["cpu", "wasm"], default: "cpu", description: "TF.js backend: cpu, or wasm (faster for fully connected models)" },
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

async function sample(argv: readonly string[], io: Io): Promise<number> {
  const parser = yargs([...argv])
    .scriptName("gan-sample")
    .usage(
      "$0 SPEC.gan --model G --weights FILE [--prefix P] [--by-order] [--set NAME=VALUE]... INPUTS [--train-mode] [--backend cpu|wasm] --out OUT.png|OUT.safetensors\n" +
        "$0 --checkpoint RUN_DIR [--model G] INPUTS [--train-mode] [--backend cpu|wasm] --out OUT.png|OUT.safetensors\n" +
        "  INPUTS: --input FILE.safetensors[:TENSOR]... | --noise N [--seed S] | --interpolate S1,S2[,S3...] [--steps K] [--slerp]",
    )
    .options(yargsOptions(FLAGS));
  const cli = await parseArgv(parser, argv, PROGRAM);
  if (cli.error !== undefined) throw usage(cli.error);
  if (cli.help !== undefined) {
    io.stdout(`${cli.help}\n`);
    return EXIT_OK;
  }
  const args = cli.args as unknown as {
    _: unknown[];
    checkpoint?: string;
    model?: string;
    weights?: string;
    prefix?: string;
    "by-order": boolean;
    set?: string[];
    input?: string[];
    noise?: number;
    seed: number;
    interpolate?: string;
    steps?: number;
    slerp: boolean;
    "train-mode": boolean;
    backend: string;
    out: string;
  };
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
  let walk: { seeds: number[]; steps: number } | undefined;
  if (args.interpolate !== undefined) {
    if (args.noise !== undefined || args.input !== undefined) throw usage(`--interpolate walks between noise vectors of its own; drop ${args.noise !== undefined ? "--noise" : "--input"}`);
    const seeds = parseSeeds(args.interpolate);
    if (typeof seeds === "string") throw usage(`--interpolate ${args.interpolate}: ${seeds}`);
    const steps = args.steps ?? 8;
    if (!Number.isInteger(steps) || steps < 2) throw usage(`--steps ${steps}: give a whole number of points per row, at least 2 (the two ends)`);
    walk = { seeds, steps };
  } else {
    if (args.steps !== undefined || args.slerp) throw usage(`${args.steps !== undefined ? "--steps" : "--slerp"} goes with --interpolate S1,S2[,...]`);
    if ((args.input === undefined) === (args.noise === undefined)) throw usage("give either --input FILE.safetensors[:TENSOR] or --noise N (or --interpolate S1,S2)");
  }
  const outPath = args.out;
  if (!/\.(png|safetensors)$/i.test(outPath)) throw usage(`--out ${outPath}: write OUT.png or OUT.safetensors`);

  // With --checkpoint: the run folder's spec, settings and checkpoint.
  let specPath: string;
  let runSettings: Record<string, number> = {};
  let runPlan: TrainPlan | null = null;
  let run: RunFolder | undefined;
  if (runDir !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(runDir).isDirectory();
    } catch {
      throw usage(`--checkpoint ${runDir}: no such folder (give the run folder gan-train --out wrote)`);
    }
    if (!isDir) throw usage(`--checkpoint ${runDir}: not a folder (give the run folder gan-train --out wrote)`);
    run = new RunFolder(runDir);
    const missing = [run.spec, run.record, run.checkpoint].filter((f) => !existsSync(f)).map((f) => f.slice(runDir.length).replace(/^[\\/]/, ""));
    if (missing.length > 0) throw usage(`--checkpoint ${runDir}: no ${missing.join(", no ")} in it; it is not a gan-train run folder (or the run has not written a checkpoint yet)`);
    specPath = run.spec;
    try {
      const record = readRunRecord(runDir);
      runSettings = { ...record.set };
      runPlan = record.plan;
    } catch (e) {
      if (!(e instanceof RunRecordError)) throw e;
      throw usage(`--checkpoint ${runDir}: cannot read ${e.message}`);
    }
  } else {
    specPath = positional[0]!;
  }

  const givenSet = parseSets(args.set ?? []);
  const overrides = new Map<string, number>([...Object.entries(runSettings), ...givenSet]);
  const spec = loadSpec(io, PROGRAM, specPath, overrides);
  if (typeof spec === "number") return spec;
  const result = spec.result;
  const ir = buildIr(result);
  let modelName = args.model;
  if (modelName === undefined) {
    const plan = result.train ?? runPlan;
    const found = plan === null ? undefined : generatorOf(plan, ir.models);
    if (found === undefined) throw usage(`--checkpoint ${runDir}: cannot tell which model is the generator; give --model (one of ${ir.models.map((m) => m.name).join(", ")})`);
    modelName = found.model;
    io.stderr(`gan-sample: --model ${modelName} (${found.why})\n`);
  }
  const irModel = ir.models.find((m) => m.name === modelName);
  if (!irModel) throw usage(`--model ${modelName}: ${specPath} has no such model (it has ${ir.models.map((m) => m.name).join(", ")})`);
  const prefix = args.prefix ?? (run !== undefined ? `${irModel.name}.` : "");
  // The generated model: the run's own code (RUN/generated/, written again if missing), or,
  // for a spec or other --set values, the code compiled on the fly.
  const code = run !== undefined && givenSet.size === 0 ? await loadCode(result, run.generated) : await loadCodeTemporarily(result);
  const ModelClass = code.models[irModel.name]!;

  const tf = await import("@tensorflow/tfjs");
  const { readSafetensors, writeSafetensors } = await import("../runtime/io/safetensors.ts");
  const { loadStateDict } = await import("../runtime/nn/state-dict.ts");
  const { fromTorchOrder, toTorchOrder } = await import("../runtime/nn/functional.ts");
  const { startBackend } = await import("../runtime/backend.ts");
  const backend = await startBackend(args.backend as "cpu" | "wasm");
  io.stderr(`gan-sample: backend ${backend.name} (${backend.why})\n`);

  const readTensors = (file: string) => {
    try {
      return readSafetensors(readFileSync(file), file);
    } catch (e) {
      throw usage(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  {
    const model = new ModelClass({ seed: args.seed });
    if (run !== undefined) {
      const checkpointPath = run.checkpoint;
      const { readCheckpointInfo } = await import("../runtime/train/checkpoint.ts");
      let tensors;
      let iteration: number;
      try {
        const { info, bytes } = readCheckpointInfo(checkpointPath);
        iteration = info.iteration;
        tensors = readSafetensors(bytes, checkpointPath);
      } catch (e) {
        throw new CliError("CheckpointProblem", [`--checkpoint ${runDir}: ${e instanceof Error ? e.message : String(e)}`]);
      }
      try {
        loadStateDict(model, tensors, { prefix, byOrder: args["by-order"] });
      } catch (e) {
        throw new CliError("WeightsDoNotFit", [`--checkpoint ${runDir}: ${checkpointPath} does not fit ${irModel.name} of ${specPath}: ${e instanceof Error ? e.message : String(e)}`]);
      }
      io.stderr(`gan-sample: ${irModel.name} from ${checkpointPath}, iteration ${iteration}\n`);
    } else {
      const weights = args.weights!;
      try {
        loadStateDict(model, readTensors(weights), { prefix, byOrder: args["by-order"] });
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError("WeightsDoNotFit", [`--weights ${weights}: ${e instanceof Error ? e.message : String(e)}`]);
      }
    }
    const inputs: InstanceType<typeof tf.Tensor>[] = [];
    let perRow = 8;
    if (walk !== undefined) {
      for (const z of latentWalk(walk.seeds, irModel.inputs.map((i) => i.shape), walk.steps, args.slerp)) inputs.push(fromTorchOrder(tf.tensor(z.data, z.shape)));
      perRow = walk.steps;
      io.stderr(`gan-sample: ${args.slerp ? "spherical" : "linear"} walk through seeds ${walk.seeds.join(", ")}, ${walk.steps} points per row\n`);
    } else if (args.noise !== undefined) {
      const n = args.noise;
      if (!Number.isInteger(n) || n < 1) throw usage(`--noise ${n}: give a whole number of samples, at least 1`);
      const rng = new Rng(args.seed);
      for (const input of irModel.inputs) {
        const shape = [n, ...input.shape];
        inputs.push(fromTorchOrder(tf.tensor(rng.fillNormal(shape.reduce((a, b) => a * b, 1), 0, 1), shape)));
      }
    } else {
      const specs = args.input ?? [];
      if (specs.length !== irModel.inputs.length) {
        throw usage(`${irModel.name} has ${irModel.inputs.length} input(s) (${irModel.inputs.map((i) => i.name).join(", ")}); got ${specs.length} --input`);
      }
      specs.forEach((spec, i) => {
        const want = irModel.inputs[i]!;
        const colon = spec.lastIndexOf(":");
        const [file, name] = colon > 0 && !spec.slice(colon).includes("/") ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, undefined];
        const tensors = readTensors(file);
        const t = name === undefined ? (tensors.length === 1 ? tensors[0] : tensors.find((x) => x.name === want.name || x.name === "input")) : tensors.find((x) => x.name === name);
        if (!t) throw usage(`--input ${spec}: no tensor ${name ?? `named ${want.name}`} (the file has ${tensors.map((x) => x.name).join(", ")})`);
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
        inputs.push(fromTorchOrder(tf.tensor(t.data, shape)));
      });
    }
    const out = tf.tidy(() => toTorchOrder(model.forwardAll(inputs, { training: args["train-mode"], rng: new Rng(args.seed + 1) })));
    const data = (await out.data()) as Float32Array;
    if (outPath.toLowerCase().endsWith(".png")) {
      const { writeGrid } = await import("../runtime/io/image-grid.ts");
      await writeGrid(outPath, { shape: out.shape, data }, perRow);
    } else {
      writeFileSync(outPath, writeSafetensors([{ name: "output", shape: out.shape, data }]));
    }
    io.stderr(`gan-sample: ${irModel.name} -> [${out.shape.join(", ")}] written to ${outPath}\n`);
    return EXIT_OK;
  }
}
