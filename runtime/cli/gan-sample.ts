// gan-sample: runs one model of a spec on given inputs or on latent noise, with weights
// from a safetensors file, and writes the output as a PNG grid or a safetensors file
// (tensor "output", PyTorch order NCHW). Exit status: 0 done, 1 errors in the spec,
// 2 usage, I/O or weights that do not fit the model.
import { readFileSync, writeFileSync } from "node:fs";
import yargs from "yargs";
import { compile } from "../../compiler/compile.ts";
import { renderDiagnostic } from "../../compiler/render.ts";
import { buildIr } from "../../compiler/ir.ts";
import { parseSetting } from "../../compiler/params.ts";
import { Rng } from "../random.ts";

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
}

const processIo: Io = { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s) };

class UsageError extends Error {}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let failure: string | undefined;
  let help = "";
  const parser = yargs([...argv])
    .scriptName("gan-sample")
    .usage(
      "$0 SPEC.gan --model G --weights FILE [--prefix P] [--by-order] [--set NAME=VALUE]...\n" +
        "     (--input FILE.safetensors[:TENSOR] | --noise N --seed S) [--train-mode] [--backend cpu|wasm] --out OUT.png|OUT.safetensors",
    )
    .options({
      model: { type: "string", demandOption: true, description: "Which model of the spec to run" },
      weights: { type: "string", demandOption: true, description: "A .safetensors file (a PyTorch state_dict)" },
      prefix: { type: "string", default: "", description: "Only tensors whose names start with this (e.g. G. or G.main.)" },
      "by-order": { type: "boolean", default: false, description: "Match tensors to the model by order instead of by name" },
      set: { type: "string", array: true, description: "Override a spec parameter (NAME=VALUE)" },
      input: { type: "string", array: true, description: "FILE.safetensors[:TENSOR], one per model input, NCHW" },
      noise: { type: "number", description: "Sample N latent vectors from N(0, 1)" },
      seed: { type: "number", default: 0, description: "Seed for --noise (and dropout with --train-mode)" },
      "train-mode": { type: "boolean", default: false, description: "Batch statistics and dropout, as in training" },
      backend: { type: "string", choices: ["cpu", "wasm"], default: "cpu", description: "TF.js backend: cpu, or wasm (faster for fully connected models)" },
      out: { type: "string", demandOption: true, description: "OUT.png (an image grid) or OUT.safetensors (tensor `output`)" },
    })
    .strictOptions()
    .version(false)
    .help()
    .exitProcess(false)
    .fail((msg: string | null, err: Error | undefined) => {
      failure = msg ?? err?.message ?? "bad arguments";
    });
  const args = await parser.parse([...argv], {}, (_e: unknown, _a: unknown, out: string) => {
    if (out) help = out;
  });
  if (help && !failure) {
    io.stdout(`${help}\n`);
    return 0;
  }
  const usage = (message: string): number => {
    io.stderr(`gan-sample: error: ${message}\n`);
    return 2;
  };
  if (failure) return usage(failure);
  const positional = args._.map(String);
  if (positional.length !== 1) return usage(positional.length === 0 ? "no spec given" : `one spec at a time, got ${positional.join(" ")}`);
  const specPath = positional[0]!;
  if ((args.input === undefined) === (args.noise === undefined)) return usage("give either --input FILE.safetensors[:TENSOR] or --noise N");
  const outPath = args.out;
  if (!/\.(png|safetensors)$/i.test(outPath)) return usage(`--out ${outPath}: write OUT.png or OUT.safetensors`);

  const overrides = new Map<string, number>();
  for (const raw of args.set ?? []) {
    const s = parseSetting(raw);
    if ("error" in s) return usage(`--set ${s.name || raw}: ${s.error}`);
    overrides.set(s.name, s.value);
  }
  let text: string;
  try {
    text = readFileSync(specPath, "utf8");
  } catch (e) {
    return usage(`cannot read ${specPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const result = compile(text, specPath, { overrides });
  for (const d of [...result.usageErrors, ...result.diagnostics]) io.stderr(`${renderDiagnostic(d, result.source, { color: false }, "gan-sample")}\n`);
  if (result.usageErrors.length > 0) return 2;
  if (result.diagnostics.some((d) => d.severity === "error")) return 1;
  const ir = buildIr(result);
  const irModel = ir.models.find((m) => m.name === args.model);
  if (!irModel) return usage(`--model ${args.model}: ${specPath} has no such model (it has ${ir.models.map((m) => m.name).join(", ")})`);

  const tf = await import("@tensorflow/tfjs");
  const { readSafetensors, writeSafetensors } = await import("../io/safetensors.ts");
  const { InterpretedModel } = await import("../nn/interpret.ts");
  const { loadStateDict } = await import("../nn/state-dict.ts");
  const { fromTorchOrder, toTorchOrder } = await import("../nn/functional.ts");
  const { startBackend } = await import("../backend.ts");
  const backend = await startBackend(args.backend as "cpu" | "wasm");
  io.stderr(`gan-sample: backend ${backend.name} (${backend.why})\n`);

  const readTensors = (file: string) => {
    try {
      return readSafetensors(readFileSync(file), file);
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  try {
    const model = new InterpretedModel(irModel, { seed: args.seed });
    try {
      loadStateDict(model, readTensors(args.weights), { prefix: args.prefix, byOrder: args["by-order"] });
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--weights ${args.weights}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const inputs: InstanceType<typeof tf.Tensor>[] = [];
    if (args.noise !== undefined) {
      const n = args.noise;
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--noise ${n}: give a whole number of samples, at least 1`);
      const rng = new Rng(args.seed);
      for (const input of irModel.inputs) {
        const shape = [n, ...input.shape];
        inputs.push(fromTorchOrder(tf.tensor(rng.fillNormal(shape.reduce((a, b) => a * b, 1), 0, 1), shape)));
      }
    } else {
      const specs = args.input ?? [];
      if (specs.length !== irModel.inputs.length) {
        throw new UsageError(`${irModel.name} has ${irModel.inputs.length} input(s) (${irModel.inputs.map((i) => i.name).join(", ")}); got ${specs.length} --input`);
      }
      specs.forEach((spec, i) => {
        const want = irModel.inputs[i]!;
        const colon = spec.lastIndexOf(":");
        const [file, name] = colon > 0 && !spec.slice(colon).includes("/") ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, undefined];
        const tensors = readTensors(file);
        const t = name === undefined ? (tensors.length === 1 ? tensors[0] : tensors.find((x) => x.name === want.name || x.name === "input")) : tensors.find((x) => x.name === name);
        if (!t) throw new UsageError(`--input ${spec}: no tensor ${name ?? `named ${want.name}`} (the file has ${tensors.map((x) => x.name).join(", ")})`);
        let shape = t.shape.length === want.shape.length ? [1, ...t.shape] : [...t.shape];
        const perSample = want.shape.reduce((a, b) => a * b, 1);
        if (shape.length !== want.shape.length + 1 && shape.length >= 2 && shape.slice(1).reduce((a, b) => a * b, 1) === perSample) {
          // A view, as PyTorch code does with x.view(-1, 784): same elements, same order.
          const viewed = [shape[0]!, ...want.shape];
          io.stderr(`gan-sample: viewing ${t.name} [${t.shape.join(", ")}] as [${viewed.join(", ")}]\n`);
          shape = viewed;
        }
        if (shape.length !== want.shape.length + 1 || want.shape.some((d, k) => shape[k + 1] !== d)) {
          throw new UsageError(`--input ${spec}: ${t.name} is [${t.shape.join(", ")}], but ${irModel.name}'s input ${want.name} is [N, ${want.shape.join(", ")}]`);
        }
        inputs.push(fromTorchOrder(tf.tensor(t.data, shape)));
      });
    }
    const out = tf.tidy(() => toTorchOrder(model.forwardAll(inputs, { training: args["train-mode"], rng: new Rng(args.seed + 1) })));
    const data = (await out.data()) as Float32Array;
    if (outPath.toLowerCase().endsWith(".png")) {
      const { writeGrid } = await import("../io/image-grid.ts");
      await writeGrid(outPath, { shape: out.shape, data });
    } else {
      writeFileSync(outPath, writeSafetensors([{ name: "output", shape: out.shape, data }]));
    }
    io.stderr(`gan-sample: ${irModel.name} -> [${out.shape.join(", ")}] written to ${outPath}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && e.name === "ImageGridError")) return usage(e.message);
    throw e;
  }
}
