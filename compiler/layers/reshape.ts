// flatten and reshape([dims]): change of shape, element count preserved.
import { formatShape, numel, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult } from "./types.ts";

export const flatten: LayerDef = {
  name: "flatten",
  module: false,
  channels: "other",
  attrsSchema: {},
  state: () => [],
  ts: { kind: "call", fn: () => "flatten", args: () => [] },
  torch: { kind: "call", call: (_a, [x]) => `torch.flatten(${x}, 1)` },
  describe: () => "flatten",
  signature: "flatten",
  pytorch: "Flatten()",
  schema: {},
  infer: (input: Shape): LayerResult => ({ out: input === null ? [null] : [numel(input)], params: 0, attrs: {} }),
};

export const reshape: LayerDef = {
  name: "reshape",
  module: false,
  channels: "other",
  attrsSchema: { required: ["dims"], properties: { dims: { type: "array", items: { type: "integer", minimum: 1 }, minItems: 1, maxItems: 3 } } },
  state: () => [],
  // reshape2/3/4: the rank of the result (batch included), for a typed tensor.
  ts: { kind: "call", fn: (_a, out) => `reshape${out.length + 1}`, args: (_a, out) => [out] },
  torch: { kind: "call", call: (_a, [x], out) => `${x}.reshape(-1, ${out.join(", ")})` },
  describe: (a) => `reshape([${(a["dims"] as readonly number[]).join(", ")}])`,
  signature: "reshape([dims])",
  pytorch: "x.view(-1, *dims) (one dimension may be -1)",
  schema: { positional: [{ name: "dims", what: "new shape", kind: "dims", optional: false }] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const dims = a.positional.get("dims")?.value as readonly number[] | undefined;
    if (dims === undefined) return { out: null, params: 0, attrs: {} };
    const written = formatShape(dims);
    const wild = dims.filter((d) => d === -1).length;
    if (dims.length === 0 || wild > 1 || dims.some((d) => d < 1 && d !== -1)) {
      ctx.report("ReshapeBadDims", [
        dims.length === 0
          ? "needs at least one dimension"
          : wild > 1
            ? `${written} can have at most one -1`
            : `${written}: every dimension must be at least 1 (or one -1)`,
      ]);
      return { out: dims.map((d) => (d >= 1 ? d : null)), params: 0, attrs: { dims } };
    }
    const n = numel(input);
    const known = dims.filter((d) => d !== -1).reduce((x, y) => x * y, 1);
    if (n === null) return { out: dims.map((d) => (d === -1 ? null : d)), params: 0, attrs: { dims } };
    if (wild === 1) {
      if (n % known !== 0) {
        ctx.report("ReshapeCountMismatch", [written, `a multiple of ${known}`, formatShape(input), n]);
        return { out: dims.map((d) => (d === -1 ? null : d)), params: 0, attrs: { dims } };
      }
      const out = dims.map((d) => (d === -1 ? n / known : d));
      return { out, params: 0, attrs: { dims: out } };
    }
    if (known !== n) {
      ctx.report("ReshapeCountMismatch", [written, known, formatShape(input), n]);
    }
    return { out: dims, params: 0, attrs: { dims } };
  },
};
