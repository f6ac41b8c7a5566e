// conv and convT: Conv2d and ConvTranspose2d, with PyTorch's size rules (../conv-shape.ts).
import { convOutputSize, convTransposeOutputSize, type ConvGeometry, type Pair } from "../conv-shape.ts";
import { hint } from "../diagnostic.ts";
import { channels, type Dim, formatShape, formatSpatial, type Shape } from "../shape.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult, PairSpec } from "./types.ts";

const kernel: PairSpec = { key: "k", what: "kernel size", min: 1 };
const stride: PairSpec = { key: "s", what: "stride", min: 1, default: 1 };
const padding: PairSpec = { key: "p", what: "padding", min: 0, default: 0 };
const dilation: PairSpec = { key: "d", what: "dilation", min: 1, default: 1 };
const outputPadding: PairSpec = { key: "op", what: "output padding", min: 0, default: 0 };

function pair(a: BoundArgs, key: string): Pair | undefined {
  return a.pairs.get(key);
}

function pairAttr(p: Pair | undefined): readonly number[] {
  return p ?? [];
}

/** Checks the incoming channels against IN; reports GAN0101 with a fix. */
export function checkInputChannels(
  what: "channels" | "features",
  incoming: Dim,
  a: BoundArgs,
  ctx: LayerContext,
): void {
  const declared = a.channels?.in;
  if (declared === undefined || incoming === null || incoming === declared) return;
  const out = a.channels?.out;
  const downstream = ctx.downstreamChannels();
  const suggestedOut = downstream ?? out;
  const producer = ctx.producer;
  const fix = `${ctx.op}(${incoming} -> ${suggestedOut ?? "OUT"}, ...)`;
  const source = producer.layer === null ? `${producer.describe} has` : "the previous layer outputs";
  ctx.report("ChannelMismatch", [`${ctx.op}(${declared} -> ${out ?? "?"})`, declared, what, `${source} ${incoming}`], {
    hint: hint("WriteInstead", [fix]),
    ...(producer.span ? { notes: [{ message: `${incoming} ${what} come from here`, span: producer.span }] } : {}),
  });
}

function convLike(transposed: boolean): LayerDef {
  const op = transposed ? "convT" : "conv";
  return {
    name: op,
    signature: transposed
      ? "convT(IN -> OUT, kK[, sS][, pP][, dD][, opN][, nobias])"
      : "conv(IN -> OUT, kK[, sS][, pP][, dD][, nobias])",
    pytorch: transposed
      ? "ConvTranspose2d(IN, OUT, K, S, P, output_padding=N, dilation=D, bias=not nobias)"
      : "Conv2d(IN, OUT, K, S, P, dilation=D, bias=not nobias)",
    schema: {
      channels: true,
      pairs: transposed ? [kernel, stride, padding, dilation, outputPadding] : [kernel, stride, padding, dilation],
      flags: ["nobias"],
    },
    infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
      const inC = a.channels?.in;
      const outC = a.channels?.out;
      const k = pair(a, "k");
      const bias = !a.flags.has("nobias");
      const params =
        inC !== undefined && outC !== undefined && k !== undefined
          ? inC * outC * k[0] * k[1] + (bias ? outC : 0)
          : undefined;
      const attrs = {
        inChannels: inC ?? -1,
        outChannels: outC ?? -1,
        kernel: pairAttr(k),
        stride: pairAttr(pair(a, "s")),
        padding: pairAttr(pair(a, "p")),
        dilation: pairAttr(pair(a, "d")),
        ...(transposed ? { outputPadding: pairAttr(pair(a, "op")) } : {}),
        bias,
      };
      if (input !== null && input.length !== 3) {
        ctx.report("RankMismatch", [op, "an image [C, H, W]", formatShape(input)], {
          hint: hint("AddReshape"),
        });
        return { out: [outC ?? null, null, null], params, attrs };
      }
      checkInputChannels("channels", channels(input), a, ctx);
      const s = pair(a, "s");
      const p = pair(a, "p");
      const d = pair(a, "d");
      const opad = transposed ? pair(a, "op") : ([0, 0] as const);
      const spatialIn: Dim[] = input === null ? [null, null] : [input[1] ?? null, input[2] ?? null];
      if (k === undefined || s === undefined || p === undefined || d === undefined || opad === undefined) {
        return { out: [outC ?? null, null, null], params, attrs };
      }
      const g: ConvGeometry = { k, s, p, d, op: opad };
      const size = transposed ? convTransposeOutputSize(spatialIn, g) : convOutputSize(spatialIn, g);
      if (!size.ok) {
        switch (size.kind) {
          case "kernel-too-large":
            ctx.report("KernelTooLarge", [op, formatSpatial(size.padded), formatSpatial(size.kernel)]);
            break;
          case "output-too-small":
            ctx.report("OutputTooSmall", [formatSpatial(size.output), formatSpatial(size.input)]);
            break;
          case "output-padding":
            ctx.report("OutputPaddingTooLarge", [size.op, size.stride, size.dilation]);
            break;
        }
        return { out: [outC ?? null, null, null], params, attrs };
      }
      return { out: [outC ?? null, ...size.out], params, attrs };
    },
  };
}

export const conv = convLike(false);
export const convT = convLike(true);
