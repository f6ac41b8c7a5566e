// upsample(S, nearest|bilinear): nn.Upsample(scale_factor=S, mode=...), align_corners=False.
// No parameters (seed 000: unlike convT, nothing here is learned). Output size floor(H * S).
import { hint } from "../diagnostic.ts";
import { formatShape, formatSpatial, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult } from "./types.ts";

export const upsample: LayerDef = {
  name: "upsample",
  signature: "upsample(S[, nearest|bilinear])",
  pytorch: "Upsample(scale_factor=S, mode='nearest'|'bilinear', align_corners=False for bilinear)",
  schema: {
    positional: [
      { name: "scale", what: "scale factor", kind: "real", optional: false, range: (v) => (v > 0 ? undefined : "above 0") },
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
    const spatial = input.slice(1).map((d) => (d === null ? null : Math.floor(d * scale)));
    if (spatial.some((d) => d !== null && d < 1)) {
      ctx.report("UpsampleTooSmall", [scale, formatSpatial(input.slice(1)), formatSpatial(spatial)]);
      return { out: [input[0] ?? null, null, null], params: 0, attrs };
    }
    return { out: [input[0] ?? null, ...spatial], params: 0, attrs };
  },
};
