// scale(A): multiplies by a constant (x * A). gain(V): multiplies by a learned scalar that
// starts at V, 0 or 1 (SAGAN's γ starts at 0: `mul`/`add` around it make γ · out + x).
import type { Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult } from "./types.ts";

export const scale: LayerDef = {
  name: "scale",
  module: false,
  channels: "keeps",
  attrsSchema: { required: ["factor"], properties: { factor: { type: "number" } } },
  state: () => [],
  ts: { kind: "call", fn: () => "scale", args: (a) => [a["factor"] as number] },
  torch: { kind: "call", call: (a, [x]) => `${x} * ${a["factor"]}` },
  describe: (a) => `scale(${a["factor"]})`,
  signature: "scale(A)",
  pytorch: "x * A",
  schema: { positional: [{ name: "factor", what: "factor", kind: "real", optional: false }] },
  infer: (input: Shape, a: BoundArgs): LayerResult => ({ out: input, params: 0, attrs: { factor: (a.positional.get("factor")?.value as number | undefined) ?? 1 } }),
};

const GAIN = `class Gain(nn.Module):
    """A learned scalar the input is multiplied by (SAGAN's gamma when it starts at 0)."""

    def __init__(self, start):
        super().__init__()
        self.weight = nn.Parameter(torch.full((1,), float(start)))

    def forward(self, x):
        return x * self.weight`;

export const gain: LayerDef = {
  name: "gain",
  module: true,
  channels: "keeps",
  attrsSchema: { required: ["start"], properties: { start: { enum: [0, 1] } } },
  state: (a) => [{ name: "weight", shape: [1], kind: "parameter", dtype: "F32", init: { kind: a["start"] === 1 ? "ones" : "zeros" } }],
  ts: { kind: "module", cls: "Gain", takesOpts: false, config: (a) => ({ start: a["start"] as number }) },
  torch: { kind: "module", module: (a) => `Gain(${a["start"]})`, support: GAIN },
  describe: (a) => `gain(${a["start"]})`,
  signature: "gain(0) or gain(1)",
  pytorch: "x * w with w = nn.Parameter(torch.full((1,), V)), V 0 or 1",
  schema: { positional: [{ name: "start", what: "starting value", kind: "real", optional: false }] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const v = a.positional.get("start")?.value as number | undefined;
    if (v !== undefined && v !== 0 && v !== 1) ctx.report("WrongValueKind", ["gain's starting value", "0 or 1", String(v)], { span: a.positional.get("start")!.span });
    return { out: input, params: 1, attrs: { start: v === 1 ? 1 : 0 } };
  },
};
