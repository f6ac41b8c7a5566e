// pad(P[, zeros|reflect|replicate]): ZeroPad2d / ReflectionPad2d / ReplicationPad2d(P), or
// with four sizes pad([left, right, top, bottom], mode) as PyTorch's 4-tuple. A module of its
// own (it takes a Sequential index, as in junyanz's CycleGAN), without state.
import { hint } from "../diagnostic.ts";
import { formatShape, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult } from "./types.ts";

const MODES = ["zeros", "reflect", "replicate"] as const;
const CLASS: Readonly<Record<string, string>> = { zeros: "ZeroPad2d", reflect: "ReflectionPad2d", replicate: "ReplicationPad2d" };

/** [left, right, top, bottom]. */
const sides = (a: { readonly [k: string]: unknown }) => a["padding"] as readonly number[];

export const pad: LayerDef = {
  name: "pad",
  module: true,
  channels: "keeps",
  attrsSchema: {
    required: ["padding", "mode"],
    properties: { padding: { type: "array", items: { type: "integer", minimum: 0 }, minItems: 4, maxItems: 4 }, mode: { enum: [...MODES] } },
  },
  state: () => [],
  ts: { kind: "call", fn: () => "pad2d", args: (a) => [sides(a), a["mode"] as string] },
  torch: {
    kind: "module",
    module: (a) => {
      const [l, r, t, b] = sides(a);
      return `nn.${CLASS[a["mode"] as string]}(${l === r && r === t && t === b ? l : `(${l}, ${r}, ${t}, ${b})`})`;
    },
  },
  describe: (a) => {
    const [l, r, t, b] = sides(a);
    return `pad(${l === r && r === t && t === b ? l : `[${sides(a).join(", ")}]`}, ${a["mode"]})`;
  },
  signature: "pad(P[, zeros|reflect|replicate]) or pad([left, right, top, bottom], mode)",
  pytorch: "ZeroPad2d(P) / ReflectionPad2d(P) / ReplicationPad2d(P)",
  schema: {
    positional: [
      { name: "padding", what: "padding", kind: "sizes", optional: false },
      { name: "mode", what: "mode", kind: "mode", optional: true, default: "zeros", modes: [...MODES] },
    ],
  },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const raw = a.positional.get("padding")?.value;
    const mode = (a.positional.get("mode")?.value as string | undefined) ?? "zeros";
    const p = typeof raw === "number" ? [raw, raw, raw, raw] : Array.isArray(raw) ? (raw as number[]) : undefined;
    if (p !== undefined && (p.length !== 4 || p.some((v) => !Number.isInteger(v) || v < 0))) {
      ctx.report("WrongValueKind", ["pad's padding", "one size or four, [left, right, top, bottom], each a whole number of at least 0", typeof raw === "number" ? String(raw) : `[${p.join(", ")}]`]);
      return { out: null, params: 0, attrs: { padding: [0, 0, 0, 0], mode } };
    }
    const attrs = { padding: p ?? [0, 0, 0, 0], mode };
    if (input !== null && input.length !== 3) {
      ctx.report("RankMismatch", ["pad", "an image [C, H, W]", formatShape(input)], { hint: hint("AddReshape") });
      return { out: null, params: 0, attrs };
    }
    if (input === null || p === undefined) return { out: input === null ? null : [input[0] ?? null, null, null], params: 0, attrs };
    const [l, r, t, b] = p as [number, number, number, number];
    const [h, w] = [input[1] ?? null, input[2] ?? null];
    // PyTorch: reflection needs each pad smaller than the side it reflects.
    if (mode === "reflect" && ((h !== null && (t >= h || b >= h)) || (w !== null && (l >= w || r >= w)))) {
      ctx.report("WrongValueKind", ["reflection padding", `smaller than the input's sides (${formatShape(input)})`, `[${p.join(", ")}]`], { hint: "use replicate, or pad less" });
    }
    return { out: [input[0] ?? null, h === null ? null : h + t + b, w === null ? null : w + l + r], params: 0, attrs };
  },
};
