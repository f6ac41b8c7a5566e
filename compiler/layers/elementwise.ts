// add(a, b, ...) and mul(a, b, ...): element-wise sum and product of named values of one
// shape (a residual `x + f(x)` is add(x, h); a gate is mul(a, b)). Like cat they combine
// values rather than transform the one before them, so the checker infers them itself
// (compiler/check.ts); what is here is what the IR, its schema and the emitters need.
import type { LayerDef } from "./types.ts";

function combiner(name: "add" | "mul", op: string, fn: string, pytorch: string): LayerDef {
  return {
    name,
    signature: `${name}(a, b, ...)`,
    pytorch,
    schema: {},
    infer: () => {
      throw new Error(`${name} is inferred by the checker`);
    },
    module: false,
    channels: "other",
    attrsSchema: {},
    state: () => [],
    ts: { kind: "call", fn: () => fn, args: () => [] },
    torch: { kind: "call", call: (_a, inputs) => inputs.join(` ${op} `) },
    describe: () => name,
  };
}

export const add = combiner("add", "+", "addValues", "a + b + ... (one shape)");
export const mul = combiner("mul", "*", "mulValues", "a * b * ... (one shape)");
