// linear: Linear(IN, OUT) on a vector [IN].
import { hint } from "../diagnostic.ts";
import { formatShape, type Shape } from "../shape.ts";
import { checkInputChannels } from "./conv.ts";
import { spectralModule, spectralState } from "./spectral.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult, StateSpec } from "./types.ts";

export const linear: LayerDef = {
  name: "linear",
  module: true,
  channels: "declares",
  shortHeaderInput: (n) => [n],
  cancelledBias: (a) => (a["bias"] ? (a["outFeatures"] as number) : undefined),
  attrsSchema: {
    required: ["inFeatures", "outFeatures", "bias"],
    properties: { inFeatures: { type: "integer", minimum: 1 }, outFeatures: { type: "integer", minimum: 1 }, bias: { type: "boolean" }, spectral: { type: "boolean" } },
  },
  // weight [out, in], PyTorch's default init (kaiming_uniform with a = sqrt(5) is
  // U(-1/sqrt(in), 1/sqrt(in))), the bias with the same bound.
  state(a) {
    const inF = a["inFeatures"] as number;
    const outF = a["outFeatures"] as number;
    const init = { kind: "uniform" as const, bound: 1 / Math.sqrt(inF) };
    const plain: StateSpec[] = [
      { name: "weight", shape: [outF, inF], kind: "parameter", dtype: "F32", init },
      ...(a["bias"] ? [{ name: "bias", shape: [outF], kind: "parameter" as const, dtype: "F32" as const, init }] : []),
    ];
    return a["spectral"] ? spectralState(plain, outF, inF) : plain;
  },
  ts: {
    kind: "module",
    cls: "Linear",
    takesOpts: (a) => a["spectral"] === true,
    config: (a) => ({ inFeatures: a["inFeatures"] as number, outFeatures: a["outFeatures"] as number, bias: a["bias"] as boolean, ...(a["spectral"] ? { spectral: true } : {}) }),
  },
  torch: {
    kind: "module",
    module: (a) => {
      const m = `nn.Linear(${a["inFeatures"]}, ${a["outFeatures"]}, bias=${a["bias"] ? "True" : "False"})`;
      return a["spectral"] ? spectralModule(m) : m;
    },
  },
  describe: (a) => `linear(${a["inFeatures"]} -> ${a["outFeatures"]}${a["bias"] ? "" : ", nobias"}${a["spectral"] ? ", sn" : ""})`,
  signature: "linear(IN -> OUT[, nobias][, sn])",
  pytorch: "Linear(IN, OUT, bias=not nobias); with sn, spectral_norm(Linear(...))",
  schema: { channels: true, flags: ["nobias", "sn"] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const inF = a.channels?.in;
    const outF = a.channels?.out;
    const bias = !a.flags.has("nobias");
    const params = inF !== undefined && outF !== undefined ? inF * outF + (bias ? outF : 0) : undefined;
    const attrs = { inFeatures: inF ?? -1, outFeatures: outF ?? -1, bias, ...(a.flags.has("sn") ? { spectral: true } : {}) };
    if (input !== null && input.length !== 1) {
      ctx.report("RankMismatch", ["linear", "a vector [IN]", formatShape(input)], { hint: hint("AddFlatten") });
      return { out: [outF ?? null], params, attrs };
    }
    checkInputChannels("features", input === null ? null : (input[0] ?? null), a, ctx);
    return { out: [outF ?? null], params, attrs };
  },
};
