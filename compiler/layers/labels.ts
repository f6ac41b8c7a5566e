// What turns a class label (`y: label(10)`, a whole number per example) into values:
// embedding(N, D) (nn.Embedding: a learned D-vector per class, initialised N(0, 1) as
// PyTorch does), onehot (F.one_hot, as floats), and expand(H, W), which spreads a vector
// [D] over a picture's positions, [D, H, W] (view + expand), to concatenate it with
// feature maps.
import { hint } from "../diagnostic.ts";
import { formatShape, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult, PositionalSpec } from "./types.ts";

const count = (name: string, what: string, optional = false): PositionalSpec => ({ name, what, kind: "int", optional, range: (v) => (v >= 1 ? undefined : "at least 1") });

function needsLabel(op: string, input: Shape, ctx: LayerContext): boolean {
  if (input !== null && input.length !== 0) {
    ctx.report("RankMismatch", [op, "a class label (an input declared label(N))", formatShape(input)], { hint: "declare the input as `y: label(N)`" });
    return false;
  }
  return true;
}

export const embedding: LayerDef = {
  name: "embedding",
  module: true,
  channels: "other",
  takesLabels: true,
  attrsSchema: { required: ["classes", "dim"], properties: { classes: { type: "integer", minimum: 1 }, dim: { type: "integer", minimum: 1 } } },
  state: (a) => [{ name: "weight", shape: [a["classes"] as number, a["dim"] as number], kind: "parameter", dtype: "F32", init: { kind: "normal", mean: 0, std: 1 } }],
  ts: { kind: "module", cls: "Embedding", takesOpts: false, config: (a) => ({ classes: a["classes"] as number, dim: a["dim"] as number }) },
  torch: { kind: "module", module: (a) => `nn.Embedding(${a["classes"]}, ${a["dim"]})` },
  describe: (a) => `embedding(${a["classes"]}, ${a["dim"]})`,
  signature: "embedding(N, D)",
  pytorch: "Embedding(N, D): a learned vector of D per class, N(0, 1) at first",
  schema: { positional: [count("classes", "number of classes"), count("dim", "size of each vector")] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const n = a.positional.get("classes")?.value as number | undefined;
    const d = a.positional.get("dim")?.value as number | undefined;
    const attrs = { classes: n ?? -1, dim: d ?? -1 };
    const params = n !== undefined && d !== undefined ? n * d : undefined;
    if (!needsLabel("embedding", input, ctx)) return { out: [d ?? null], params, attrs };
    if (n !== undefined && ctx.labelClasses !== undefined && n < ctx.labelClasses) {
      ctx.report("WrongValueKind", ["embedding's number of classes", `at least the label's ${ctx.labelClasses}`, String(n)], { hint: `write embedding(${ctx.labelClasses}, ${d ?? "D"})`, span: a.positional.get("classes")?.span ?? ctx.span });
    }
    return { out: [d ?? null], params, attrs };
  },
};

export const onehot: LayerDef = {
  name: "onehot",
  module: false,
  channels: "other",
  takesLabels: true,
  attrsSchema: { required: ["classes"], properties: { classes: { type: "integer", minimum: 1 } } },
  state: () => [],
  ts: { kind: "call", fn: () => "onehot", args: (a) => [a["classes"] as number] },
  torch: { kind: "call", call: (a, [y]) => `F.one_hot(${y}.long(), ${a["classes"]}).float()` },
  describe: (a) => `onehot(${a["classes"]})`,
  signature: "onehot or onehot(N)",
  pytorch: "F.one_hot(y, N).float(): [N] per example",
  schema: { positional: [count("classes", "number of classes", true)] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const written = a.positional.get("classes")?.value as number | undefined;
    const n = written ?? ctx.labelClasses;
    if (!needsLabel("onehot", input, ctx)) return { out: [n ?? null], params: 0, attrs: { classes: n ?? -1 } };
    if (written !== undefined && ctx.labelClasses !== undefined && written < ctx.labelClasses) {
      ctx.report("WrongValueKind", ["onehot's number of classes", `at least the label's ${ctx.labelClasses}`, String(written)], { hint: "write onehot (it takes the label's)" });
    }
    return { out: [n ?? null], params: 0, attrs: { classes: n ?? -1 } };
  },
};

export const expand: LayerDef = {
  name: "expand",
  module: false,
  channels: "keeps",
  attrsSchema: { required: ["height", "width"], properties: { height: { type: "integer", minimum: 1 }, width: { type: "integer", minimum: 1 } } },
  state: () => [],
  ts: { kind: "call", fn: () => "expand", args: (a) => [a["height"] as number, a["width"] as number] },
  torch: { kind: "call", call: (a, [x], out) => `${x}.view(-1, ${out[0]}, 1, 1).expand(-1, ${out[0]}, ${a["height"]}, ${a["width"]})` },
  describe: (a) => `expand(${a["height"]}, ${a["width"]})`,
  signature: "expand(H, W)",
  pytorch: "x.view(-1, D, 1, 1).expand(-1, D, H, W): a vector [D] at every position",
  schema: { positional: [count("height", "height"), count("width", "width")] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const h = a.positional.get("height")?.value as number | undefined;
    const w = a.positional.get("width")?.value as number | undefined;
    const attrs = { height: h ?? -1, width: w ?? -1 };
    if (input !== null && input.length !== 1) {
      ctx.report("RankMismatch", ["expand", "a vector [D]", formatShape(input)], { hint: hint("AddFlatten") });
      return { out: null, params: 0, attrs };
    }
    return { out: [input?.[0] ?? null, h ?? null, w ?? null], params: 0, attrs };
  },
};
