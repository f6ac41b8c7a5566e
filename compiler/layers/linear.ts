// linear: Linear(IN, OUT) on a vector [IN].
import { hint } from "../diagnostic.ts";
import { formatShape, type Shape } from "../shape.ts";
import { checkInputChannels } from "./conv.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult } from "./types.ts";

export const linear: LayerDef = {
  name: "linear",
  signature: "linear(IN -> OUT[, nobias])",
  pytorch: "Linear(IN, OUT, bias=not nobias)",
  schema: { channels: true, flags: ["nobias"] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const inF = a.channels?.in;
    const outF = a.channels?.out;
    const bias = !a.flags.has("nobias");
    const params = inF !== undefined && outF !== undefined ? inF * outF + (bias ? outF : 0) : undefined;
    const attrs = { inFeatures: inF ?? -1, outFeatures: outF ?? -1, bias };
    if (input !== null && input.length !== 1) {
      ctx.report("RankMismatch", ["linear", "a vector [IN]", formatShape(input)], { hint: hint("AddFlatten") });
      return { out: [outF ?? null], params, attrs };
    }
    checkInputChannels("features", input === null ? null : (input[0] ?? null), a, ctx);
    return { out: [outF ?? null], params, attrs };
  },
};
