// The checked IR: what the emitters and the runtime's interpreter get. Plain data, built
// only from a spec without errors, so every shape is known. Its JSON Schema is
// compiler/ir.schema.json; `gan-compile --emit ir` prints it; the emitter validates what it
// receives against the schema before emitting anything.
import type { CheckedLayer, CheckedModel } from "./check.ts";
import type { CompileResult } from "./compile.ts";

export const IR_VERSION = 1;

export type IrInit =
  | { readonly kind: "normal"; readonly mean: number; readonly std: number }
  | { readonly kind: "uniform"; readonly bound: number }
  | { readonly kind: "zeros" }
  | { readonly kind: "ones" };

export interface IrState {
  /** The state_dict key: "<index>.<local name>". */
  readonly key: string;
  readonly shape: readonly number[];
  readonly kind: "parameter" | "buffer";
  readonly dtype: "F32" | "I64";
  readonly init: IrInit;
}

export type IrOp = "conv" | "convT" | "linear" | "bn" | "relu" | "lrelu" | "tanh" | "sigmoid" | "dropout" | "flatten" | "reshape" | "upsample" | "cat";

export interface IrLayer {
  /** The value this layer produces (model inputs are values 0..n-1). */
  readonly id: number;
  readonly op: IrOp;
  readonly inputs: readonly number[];
  readonly inShape: readonly number[];
  readonly out: readonly number[];
  readonly params: number;
  /** Position in the equivalent nn.Sequential (its state_dict prefix); null for cat, flatten, reshape. */
  readonly index: number | null;
  readonly attrs: Readonly<Record<string, number | boolean | string | readonly number[]>>;
  readonly state: readonly IrState[];
  readonly line: number;
  readonly col: number;
  readonly name?: string;
  readonly blocks: readonly string[];
}

export interface IrModel {
  readonly name: string;
  readonly inputs: readonly { readonly name: string; readonly shape: readonly number[]; readonly value: number }[];
  readonly output: { readonly value: number; readonly shape: readonly number[] };
  readonly params: number;
  readonly layers: readonly IrLayer[];
}

export interface IrSpec {
  readonly irVersion: number;
  readonly file: string;
  readonly parameters: Readonly<Record<string, number>>;
  readonly models: readonly IrModel[];
}

const known = (s: readonly (number | null)[] | null): number[] => {
  if (s === null || s.some((d) => d === null)) throw new Error("IR requested for a model with unknown shapes");
  return s as number[];
};

/** Layers that are steps of forward() in PyTorch, not modules: no Sequential index. */
const NOT_A_MODULE = new Set(["cat", "flatten", "reshape"]);

function stateOf(l: CheckedLayer, index: number): IrState[] {
  const a = l.attrs;
  const key = (n: string) => `${index}.${n}`;
  const normal = (mean: number): IrInit => ({ kind: "normal", mean, std: 0.02 });
  switch (l.op) {
    case "conv":
    case "convT": {
      const inC = a["inChannels"] as number;
      const outC = a["outChannels"] as number;
      const [kh, kw] = a["kernel"] as number[];
      const fanIn = (l.op === "conv" ? inC : outC) * kh! * kw!;
      const weight = l.op === "conv" ? [outC, inC, kh!, kw!] : [inC, outC, kh!, kw!];
      return [
        { key: key("weight"), shape: weight, kind: "parameter", dtype: "F32", init: normal(0) },
        ...(a["bias"] ? [{ key: key("bias"), shape: [outC], kind: "parameter" as const, dtype: "F32" as const, init: { kind: "uniform" as const, bound: 1 / Math.sqrt(fanIn) } }] : []),
      ];
    }
    case "linear": {
      const inF = a["inFeatures"] as number;
      const outF = a["outFeatures"] as number;
      const init: IrInit = { kind: "uniform", bound: 1 / Math.sqrt(inF) };
      return [
        { key: key("weight"), shape: [outF, inF], kind: "parameter", dtype: "F32", init },
        ...(a["bias"] ? [{ key: key("bias"), shape: [outF], kind: "parameter" as const, dtype: "F32" as const, init }] : []),
      ];
    }
    case "bn": {
      const c = a["numFeatures"] as number;
      return [
        { key: key("weight"), shape: [c], kind: "parameter", dtype: "F32", init: normal(1) },
        { key: key("bias"), shape: [c], kind: "parameter", dtype: "F32", init: { kind: "zeros" } },
        { key: key("running_mean"), shape: [c], kind: "buffer", dtype: "F32", init: { kind: "zeros" } },
        { key: key("running_var"), shape: [c], kind: "buffer", dtype: "F32", init: { kind: "ones" } },
        { key: key("num_batches_tracked"), shape: [], kind: "buffer", dtype: "I64", init: { kind: "zeros" } },
      ];
    }
    default:
      return [];
  }
}

function model(m: CheckedModel, result: CompileResult): IrModel {
  let index = 0;
  const layers = m.layers.map((l): IrLayer => {
    const p = result.source.position(l.span.start);
    const i = NOT_A_MODULE.has(l.op) ? null : index++;
    const { operands: _operands, ...attrs } = l.attrs as Record<string, IrLayer["attrs"][string]>;
    return {
      id: l.id,
      op: l.op as IrOp,
      inputs: l.inputs,
      inShape: known(l.inShape),
      out: known(l.out),
      params: l.params ?? 0,
      index: i,
      attrs,
      state: i === null ? [] : stateOf(l, i),
      line: p.line,
      col: p.col,
      ...(l.name !== undefined ? { name: l.name } : {}),
      blocks: l.blocks,
    };
  });
  return {
    name: m.name,
    inputs: m.inputs.map((input, i) => ({ name: input.name, shape: known(input.shape), value: i })),
    output: { value: m.outputValue ?? 0, shape: known(m.output) },
    params: m.params,
    layers,
  };
}

export function buildIr(result: CompileResult): IrSpec {
  if (result.diagnostics.some((d) => d.severity === "error") || result.usageErrors.length > 0) {
    throw new Error("IR requested for a spec with errors");
  }
  const parameters: Record<string, number> = {};
  for (const [k, v] of result.parameters) if (v !== undefined) parameters[k] = v;
  return { irVersion: IR_VERSION, file: result.source.path, parameters, models: result.models.map((m) => model(m, result)) };
}

/**
 * The constructor arguments of a layer's runtime class, read from its IR attributes: the
 * one mapping that both the emitter (which prints it) and the runtime's interpreter (which
 * passes it) use, so generated classes and interpreted models cannot drift apart.
 */
export type LayerConfig =
  | { readonly cls: "Conv2d"; readonly config: { inChannels: number; outChannels: number; kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number]; bias: boolean } }
  | {
      readonly cls: "ConvTranspose2d";
      readonly config: { inChannels: number; outChannels: number; kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number]; outputPadding: [number, number]; bias: boolean };
    }
  | { readonly cls: "Linear"; readonly config: { inFeatures: number; outFeatures: number; bias: boolean } }
  | { readonly cls: "BatchNorm"; readonly config: { numFeatures: number; eps: number; momentum: number } };

export function layerConfig(l: IrLayer): LayerConfig | null {
  const a = l.attrs;
  const n = (k: string) => a[k] as number;
  const pair = (k: string): [number, number] => {
    const v = a[k] as readonly number[];
    return [v[0]!, v[1]!];
  };
  switch (l.op) {
    case "conv":
      return { cls: "Conv2d", config: { inChannels: n("inChannels"), outChannels: n("outChannels"), kernel: pair("kernel"), stride: pair("stride"), padding: pair("padding"), dilation: pair("dilation"), bias: a["bias"] as boolean } };
    case "convT":
      return {
        cls: "ConvTranspose2d",
        config: { inChannels: n("inChannels"), outChannels: n("outChannels"), kernel: pair("kernel"), stride: pair("stride"), padding: pair("padding"), dilation: pair("dilation"), outputPadding: pair("outputPadding"), bias: a["bias"] as boolean },
      };
    case "linear":
      return { cls: "Linear", config: { inFeatures: n("inFeatures"), outFeatures: n("outFeatures"), bias: a["bias"] as boolean } };
    case "bn":
      return { cls: "BatchNorm", config: { numFeatures: n("numFeatures"), eps: n("eps"), momentum: n("momentum") } };
    default:
      return null;
  }
}
