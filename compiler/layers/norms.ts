// The per-sample normalisations: inorm (InstanceNorm2d, with PyTorch's `affine` and
// `track_running_stats` options, both off by default as in PyTorch), gn(G) (GroupNorm) and
// ln (LayerNorm over everything but the batch). All keep the shape.
import { hint } from "../diagnostic.ts";
import { channels, formatShape, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult, PositionalSpec, StateSpec } from "./types.ts";

const eps: PositionalSpec = { name: "eps", what: "eps", kind: "real", optional: true, default: 1e-5, range: (v) => (v > 0 ? undefined : "above 0") };
const momentum: PositionalSpec = { name: "momentum", what: "momentum", kind: "real", optional: true, default: 0.1, range: (v) => (v >= 0 && v <= 1 ? undefined : "between 0 and 1") };
const channelCount: PositionalSpec = { name: "channels", what: "number of channels", kind: "int", optional: true, range: (v) => (v >= 1 ? undefined : "at least 1") };

const ones = (shape: readonly number[]): StateSpec => ({ name: "weight", shape, kind: "parameter", dtype: "F32", init: { kind: "ones" } });
const zeros = (shape: readonly number[]): StateSpec => ({ name: "bias", shape, kind: "parameter", dtype: "F32", init: { kind: "zeros" } });

/** The incoming channels, checked against a written `C` (inorm(C), attention(C)); reports what the fix is. */
export function checkedChannels(op: string, input: Shape, a: BoundArgs, ctx: LayerContext): number | null {
  const declared = a.positional.get("channels")?.value as number | undefined;
  const incoming = channels(input);
  if (declared !== undefined && incoming !== null && declared !== incoming) {
    ctx.report("DeclaredChannelsMismatch", [op, declared, `${ctx.producer.layer === null ? `${ctx.producer.describe} has` : "the previous layer outputs"} ${incoming}`], {
      hint: `write ${op}(${incoming}) or leave the channels out: \`${op}\``,
    });
  }
  return incoming ?? declared ?? null;
}

function imageOnly(op: string, input: Shape, ctx: LayerContext): boolean {
  if (input !== null && input.length !== 3) {
    ctx.report("RankMismatch", [op, "an image [C, H, W]", formatShape(input)], { hint: hint("AddReshape") });
    return false;
  }
  return true;
}

export const inorm: LayerDef = {
  name: "inorm",
  module: true,
  channels: "checks",
  attrsSchema: {
    required: ["numFeatures", "eps", "momentum", "affine", "track"],
    properties: {
      numFeatures: { type: "integer", minimum: 1 },
      eps: { type: "number", exclusiveMinimum: 0 },
      momentum: { type: "number", minimum: 0, maximum: 1 },
      affine: { type: "boolean" },
      track: { type: "boolean" },
    },
  },
  state(a) {
    const c = a["numFeatures"] as number;
    return [
      ...(a["affine"] ? [ones([c]), zeros([c])] : []),
      ...(a["track"]
        ? [
            { name: "running_mean", shape: [c], kind: "buffer" as const, dtype: "F32" as const, init: { kind: "zeros" as const } },
            { name: "running_var", shape: [c], kind: "buffer" as const, dtype: "F32" as const, init: { kind: "ones" as const } },
            { name: "num_batches_tracked", shape: [], kind: "buffer" as const, dtype: "I64" as const, init: { kind: "zeros" as const } },
          ]
        : []),
    ];
  },
  ts: {
    kind: "module",
    cls: "InstanceNorm",
    takesOpts: true,
    config: (a) => ({ numFeatures: a["numFeatures"] as number, eps: a["eps"] as number, momentum: a["momentum"] as number, affine: a["affine"] as boolean, track: a["track"] as boolean }),
  },
  torch: {
    kind: "module",
    module: (a) => `nn.InstanceNorm2d(${a["numFeatures"]}, eps=${a["eps"]}, momentum=${a["momentum"]}, affine=${a["affine"] ? "True" : "False"}, track_running_stats=${a["track"] ? "True" : "False"})`,
  },
  describe: (a) => `inorm(${a["numFeatures"]}${a["affine"] ? ", affine" : ""}${a["track"] ? ", track" : ""})`,
  signature: "inorm[(C][, affine][, track][, eps=E][, momentum=M])]",
  pytorch: "InstanceNorm2d(C, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False); `affine` and `track` turn those on",
  schema: { flags: ["affine", "track"], positional: [channelCount, eps, momentum] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const ok = imageOnly("inorm", input, ctx);
    const c = checkedChannels("inorm", input, a, ctx);
    const affine = a.flags.has("affine");
    const attrs = { numFeatures: c ?? -1, eps: a.positional.get("eps")?.value as number, momentum: a.positional.get("momentum")?.value as number, affine, track: a.flags.has("track") };
    return { out: ok ? input : null, params: c === null ? undefined : affine ? 2 * c : 0, attrs };
  },
};

export const gn: LayerDef = {
  name: "gn",
  module: true,
  channels: "keeps",
  attrsSchema: {
    required: ["groups", "numChannels", "eps"],
    properties: { groups: { type: "integer", minimum: 1 }, numChannels: { type: "integer", minimum: 1 }, eps: { type: "number", exclusiveMinimum: 0 } },
  },
  state: (a) => [ones([a["numChannels"] as number]), zeros([a["numChannels"] as number])],
  ts: { kind: "module", cls: "GroupNorm", takesOpts: false, config: (a) => ({ groups: a["groups"] as number, numChannels: a["numChannels"] as number, eps: a["eps"] as number }) },
  torch: { kind: "module", module: (a) => `nn.GroupNorm(${a["groups"]}, ${a["numChannels"]}, eps=${a["eps"]})` },
  describe: (a) => `gn(${a["groups"]}) (GroupNorm over ${a["numChannels"]} channels)`,
  signature: "gn(G[, eps=E])",
  pytorch: "GroupNorm(G, C, eps=1e-5) (affine)",
  schema: { positional: [{ name: "groups", what: "number of groups", kind: "int", optional: false, range: (v) => (v >= 1 ? undefined : "at least 1") }, eps] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    const ok = imageOnly("gn", input, ctx);
    const g = a.positional.get("groups")?.value as number | undefined;
    const c = channels(input);
    if (g !== undefined && c !== null && c % g !== 0) {
      const divisors = Array.from({ length: c }, (_, i) => i + 1).filter((d) => c % d === 0 && d <= 32);
      ctx.report("WrongValueKind", [`the group count of gn`, `a divisor of its ${c} channels (e.g. ${divisors.slice(-3).join(", ")})`, String(g)], { span: a.positional.get("groups")!.span });
    }
    return { out: ok ? input : null, params: c === null ? undefined : 2 * c, attrs: { groups: g ?? -1, numChannels: c ?? -1, eps: a.positional.get("eps")?.value as number } };
  },
};

export const ln: LayerDef = {
  name: "ln",
  module: true,
  channels: "keeps",
  attrsSchema: {
    required: ["shape", "eps"],
    properties: { shape: { type: "array", items: { type: "integer", minimum: 1 }, minItems: 1, maxItems: 3 }, eps: { type: "number", exclusiveMinimum: 0 } },
  },
  state: (a) => [ones(a["shape"] as readonly number[]), zeros(a["shape"] as readonly number[])],
  ts: { kind: "module", cls: "LayerNorm", takesOpts: false, config: (a) => ({ shape: a["shape"] as readonly number[], eps: a["eps"] as number }) },
  torch: { kind: "module", module: (a) => `nn.LayerNorm([${(a["shape"] as readonly number[]).join(", ")}], eps=${a["eps"]})` },
  describe: (a) => `ln (LayerNorm over [${(a["shape"] as readonly number[]).join(", ")}])`,
  signature: "ln[(eps=E)]",
  pytorch: "LayerNorm(the input's shape without the batch, eps=1e-5) (elementwise affine)",
  schema: { positional: [eps] },
  infer(input: Shape, a: BoundArgs): LayerResult {
    const known = input !== null && input.every((d) => d !== null);
    const n = known ? input.reduce((x, y) => x * (y as number), 1) : null;
    return { out: input, params: n === null ? undefined : 2 * n, attrs: { shape: known ? (input as number[]) : [], eps: a.positional.get("eps")?.value as number } };
  },
};
