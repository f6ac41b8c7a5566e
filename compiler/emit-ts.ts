// The TypeScript emitter (ts-morph): checked IR -> one module per model and an index.
// It decides nothing about shapes or errors: it validates the IR, then prints it, one
// line of TypeScript per layer with the PyTorch shape after it and the spec position.
import { Project, type SourceFile, StructureKind, VariableDeclarationKind } from "ts-morph";
import { namer } from "./emit-names.ts";
import { validateIr } from "./ir-validate.ts";
import { opDef } from "./layers/index.ts";
import type { ConfigValue } from "./layers/types.ts";
import type { IrLayer, IrModel, IrSpec } from "../contracts/ir.ts";

export interface EmitOptions {
  /**
   * The runtime folder as the generated files import it, relative to where they are written
   * ("../../runtime" for generated/NAME/; compiler/generate.ts works it out for any folder).
   */
  readonly runtime: string;
}

export interface EmittedFile {
  /** Relative to the output folder. */
  readonly path: string;
  readonly text: string;
}

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await abstract any as async boolean constructor declare get module require number set string symbol type from of undefined never unknown object bigint " +
    "tf Model Conv2d ConvTranspose2d Linear BatchNorm InstanceNorm GroupNorm LayerNorm SelfAttention Embedding onehot expand scale Gain Dropout Dropout2d ForwardOptions ModelOptions relu tanh sigmoid softmax lrelu flatten reshape2 reshape3 reshape4 upsample pad2d avgpool maxpool cat addValues mulValues opts inputs spec"
  ).split(" "),
);

/** A spec name as a safe TypeScript identifier (names are already [A-Za-z_][A-Za-z0-9_]*). */
export function identifier(name: string): string {
  return RESERVED.has(name) ? `${name}_` : name;
}

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;
/** A batch of values of this shape; [] is a class label, one whole number per example. */
const tensorType = (s: readonly number[]) => (s.length === 3 ? "tf.Tensor4D" : s.length === 2 ? "tf.Tensor3D" : s.length === 0 ? "tf.Tensor1D" : "tf.Tensor2D");

/** A constructor or call argument as source text: `0.2`, `[4, 4]`, `"bilinear"`. */
function value(v: ConfigValue): string {
  return Array.isArray(v) ? `[${v.join(", ")}]` : typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** An object literal as source text: `{ inChannels: 3, kernel: [4, 4], bias: false }`. */
function literal(config: Readonly<Record<string, ConfigValue>>): string {
  return `{ ${Object.entries(config).map(([k, v]) => `${k}: ${value(v)}`).join(", ")} }`;
}

function emitModel(project: Project, spec: IrSpec, m: IrModel, folder: string, options: EmitOptions): SourceFile {
  const className = identifier(m.name);
  const file = project.createSourceFile(`${folder}/${m.name}.ts`, "", { overwrite: true });
  const settings = Object.entries(spec.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const used = new Set<string>(["Model", "type ForwardOptions", "type ModelOptions"]);
  const fields: { name: string; initializer: string; doc: string }[] = [];
  const names = new Map<number, string>();
  const local = namer(identifier);
  for (const input of m.inputs) names.set(input.value, local(input.name));
  // Each value's last use (its index in m.layers): it is disposed right after, so that a
  // training forward holds only what the backward pass saved (as PyTorch frees a tensor
  // when its last reference goes). Model inputs belong to the caller, outputs to it.
  const lastUse = new Map<number, number>();
  m.layers.forEach((l, i) => l.inputs.forEach((v) => lastUse.set(v, i)));
  const kept = new Set<number>([...m.inputs.map((i) => i.value), m.output.value, ...(m.outputs ?? []).map((o) => o.value)]);
  const dead = new Map<number, number[]>();
  for (const [v, i] of lastUse) if (!kept.has(v)) dead.set(i, [...(dead.get(i) ?? []), v]);
  const lines: string[] = [];
  for (const [i, l] of m.layers.entries()) {
    const ins = l.inputs.map((v) => names.get(v) ?? `v${v}`);
    const out = local(l.name ?? `v${l.id}`);
    names.set(l.id, out);
    const at = `${spec.file}:${l.line}:${l.col}`;
    const def = opDef(l.op);
    const form = def.ts;
    let expr: string;
    switch (form.kind) {
      case "module": {
        used.add(form.cls);
        const field = `l${l.index}`;
        fields.push({
          name: field,
          initializer: `this.add("${l.index}", new ${form.cls}(${literal(form.config(l.attrs))}, this.rng))`,
          doc: `${def.describe(l.attrs, l.inShape)} at ${at}; state_dict keys "${l.index}.*"`,
        });
        const opts = typeof form.takesOpts === "function" ? form.takesOpts(l.attrs) : form.takesOpts;
        expr = `this.${field}.forward(${ins[0]}${opts ? ", opts" : ""})`;
        break;
      }
      case "mode": {
        used.add(form.cls);
        const field = `l${l.index}`;
        fields.push({ name: field, initializer: `new ${form.cls}(${value(form.arg(l.attrs))})`, doc: `${def.describe(l.attrs, l.inShape)} at ${at}` });
        expr = `this.${field}.forward(${ins[0]}, opts)`;
        break;
      }
      case "call": {
        const fn = form.fn(l.attrs, l.out);
        used.add(fn);
        expr = `${fn}(${[...ins, ...form.args(l.attrs, l.out).map(value)].join(", ")})`;
        break;
      }
    }
    lines.push(`const ${out} = ${expr}; // ${shapeText(l.out)}  ${l.line}:${l.col}`);
    const free = (dead.get(i) ?? []).map((v) => names.get(v) ?? `v${v}`);
    if (free.length > 0) {
      used.add("release");
      lines.push(`release(${free.join(", ")});`);
    }
  }
  const result = names.get(m.output.value) ?? m.inputs[0]!.name;
  const outputs = m.outputs ?? [];
  lines.push(m.outputs ? `return [${outputs.map((o) => names.get(o.value) ?? m.inputs[0]!.name).join(", ")}];` : `return ${result};`);
  const outText = m.outputs ? `(${outputs.map((o) => `${o.name}: ${shapeText(o.shape)}`).join(", ")})` : shapeText(m.output.shape);

  file.addImportDeclaration({ moduleSpecifier: "@tensorflow/tfjs", namespaceImport: "tf", isTypeOnly: true });
  file.addImportDeclaration({
    moduleSpecifier: `${options.runtime}/nn/index.ts`,
    namedImports: [...used].sort((a, b) => a.replace("type ", "").localeCompare(b.replace("type ", ""))),
  });
  file.insertStatements(0, [
    `// Generated by gan-compile from ${spec.file}${settings ? ` (${settings})` : ""}.`,
    "// Do not edit: `npm run generate` rewrites this file from the spec.",
  ]);

  const inputList = m.inputs.map((i) => `${i.name}: ${i.classes !== undefined ? `label(${i.classes})` : shapeText(i.shape)}`).join(", ");
  const cls = file.addClass({
    name: className,
    isExported: true,
    extends: "Model",
    docs: [
      `${m.name}(${inputList}) -> ${outText}: ${m.params.toLocaleString("en-US")} parameters.\n` +
        "Shapes are PyTorch's ([C, H, W], batch left out); the tensors themselves are channels-last\n" +
        "(a batch of [C, H, W] images is [N, H, W, C]).",
    ],
  });
  cls.addProperty({ name: "spec", isStatic: true, isReadonly: true, initializer: `${JSON.stringify(spec.file)}` });
  cls.addProperty({
    name: "inputShapes",
    isStatic: true,
    isReadonly: true,
    initializer: `{ ${m.inputs.map((i) => `${i.name}: ${shapeText(i.shape)}`).join(", ")} } as const`,
  });
  cls.addProperty({ name: "outputShape", isStatic: true, isReadonly: true, initializer: `${shapeText(m.output.shape)} as const` });
  if (m.outputs) {
    cls.addProperty({
      name: "outputShapes",
      isStatic: true,
      isReadonly: true,
      docs: ["Every output's shape, by name, in the order forward returns them."],
      initializer: `{ ${outputs.map((o) => `${identifier(o.name) === o.name ? o.name : JSON.stringify(o.name)}: ${shapeText(o.shape)}`).join(", ")} } as const`,
    });
  }
  cls.addProperty({ name: "parameterCount", isStatic: true, isReadonly: true, initializer: String(m.params) });
  cls.addConstructor({
    parameters: [{ name: "options", type: "ModelOptions", initializer: "{}" }],
    statements: ["super(options);"],
  });
  // Layer fields: one per layer with state or a mode, in the order they run.
  for (const f of fields) cls.addProperty({ name: f.name, isReadonly: true, initializer: f.initializer, docs: [f.doc] });
  const params = m.inputs.map((i) => ({ name: names.get(i.value)!, type: tensorType(i.shape) }));
  cls.addMethod({
    name: "forward",
    docs: [`${m.inputs.map((i) => `${i.name}: ${shapeText(i.shape)}`).join(", ")} -> ${outText}`],
    parameters: [...params, { name: "opts", type: "ForwardOptions", initializer: "{ training: false }" }],
    returnType: m.outputs ? `[${outputs.map((o) => tensorType(o.shape)).join(", ")}]` : tensorType(m.output.shape),
    statements: lines,
  });
  const call = `this.forward(${params.map((p, i) => `inputs[${i}] as ${p.type}`).join(", ")}, opts)`;
  // Model's entry points: the inputs as a list, in the header's order
  const listed = [
    { name: "inputs", type: "readonly tf.Tensor[]" },
    { name: "opts", type: "ForwardOptions" },
  ];
  cls.addMethod({ name: "forwardAll", parameters: listed, returnType: "tf.Tensor", statements: [`return ${call}${m.outputs ? "[0]" : ""};`] });
  if (m.outputs) cls.addMethod({ name: "forwardOutputs", parameters: listed, returnType: "tf.Tensor[]", hasOverrideKeyword: true, statements: [`return ${call};`] });
  return file;
}

/**
 * Validates the IR and emits every model's module plus index.ts, which exports the model
 * classes, `models` (them by name, in the spec's order), `spec` (the file and the parameter
 * values the code was generated with) and, with a training section, `steps` and `training`.
 */
export function emitTypeScript(spec: IrSpec, options: EmitOptions, hasTraining: boolean): EmittedFile[] {
  validateIr(JSON.parse(JSON.stringify(spec)));
  const project = new Project({ useInMemoryFileSystem: true });
  const files = spec.models.map((m) => emitModel(project, spec, m, "/out", options));
  const index = project.createSourceFile("/out/index.ts", "", { overwrite: true });
  const classes = spec.models.map((m) => identifier(m.name));
  index.addStatements([
    `// Generated by gan-compile from ${spec.file}. Do not edit: \`npm run generate\` rewrites it.`,
    ...spec.models.map((m) => `import { ${identifier(m.name)} } from "./${m.name}.ts";`),
    "",
    `export { ${classes.join(", ")} };`,
    ...(hasTraining ? ['export { steps, training } from "./train.ts";'] : []),
  ]);
  index.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["The models by name, in the order the spec defines them."],
    declarations: [{ name: "models", initializer: `{ ${spec.models.map((m) => (identifier(m.name) === m.name ? m.name : `${m.name}: ${identifier(m.name)}`)).join(", ")} } as const` }],
    kind: StructureKind.VariableStatement,
  });
  index.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["The spec and the parameter values this code was generated with."],
    declarations: [
      {
        name: "spec",
        initializer: `${JSON.stringify({ file: spec.file, parameters: spec.parameters })} as const`,
      },
    ],
    kind: StructureKind.VariableStatement,
  });
  return [...files, index].map((f) => ({ path: f.getFilePath().replace(/^\/out\//, ""), text: f.getFullText() }));
}
