// avgpool / maxpool: AvgPool2d(K, S, P) (count_include_pad, as PyTorch's default) and
// MaxPool2d(K, S, P, dilation 1); S defaults to K, as in PyTorch; floor mode.
import { hint } from "../diagnostic.ts";
import { convOutputSize } from "../conv-shape.ts";
import { formatShape, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult, PairSpec } from "./types.ts";

const kernel: PairSpec = { key: "k", what: "kernel size", min: 1 };
/** Default 0 stands for "the kernel size", PyTorch's default stride. */
const stride: PairSpec = { key: "s", what: "stride", min: 1, default: 0 };
const padding: PairSpec = { key: "p", what: "padding", min: 0, default: 0 };
const pairSchema = { type: "array", items: { type: "integer", minimum: 0 }, minItems: 2, maxItems: 2 };
const one = (v: readonly number[]) => (v[0] === v[1] ? String(v[0]) : `(${v[0]}, ${v[1]})`);

function pool(op: "avgpool" | "maxpool"): LayerDef {
  const cls = op === "avgpool" ? "AvgPool2d" : "MaxPool2d";
  return {
    name: op,
    module: true,
    channels: "keeps",
    attrsSchema: { required: ["kernel", "stride", "padding"], properties: { kernel: pairSchema, stride: pairSchema, padding: pairSchema } },
    state: () => [],
    ts: { kind: "call", fn: () => op, args: (a) => [a["kernel"] as readonly number[], a["stride"] as readonly number[], a["padding"] as readonly number[]] },
    torch: { kind: "module", module: (a) => `nn.${cls}(${one(a["kernel"] as number[])}, ${one(a["stride"] as number[])}, ${one(a["padding"] as number[])})` },
    describe: (a) => `${op}(k${one(a["kernel"] as number[])}, s${one(a["stride"] as number[])}${(a["padding"] as number[]).some((v) => v > 0) ? `, p${one(a["padding"] as number[])}` : ""})`,
    signature: `${op}(kK[, sS][, pP])`,
    pytorch: `${cls}(K, stride=S (default K), padding=P)${op === "avgpool" ? ", padding counted in the average" : ""}`,
    schema: { pairs: [kernel, stride, padding] },
    infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
      const k = a.pairs.get("k");
      const written = a.pairs.get("s");
      const s = written === undefined || written[0] === 0 ? k : written;
      const p = a.pairs.get("p") ?? [0, 0];
      const attrs = { kernel: k ?? [], stride: s ?? [], padding: p };
      if (input !== null && input.length !== 3) {
        ctx.report("RankMismatch", [op, "an image [C, H, W]", formatShape(input)], { hint: hint("AddReshape") });
        return { out: null, params: 0, attrs };
      }
      if (k === undefined || s === undefined) return { out: input === null ? null : [input[0] ?? null, null, null], params: 0, attrs };
      if (p[0] * 2 > k[0] || p[1] * 2 > k[1]) {
        ctx.report("WrongValueKind", [`${op}'s padding`, `at most half the kernel (PyTorch's rule: k${one(k)} takes p${Math.floor(Math.min(k[0], k[1]) / 2)} or less)`, `p${one(p)}`], { span: a.pairSpans.get("p") ?? ctx.span });
      }
      const size = convOutputSize([input?.[1] ?? null, input?.[2] ?? null], { k, s, p, d: [1, 1], op: [0, 0] });
      if (!size.ok) {
        ctx.report("WrongValueKind", [`${op}(k${one(k)}, s${one(s)})`, "a kernel that fits its padded input", formatShape(input)], { hint: "pool with a smaller kernel, or pad" });
        return { out: [input?.[0] ?? null, null, null], params: 0, attrs };
      }
      return { out: [input?.[0] ?? null, ...size.out], params: 0, attrs };
    },
  };
}

export const avgpool = pool("avgpool");
export const maxpool = pool("maxpool");
