// dropout(P): zeroes each element with probability P in training and scales the rest by
// 1 / (1 - P), as PyTorch does; the identity in eval mode. dropout2d(P): the same for whole
// channels of each example (Dropout2d), on images only.
import { hint } from "../diagnostic.ts";
import { formatShape, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult } from "./types.ts";

function dropoutKind(name: "dropout" | "dropout2d", cls: "Dropout" | "Dropout2d", pytorch: string): LayerDef {
  return {
    name,
    module: true,
    channels: "keeps",
    attrsSchema: { required: ["p"], properties: { p: { type: "number", minimum: 0, maximum: 1 } } },
    state: () => [],
    ts: { kind: "mode", cls, arg: (a) => a["p"] as number },
    torch: { kind: "module", module: (a) => `nn.${cls}(${a["p"]})` },
    describe: (a) => `${name}(${a["p"]})`,
    signature: `${name}(P)`,
    pytorch,
    schema: {
      positional: [{ name: "p", what: "dropout probability", kind: "real", optional: true, default: 0.5, range: (v) => (v >= 0 && v <= 1 ? undefined : "between 0 and 1") }],
    },
    infer: (input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult => {
      if (name === "dropout2d" && input !== null && input.length !== 3) {
        ctx.report("RankMismatch", [name, "an image [C, H, W]", formatShape(input)], { hint: hint("AddReshape") });
      }
      return { out: input, params: 0, attrs: { p: (a.positional.get("p")?.value as number | undefined) ?? 0.5 } };
    },
  };
}

export const dropout = dropoutKind("dropout", "Dropout", "Dropout(P) (P defaults to 0.5, as in PyTorch)");
export const dropout2d = dropoutKind("dropout2d", "Dropout2d", "Dropout2d(P): zeroes whole channels of each example (P defaults to 0.5)");
