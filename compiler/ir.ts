// Checked models -> the IR (contracts/ir.ts): every layer with its known shapes, its
// attributes, its place in the equivalent nn.Sequential and its state_dict entries, which
// its kind's module says (compiler/layers/). Built only from a spec without errors.
import type { IrLayer, IrModel, IrSpec } from "../contracts/ir.ts";
import type { CheckedModel } from "./check.ts";
import type { CompileResult } from "./compile.ts";
import { opDef } from "./layers/index.ts";

export const IR_VERSION = 1;

const known = (s: readonly (number | null)[] | null): number[] => {
  if (s === null || s.some((d) => d === null)) throw new Error("IR requested for a model with unknown shapes");
  return s as number[];
};

function model(m: CheckedModel, result: CompileResult): IrModel {
  let index = 0;
  const layers = m.layers.map((l): IrLayer => {
    const def = opDef(l.op);
    const p = result.source.position(l.span.start);
    const i = def.module ? index++ : null;
    const { operands: _operands, ...attrs } = l.attrs as Record<string, IrLayer["attrs"][string]>;
    return {
      id: l.id,
      op: l.op,
      inputs: l.inputs,
      inShape: known(l.inShape),
      out: known(l.out),
      params: l.params ?? 0,
      index: i,
      attrs,
      state: i === null ? [] : def.state(attrs).map((s) => ({ ...s, key: `${i}.${s.name}` })),
      line: p.line,
      col: p.col,
      ...(l.name !== undefined ? { name: l.name } : {}),
      blocks: l.blocks,
    };
  });
  return {
    name: m.name,
    inputs: m.inputs.map((input, i) => ({ name: input.name, shape: known(input.shape), value: i, ...(m.labels?.[input.name] !== undefined ? { classes: m.labels[input.name]! } : {}) })),
    output: { value: m.outputValue ?? 0, shape: known(m.output) },
    ...(m.outputs ? { outputs: m.outputs.map((o) => ({ name: o.name, value: o.value, shape: known(o.shape) })) } : {}),
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
