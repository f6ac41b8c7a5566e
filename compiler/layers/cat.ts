// cat(a, b, ...): torch.cat of named values along channels (dim 1 in NCHW). It combines
// values rather than transforming the one before it, so the checker infers it itself
// (compiler/check.ts); what is here is what the IR, its schema and the emitter need.
import type { LayerDef } from "./types.ts";

export const cat: LayerDef = {
  name: "cat",
  signature: "cat(a, b, ...)",
  pytorch: "torch.cat((a, b, ...), dim=1)",
  schema: {},
  infer: () => {
    throw new Error("cat is inferred by the checker");
  },
  module: false,
  channels: "other",
  attrsSchema: {},
  state: () => [],
  ts: { kind: "call", fn: () => "cat", args: () => [] },
  torch: { kind: "call", call: (_a, inputs) => `torch.cat([${inputs.join(", ")}], 1)` },
  describe: () => "cat",
};
