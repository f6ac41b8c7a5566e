// Weights in and out, by PyTorch's state_dict names or by order.
//  - by name: the model's keys ("3.weight"), each looked up as PREFIX + key (or as
//    PREFIX + "main." + key when the file keeps the layers in one submodule, as the
//    seeds' `self.main = nn.Sequential(...)` does);
//  - by order (--by-order): the file's tensors under PREFIX, in the order its header lists
//    them, must have the model's shapes in the model's order (PyTorch's registration
//    order); num_batches_tracked entries may be present or absent on either side.
// A mismatch is an error listing the first offending names and shapes.
import * as tf from "@tensorflow/tfjs";
import type { NamedTensor } from "../io/safetensors.ts";
import type { Model, NamedState } from "./model.ts";

export class StateDictError extends Error {}

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const isCounter = (name: string) => name.endsWith("num_batches_tracked");

/** The model's state by its PyTorch names, read from the backend (asynchronously: a GPU is not blocked). */
export async function stateDict(model: Model): Promise<NamedTensor[]> {
  const state = model.state();
  const data = await Promise.all(state.map((s) => s.variable.data() as Promise<Float32Array>));
  return state.map((s, i) => ({
    name: s.key,
    shape: s.variable.shape,
    data: data[i]!,
    ...(s.dtype === "I64" ? { dtype: "I64" as const } : {}),
  }));
}

export interface LoadOptions {
  readonly prefix?: string;
  readonly byOrder?: boolean;
}

function assign(s: NamedState, t: NamedTensor): void {
  tf.tidy(() => s.variable.assign(tf.tensor(t.data, [...s.variable.shape], "float32")));
}

export function loadStateDict(model: Model, tensors: readonly NamedTensor[], options: LoadOptions = {}): void {
  const prefix = options.prefix ?? "";
  const state = model.state();
  const mine = tensors.filter((t) => t.name.startsWith(prefix));
  if (mine.length === 0) {
    const seen = tensors.slice(0, 5).map((t) => t.name).join(", ");
    throw new StateDictError(`no tensor in the file starts with "${prefix}" (the file has: ${seen}${tensors.length > 5 ? ", ..." : ""})`);
  }
  if (options.byOrder) {
    const want = state.filter((s) => !isCounter(s.key));
    const have = mine.filter((t) => !isCounter(t.name));
    const problems: string[] = [];
    for (let i = 0; i < Math.max(want.length, have.length) && problems.length < 5; i++) {
      const w = want[i];
      const h = have[i];
      if (!w) problems.push(`extra tensor #${i + 1} ${h!.name} ${shapeText(h!.shape)}`);
      else if (!h) problems.push(`missing tensor #${i + 1} for ${w.key} ${shapeText(w.variable.shape)}`);
      else if (!sameShape(w.variable.shape, h.shape)) problems.push(`#${i + 1}: ${h.name} is ${shapeText(h.shape)}, but ${w.key} is ${shapeText(w.variable.shape)}`);
    }
    if (problems.length > 0) throw new StateDictError(`the file's tensors do not match the model by order: ${problems.join("; ")}`);
    want.forEach((w, i) => assign(w, have[i]!));
    const counters = mine.filter((t) => isCounter(t.name));
    const myCounters = state.filter((s) => isCounter(s.key));
    if (counters.length === myCounters.length) myCounters.forEach((c, i) => assign(c, counters[i]!));
    return;
  }
  const problems = nameProblems(state, mine, prefix);
  if (problems.length > 0) {
    // A model kept in a submodule (`self.main = nn.Sequential(...)`, saved as main.0.weight):
    // when every name has one more leading part and the rest match, take them.
    const first = mine[0]!.name.slice(prefix.length).split(".")[0]!;
    const wrapped = `${prefix}${first}.`;
    if (!/^\d+$/.test(first) && mine.every((t) => t.name.startsWith(wrapped)) && nameProblems(state, mine, wrapped).length === 0) {
      assignByName(state, mine, wrapped);
      return;
    }
    throw new StateDictError(
      `the weights do not match the model by name: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? `; and ${problems.length - 5} more` : ""} (try --by-order, or --prefix)`,
    );
  }
  assignByName(state, mine, prefix);
}

function nameProblems(state: readonly NamedState[], mine: readonly NamedTensor[], prefix: string): string[] {
  const byName = new Map(mine.map((t) => [t.name.slice(prefix.length), t]));
  const problems: string[] = [];
  for (const s of state) {
    const t = byName.get(s.key);
    if (!t) {
      if (!isCounter(s.key)) problems.push(`missing ${prefix}${s.key} ${shapeText(s.variable.shape)}`);
    } else if (!sameShape(t.shape, s.variable.shape)) {
      problems.push(`${prefix}${s.key} is ${shapeText(t.shape)}, but the model's is ${shapeText(s.variable.shape)}`);
    }
    byName.delete(s.key);
  }
  for (const [name, t] of byName) problems.push(`unexpected ${prefix}${name} ${shapeText(t.shape)}`);
  return problems;
}

function assignByName(state: readonly NamedState[], mine: readonly NamedTensor[], prefix: string): void {
  const all = new Map(mine.map((t) => [t.name.slice(prefix.length), t]));
  for (const s of state) {
    const t = all.get(s.key);
    if (t) assign(s, t);
  }
}
