// dropout(P): zeroes each element with probability P in training and scales the rest by
// 1 / (1 - P), as PyTorch does; the identity in eval mode.
import type { Shape } from "../shape.ts";
import type { BoundArgs, LayerDef, LayerResult } from "./types.ts";

export const dropout: LayerDef = {
  name: "dropout",
  module: true,
  channels: "keeps",
  attrsSchema: { required: ["p"], properties: { p: { type: "number", minimum: 0, maximum: 1 } } },
  state: () => [],
  ts: { kind: "mode", cls: "Dropout", arg: (a) => a["p"] as number },
  torch: { kind: "module", module: (a) => `nn.Dropout(${a["p"]})` },
  describe: (a) => `dropout(${a["p"]})`,
  signature: "dropout(P)",
  pytorch: "Dropout(P) (P defaults to 0.5, as in PyTorch)",
  schema: {
    positional: [
      {
        name: "p",
        what: "dropout probability",
        kind: "real",
        optional: true,
        default: 0.5,
        range: (v) => (v >= 0 && v <= 1 ? undefined : "between 0 and 1"),
      },
    ],
  },
  infer: (input: Shape, a: BoundArgs): LayerResult => ({
    out: input,
    params: 0,
    attrs: { p: (a.positional.get("p")?.value as number | undefined) ?? 0.5 },
  }),
};
