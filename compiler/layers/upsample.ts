// upsample(S, nearest|bilinear): nn.Upsample(scale_factor=S, mode=...), align_corners=False.
// No parameters (seed 000: unlike convT, nothing here is learned). S is a whole number:
// for fractional factors PyTorch maps coordinates with 1/S rather than in/out, which no
// other framework reproduces exactly.
import { hint } from "../diagnostic.ts";
import { formatShape, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult } from "./types.ts";

export const upsample: LayerDef = {
  name: "upsample",
  module: true,
  channels: "keeps",
  attrsSchema: {
    required: ["scale", "mode"],
    properties: { scale: { type: "integer", minimum: 1 }, mode: { enum: ["nearest", "bilinear"] } },
  },
  state: () => [],
  ts: { kind: "call", fn: () => "upsample", args: (a) => [a["scale"] as number, a["mode"] as string] },
  torch: {
    kind: "call",
    call: (a, [x]) => `F.interpolate(${x}, scale_factor=${a["scale"]}, mode="${a["mode"]}"${a["mode"] === "nearest" ? "" : ", align_corners=False"})`,
  },
  describe: (a) => `upsample(${a["scale"]}, ${a["mode"]})`,
  signature: "upsample(S[, nearest|bilinear])",
  pytorch: "Upsample(scale_factor=S, mode='nearest'|'bilinear', align_corners=False for bilinear)",
  schema: {
    positional: [
      { name: "scale", what: "scale factor", kind: "int", optional: false, range: (v) => (v >= 1 ? undefined : "at least 1") },
      { name: "mode", what: "mode", kind: "mode", optional: true, default: "nearest", modes: ["nearest", "bilinear"] },
    ],
  },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const scale = a.positional.get("scale")?.value as number | undefined;
    const mode = (a.positional.get("mode")?.value as string | undefined) ?? "nearest";
    const attrs = { scale: scale ?? -1, mode };
    if (input !== null && input.length !== 3) {
      ctx.report("RankMismatch", ["upsample", "an image [C, H, W]", formatShape(input)], { hint: hint("AddReshape") });
      return { out: null, params: 0, attrs };
    }
    if (input === null || scale === undefined) return { out: input === null ? null : [input[0] ?? null, null, null], params: 0, attrs };
    const spatial = input.slice(1).map((d) => (d === null ? null : d * scale));
    return { out: [input[0] ?? null, ...spatial], params: 0, attrs };
  },
};
