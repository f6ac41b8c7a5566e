// The training-loop emitter (ts-morph): a checked TrainPlan -> NAME/train.ts: one function
// per named value and per step of the `train:` section, in plain TypeScript over
// runtime/train/round.ts, and `training` (runtime/train/training.ts): those functions with
// the facts code does not carry (data pipeline, noise shapes, optimizer and length
// settings), which is what gan-train runs. The seed-000 rules live in Round, so the emitted
// code is right by construction: a step differentiates its own model only, a named value
// reaches another model's step detached, logged numbers are plain numbers.
import { IndentationText, Project, VariableDeclarationKind } from "ts-morph";
import type { IrSpec } from "../contracts/ir.ts";
import type { TrainBinding, TrainLoss, TrainPlan, TrainValue } from "../contracts/train-plan.ts";
import type { EmitOptions, EmittedFile } from "./emit-ts.ts";
import { localBase, namer } from "./emit-names.ts";
import { modelsOf, optimizerSettings, partNames, samplePlan, scheduleText, scoreNames, stepTerms, valueText as text } from "./train-plan.ts";

const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await tf r optimizer steps training bce bceWithLogits cat l1 mse crossEntropy hinge meanOf softplusMean loss scores".split(" "),
);

const safe = (name: string) => (RESERVED.has(name) ? `${name}_` : name);
const str = (s: string) => JSON.stringify(s);

/** A value as an expression over the round `r`. */
function expr(v: TrainValue, fnName: (binding: string) => string): string {
  switch (v.kind) {
    case "data":
    case "noise":
      return `r.input(${str(v.name)})`;
    case "ref":
      return `${fnName(v.name)}(r)`;
    case "call":
      return `r.${v.outputs ? "callAll" : "call"}(${str(v.model)}, [${v.args.map((a) => expr(a, fnName)).join(", ")}])`;
    case "cat":
      return `cat([${v.items.map((a) => expr(a, fnName)).join(", ")}])`;
    case "output":
      return `${fnName(v.of)}(r)[${v.index}]!`;
    case "neg":
      return `${expr(v.value, fnName)}.neg()`;
    case "pool":
      return `r.pool(${str(v.name)}, ${expr(v.value, fnName)})`;
  }
}

/** A step's function name: `stepD`, `stepG_A_G_B` for `step G_A, G_B`. */
export function stepFunctionName(st: { readonly models: readonly string[] }): string {
  return `step${st.models.join("_")}`;
}

/** A plain value as a TypeScript literal, on one line: `{ kind: "mnist", size: 64 }`. */
function literal(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(literal).join(", ")}]`;
  if (v !== null && typeof v === "object") {
    return `{ ${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : str(k)}: ${literal(x)}`)
      .join(", ")} }`;
  }
  return typeof v === "string" ? str(v) : String(v);
}

export function emitTrain(spec: IrSpec, plan: TrainPlan, options: EmitOptions): EmittedFile {
  const project = new Project({ useInMemoryFileSystem: true, manipulationSettings: { indentationText: IndentationText.FourSpaces } });
  const file = project.createSourceFile("/out/train.ts", "", { overwrite: true });
  const used = new Set<string>();
  const usedNn = new Set<string>();
  const fnName_ = namer(safe, plan.steps.map(stepFunctionName));
  // `src, cls = D(real)`: the call's function is named after it (`D_real`)
  const fnNames = new Map(plan.bindings.map((b) => [b.name, fnName_(b.outputs ? localBase(text(b.value)) : b.name)]));
  const fnName = (b: string) => fnNames.get(b)!;
  const track = (e: string) => {
    if (e.includes("cat([")) used.add("cat");
    return e;
  };

  const bindingFns = plan.bindings.map((b: TrainBinding) => {
    const runs = modelsOf(b.value, plan.bindings).join(", ") || "no model";
    if (b.value.kind === "output") {
      return {
        name: fnName(b.name),
        isExported: true,
        docs: [`\`${b.name}\`: ${text(b.value)}, output ${b.value.index} of \`${b.value.of} = ...\` (runs ${runs}).`],
        parameters: [{ name: "r", type: "Round" }],
        returnType: "tf.Tensor",
        statements: [`return ${expr(b.value, fnName)};`],
      };
    }
    return {
      name: fnName(b.name),
      isExported: true,
      docs: [`\`${b.name} = ${text(b.value)}\`: computed once per round (runs ${runs})${b.outputs ? "; every output of the model, in order" : ""}.`],
      parameters: [{ name: "r", type: "Round" }],
      returnType: b.outputs ? "tf.Tensor[]" : "tf.Tensor",
      statements: [`return r.value(${str(b.name)}, ${JSON.stringify(modelsOf(b.value, plan.bindings))}, () => ${track(expr(b.value, fnName))});`],
    };
  });

  const stepFns = plan.steps.map((st) => {
    const lines: string[] = [];
    const named = namer(safe, [...fnNames.values(), ...plan.steps.map(stepFunctionName)]);
    const local = (text: string) => named(localBase(text));
    const scores: string[] = [];
    const scored = new Set<string>();
    const penalty = (l: TrainLoss & { kind: "penalty" }): string => {
      const real = local(text(l.real));
      lines.push(`const ${real} = ${track(expr(l.real, fnName))};`);
      let fake = "null";
      if (l.fake) {
        fake = local(text(l.fake));
        lines.push(`const ${fake} = ${track(expr(l.fake, fnName))};`);
      }
      const name = local(`${l.fn}_${l.model}`);
      lines.push(`const ${name} = r.penalty(${str(l.fn)}, ${str(l.model)}, ${real}, ${fake}); // ${l.fn === "gp" ? "(||grad D(x)|| - 1)^2 at x between real and fake" : "||grad D(real)||^2"}`);
      return name;
    };
    const leaf = (l: TrainLoss & { kind: "loss" }): string => {
      const input = local(text(l.input));
      lines.push(`const ${input} = ${track(expr(l.input, fnName))}; // [N${l.input.shape.map((d) => `, ${d}`).join("")}]`);
      const target = l.target === null ? "" : typeof l.target === "number" ? String(l.target) : track(expr(l.target, fnName));
      const name = local(`${l.fn}_${text(l.input)}`);
      let call: string;
      switch (l.fn) {
        case "ce":
          used.add("crossEntropy");
          call = `crossEntropy(${input}, ${target}${l.probabilities ? ", true" : ""})`;
          break;
        case "hinge":
          used.add("hinge");
          call = `hinge(${input}, ${target})`;
          break;
        case "mean":
          used.add("meanOf");
          call = `meanOf(${input})`;
          break;
        case "softplus":
          used.add("softplusMean");
          call = `softplusMean(${input})`;
          break;
        case "bce":
          used.add("bce");
          call = `bce(${input}, ${target})`;
          break;
        case "bce_logits":
          used.add("bceWithLogits");
          call = `bceWithLogits(${input}, ${target})`;
          break;
        case "l1":
          used.add("l1");
          call = `l1(${input}, ${target})`;
          break;
        case "mse":
          used.add("mse");
          call = `mse(${input}, ${target})`;
          break;
      }
      lines.push(`const ${name} = ${call};`);
      // The score columns are scoreNames(st): one per bce / bce_logits input, first one kept.
      if (l.fn === "bce" || l.fn === "bce_logits") {
        const key = `${st.model}:${text(l.input)}`;
        if (!scored.has(key)) {
          scored.add(key);
          if (l.fn === "bce_logits") usedNn.add("sigmoid");
          scores.push(`${str(key)}: ${l.fn === "bce_logits" ? `sigmoid(${input})` : input}`);
        }
      }
      return name;
    };
    const combine = (l: TrainLoss): string => {
      switch (l.kind) {
        case "loss":
          return leaf(l);
        case "penalty":
          return penalty(l);
        case "sum": {
          const parts = l.terms.map(combine);
          return parts.slice(1).reduce((acc, p) => `${acc}.add(${p})`, parts[0]!);
        }
        case "scale": {
          const inner = combine(l.loss);
          if (l.factor === -1) return `${inner.includes(".") ? `(${inner})` : inner}.neg()`;
          return `${inner.includes(".") ? `(${inner})` : inner}.mul(${l.factor})`;
        }
      }
    };
    // `part_` columns: each term of a sum (partNames), the first of equal texts
    // each term of a sum once, named: the loss is their sum, the log shows each
    const sum = stepTerms(st, combine, local, (name, e, text) => lines.push(`const ${name} = ${e}; // ${text}`));
    const parts = (sum?.parts ?? []).map(([text, name]) => `${str(text)}: ${name}`);
    const total = sum ? sum.terms.slice(1).reduce((acc, p) => `${acc}.add(${p})`, sum.terms[0]!) : combine(st.loss);
    const frozen = spec.models.map((m) => m.name).filter((m) => !st.models.includes(m));
    const frozenText = frozen.length === 0 ? "" : frozen.length === 1 ? `: ${frozen[0]} stays as it is` : `: ${frozen.join(", ")} stay as they are`;
    const whose = st.models.length === 1 ? `${st.model}'s` : `${st.models.join(" and ")}'s`;
    const extra = [st.optimizer.clip !== undefined ? `, weights clipped to [-${st.optimizer.clip}, ${st.optimizer.clip}] after each update` : "", st.optimizer.schedule ? `, ${scheduleText(st.optimizer.schedule)}` : ""].join("");
    return {
      name: stepFunctionName(st),
      isExported: true,
      docs: [
        `${whose} step (spec line ${st.line}): ${st.text}\n` +
          `Adam(lr = ${st.optimizer.lr}, betas = (${st.optimizer.betas.join(", ")}), eps = ${st.optimizer.eps})${extra}${st.repeat > 1 ? `, ${st.repeat} times per iteration` : ""}.\n` +
          `Gradients of ${whose} parameters only${frozenText}.`,
      ],
      parameters: [
        { name: "r", type: "Round" },
        { name: "optimizer", type: "Adam" },
      ],
      returnType: "StepResult",
      statements: [
        `return r.step(${st.models.length === 1 ? str(st.model) : `[${st.models.map(str).join(", ")}]`}, optimizer, () => {`,
        ...lines.map((l) => `    ${l}`),
        `    return { loss: ${total} as tf.Scalar, scores: { ${scores.join(", ")} }${parts.length > 0 ? `, parts: { ${parts.join(", ")} }` : ""} };`,
        "});",
      ],
    };
  });

  // Types only from TF.js (the file may be anywhere, e.g. a run folder outside the package);
  // every value comes from the runtime.
  file.addImportDeclaration({ moduleSpecifier: "@tensorflow/tfjs", namespaceImport: "tf", isTypeOnly: true });
  if (used.size > 0) file.addImportDeclaration({ moduleSpecifier: `${options.runtime}/nn/functional.ts`, namedImports: [...used].sort() });
  if (usedNn.size > 0) file.addImportDeclaration({ moduleSpecifier: `${options.runtime}/nn/index.ts`, namedImports: [...usedNn].sort() });
  file.addImportDeclaration({ moduleSpecifier: `${options.runtime}/optim/adam.ts`, namedImports: ["type Adam"] });
  file.addImportDeclaration({ moduleSpecifier: `${options.runtime}/train/round.ts`, namedImports: ["type Round", "type StepResult"] });
  file.addImportDeclaration({ moduleSpecifier: `${options.runtime}/train/training.ts`, namedImports: ["type StepFn", "type Training"] });
  file.insertStatements(0, [
    `// Generated by gan-compile from ${spec.file} (its train: section). Do not edit: \`npm run generate\` rewrites it.`,
    "//",
    "// One iteration runs `steps` in order. Each step differentiates its own model's parameters",
    "// only (another model's weights never move in it), named values reach a step that does not",
    "// train them as constants (PyTorch's .detach()), and the numbers a step logs are plain",
    "// numbers read after it: the rules of runtime/train/round.ts. `training` is what gan-train",
    "// runs (runtime/train/trainer.ts is the loop around it).",
  ]);
  for (const f of bindingFns) file.addFunction(f);
  for (const f of stepFns) file.addFunction(f);
  const stepEntry = (st: TrainPlan["steps"][number]) =>
    `    { model: ${str(st.model)}, models: ${literal(st.models)}, repeat: ${st.repeat}, text: ${str(st.text)}, optimizer: ${literal(optimizerSettings(st.optimizer))}, scores: ${literal(scoreNames(st))}, parts: ${literal(partNames(st))}, run: ${stepFunctionName(st)} },`;
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["The steps of one iteration, in order."],
    declarations: [{ name: "steps", type: "readonly StepFn[]", initializer: `[\n${plan.steps.map(stepEntry).join("\n")}\n]` }],
  });
  const { line: _line, col: _col, ...data } = plan.data;
  const settings = { batch: plan.batch, epochs: plan.epochs, iters: plan.iters, sampleEvery: plan.sampleEvery, checkpointEvery: plan.checkpointEvery, logEvery: plan.logEvery, ...(plan.evalEvery !== undefined ? { evalEvery: plan.evalEvery } : {}) };
  const pools = plan.bindings.flatMap((b) => (b.value.kind === "pool" ? [{ name: b.value.name, size: b.value.size }] : []));
  file.addStatements("");
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["The training section as the trainer runs it: these steps and values, on this data and noise."],
    declarations: [
      {
        name: "training",
        type: "Training",
        initializer: [
          "{",
          `    data: ${literal(data)},`,
          `    noise: ${literal(plan.noise)},`,
          `    values: { ${plan.bindings.filter((b) => !b.outputs).map((b) => (fnName(b.name) === b.name ? b.name : `${str(b.name)}: ${fnName(b.name)}`)).join(", ")} },`,
          `    sample: ${literal(samplePlan(plan))},`,
          "    steps,",
          `    settings: ${literal(settings)},`,
          ...(pools.length > 0 ? [`    pools: ${literal(pools)},`] : []),
          ...(plan.ema ? [`    ema: ${literal(plan.ema)},`] : []),
          "}",
        ].join("\n"),
      },
    ],
  });
  file.formatText({ indentSize: 4, convertTabsToSpaces: true });
  return { path: "train.ts", text: file.getFullText() };
}
