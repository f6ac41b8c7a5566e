// bn / bn(C): BatchNorm2d on [C, H, W], BatchNorm1d on [C] or [C, L]; eps 1e-5,
// momentum 0.1, affine (2C trainable parameters; running mean and var are buffers).
import { hint } from "../diagnostic.ts";
import { channels, formatShape, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult } from "./types.ts";

export const bn: LayerDef = {
  name: "bn",
  module: true,
  channels: "checks",
  cancelsBias: true,
  attrsSchema: {
    required: ["numFeatures", "eps", "momentum"],
    properties: { numFeatures: { type: "integer", minimum: 1 }, eps: { type: "number", exclusiveMinimum: 0 }, momentum: { type: "number", minimum: 0, maximum: 1 } },
  },
  // weight N(1, 0.02) and bias 0 as the seeds initialise them; running statistics 0 and 1.
  state(a) {
    const c = a["numFeatures"] as number;
    return [
      { name: "weight", shape: [c], kind: "parameter", dtype: "F32", init: { kind: "normal", mean: 1, std: 0.02 } },
      { name: "bias", shape: [c], kind: "parameter", dtype: "F32", init: { kind: "zeros" } },
      { name: "running_mean", shape: [c], kind: "buffer", dtype: "F32", init: { kind: "zeros" } },
      { name: "running_var", shape: [c], kind: "buffer", dtype: "F32", init: { kind: "ones" } },
      { name: "num_batches_tracked", shape: [], kind: "buffer", dtype: "I64", init: { kind: "zeros" } },
    ];
  },
  ts: {
    kind: "module",
    cls: "BatchNorm",
    takesOpts: true,
    config: (a) => ({ numFeatures: a["numFeatures"] as number, eps: a["eps"] as number, momentum: a["momentum"] as number }),
  },
  torch: {
    kind: "module",
    module: (a, inShape) => `nn.BatchNorm${inShape.length === 3 ? "2d" : "1d"}(${a["numFeatures"]}, eps=${a["eps"]}, momentum=${a["momentum"]})`,
  },
  describe: (a, inShape) =>
    `bn(${a["numFeatures"]}${a["eps"] !== 1e-5 ? `, eps=${a["eps"]}` : ""}${a["momentum"] !== 0.1 ? `, momentum=${a["momentum"]}` : ""}) (BatchNorm${inShape.length === 3 ? "2d" : "1d"})`,
  signature: "bn, bn(C) or bn(C, eps=E, momentum=M)",
  pytorch: "BatchNorm2d(C, eps, momentum) on [C, H, W], BatchNorm1d on [C] or [C, L]; eps 1e-5, momentum 0.1 unless given",
  schema: {
    positional: [
      { name: "channels", what: "number of channels", kind: "int", optional: true, range: (v) => (v >= 1 ? undefined : "at least 1") },
      { name: "eps", what: "eps", kind: "real", optional: true, default: 1e-5, range: (v) => (v > 0 ? undefined : "above 0") },
      { name: "momentum", what: "momentum", kind: "real", optional: true, default: 0.1, range: (v) => (v >= 0 && v <= 1 ? undefined : "between 0 and 1") },
    ],
  },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const declared = a.positional.get("channels")?.value as number | undefined;
    if (input !== null && (input.length < 1 || input.length > 3)) {
      ctx.report("RankMismatch", ["bn", "[C], [C, L] or [C, H, W]", formatShape(input)]);
      return { out: input, params: declared === undefined ? undefined : 2 * declared, attrs: { numFeatures: declared ?? -1 } };
    }
    const incoming = channels(input);
    let c = incoming ?? declared ?? null;
    if (declared !== undefined && incoming !== null && declared !== incoming) {
      const downstream = ctx.downstreamChannels();
      const p = ctx.producer;
      const upstreamIsCulprit = downstream === declared && p.declaresChannels && p.layer !== null;
      ctx.report("DeclaredChannelsMismatch", ["bn", declared, `${p.layer === null ? `${p.describe} has` : "the previous layer outputs"} ${incoming}`], {
        hint: upstreamIsCulprit
          ? `${p.layer} before it outputs ${incoming}, and the layers after expect ${declared}: make it output ${declared}`
          : hint("BatchNormFix", [incoming]),
        ...(p.span ? { notes: [{ message: `${incoming} channels come from here`, span: p.span }] } : {}),
      });
      // Go on with what the layers after expect, so one mistake is reported once.
      c = downstream === declared ? declared : null;
    }
    const rank = input === null ? 3 : input.length;
    const out: Shape = input === null ? (c === null ? null : [c, null, null]) : [c, ...input.slice(1)];
    return {
      out,
      params: c === null ? (declared === undefined ? undefined : 2 * declared) : 2 * (declared ?? c),
      attrs: { numFeatures: declared ?? c ?? -1, dims: rank === 3 ? 2 : 1, eps: a.positional.get("eps")?.value as number, momentum: a.positional.get("momentum")?.value as number },
    };
  },
};
