// conv and convT: Conv2d and ConvTranspose2d, with PyTorch's size rules (../conv-shape.ts).
import { convOutputSize, convTransposeOutputSize, type ConvGeometry, type Pair } from "../conv-shape.ts";
import { hint } from "../diagnostic.ts";
import { channels, type Dim, formatShape, formatSpatial, type Shape } from "../shape.ts";
import { spectralModule, spectralState } from "./spectral.ts";
import type { Attrs, BoundArgs, LayerContext, LayerDef, LayerResult, PairSpec, StateSpec } from "./types.ts";

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

const pairSchema = { type: "array", items: { type: "integer", minimum: 0 }, minItems: 2, maxItems: 2 };
const DEFAULTS: Readonly<Record<string, number>> = { stride: 1, padding: 0, dilation: 1, outputPadding: 0 };

/** `conv(3 -> 64, k4, s2, p1, nobias)`: the layer as a spec would write it (defaults left out). */
function describeConv(op: string, a: Attrs): string {
  const pairs = ([["kernel", "k"], ["stride", "s"], ["padding", "p"], ["dilation", "d"], ["outputPadding", "op"]] as const)
    .map(([k, short]) => {
      const v = a[k] as readonly number[] | undefined;
      if (!v || (v[0] === DEFAULTS[k] && v[1] === DEFAULTS[k])) return "";
      return v[0] === v[1] ? `, ${short}${v[0]}` : `, ${short}=(${v.join(", ")})`;
    })
    .join("");
  return `${op}(${a["inChannels"]} -> ${a["outChannels"]}${pairs}${a["bias"] ? "" : ", nobias"}${a["spectral"] ? ", sn" : ""})`;
}

const pairOf = (a: Attrs, k: string): [number, number] => {
  const v = a[k] as readonly number[];
  return [v[0]!, v[1]!];
};

function convLike(transposed: boolean): LayerDef {
  const op = transposed ? "convT" : "conv";
  return {
    name: op,
    module: true,
    channels: "declares",
    ...(transposed ? { shortHeaderInput: (n: number) => [n, 1, 1] } : {}),
    cancelledBias: (a) => (a["bias"] ? (a["outChannels"] as number) : undefined),
    attrsSchema: {
      required: ["inChannels", "outChannels", "kernel", "stride", "padding", "dilation", "bias", ...(transposed ? ["outputPadding"] : [])],
      properties: {
        inChannels: { type: "integer", minimum: 1 },
        outChannels: { type: "integer", minimum: 1 },
        kernel: pairSchema,
        stride: pairSchema,
        padding: pairSchema,
        dilation: pairSchema,
        ...(transposed ? { outputPadding: pairSchema } : {}),
        bias: { type: "boolean" },
        spectral: { type: "boolean" },
      },
    },
    // Conv2d: weight [out, in, kH, kW]; ConvTranspose2d: [in, out, kH, kW], and PyTorch's
    // fan_in is then out * kH * kW. Weights N(0, 0.02) as the seeds initialise them; the bias
    // PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    state(a) {
      const inC = a["inChannels"] as number;
      const outC = a["outChannels"] as number;
      const [kh, kw] = pairOf(a, "kernel");
      const fanIn = (transposed ? outC : inC) * kh * kw;
      const plain: StateSpec[] = [
        { name: "weight", shape: transposed ? [inC, outC, kh, kw] : [outC, inC, kh, kw], kind: "parameter", dtype: "F32", init: { kind: "normal", mean: 0, std: 0.02 } },
        ...(a["bias"] ? [{ name: "bias", shape: [outC], kind: "parameter" as const, dtype: "F32" as const, init: { kind: "uniform" as const, bound: 1 / Math.sqrt(fanIn) } }] : []),
      ];
      // spectral_norm's matrix: the output channels (dim 0, or dim 1 of a transposed weight) by the rest
      return a["spectral"] ? spectralState(plain, outC, inC * kh * kw) : plain;
    },
    ts: {
      kind: "module",
      cls: transposed ? "ConvTranspose2d" : "Conv2d",
      takesOpts: (a) => a["spectral"] === true,
      config: (a) => ({
        inChannels: a["inChannels"] as number,
        outChannels: a["outChannels"] as number,
        kernel: pairOf(a, "kernel"),
        stride: pairOf(a, "stride"),
        padding: pairOf(a, "padding"),
        dilation: pairOf(a, "dilation"),
        ...(transposed ? { outputPadding: pairOf(a, "outputPadding") } : {}),
        bias: a["bias"] as boolean,
        ...(a["spectral"] ? { spectral: true } : {}),
      }),
    },
    torch: {
      kind: "module",
      module: (a) => {
        const pairs = (k: string) => { const [x, y] = pairOf(a, k); return x === y ? String(x) : `(${x}, ${y})`; };
        const isDefault = (k: string) => pairOf(a, k).every((v) => v === DEFAULTS[k]);
        const extra = [
          ...(transposed && !isDefault("outputPadding") ? [`output_padding=${pairs("outputPadding")}`] : []),
          ...(isDefault("dilation") ? [] : [`dilation=${pairs("dilation")}`]),
          `bias=${a["bias"] ? "True" : "False"}`,
        ];
        const m = `nn.${transposed ? "ConvTranspose2d" : "Conv2d"}(${a["inChannels"]}, ${a["outChannels"]}, ${pairs("kernel")}, ${pairs("stride")}, ${pairs("padding")}, ${extra.join(", ")})`;
        return a["spectral"] ? spectralModule(m) : m;
      },
    },
    describe: (a) => describeConv(op, a),
    signature: transposed
      ? "convT(IN -> OUT, kK[, sS][, pP][, dD][, opN][, nobias][, sn])"
      : "conv(IN -> OUT, kK[, sS][, pP][, dD][, nobias][, sn])",
    pytorch: transposed
      ? "ConvTranspose2d(IN, OUT, K, S, P, output_padding=N, dilation=D, bias=not nobias); with sn, spectral_norm(...)"
      : "Conv2d(IN, OUT, K, S, P, dilation=D, bias=not nobias); with sn, spectral_norm(...)",
    schema: {
      channels: true,
      pairs: transposed ? [kernel, stride, padding, dilation, outputPadding] : [kernel, stride, padding, dilation],
      flags: transposed ? ["nobias", "sn"] : ["nobias", "sn", "same"],
    },
    infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
      const inC = a.channels?.in;
      const outC = a.channels?.out;
      const k = pair(a, "k");
      const bias = !a.flags.has("nobias");
      const spectral = a.flags.has("sn");
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
        ...(spectral ? { spectral } : {}),
      };
      if (input !== null && input.length !== 3) {
        ctx.report("RankMismatch", [op, "an image [C, H, W]", formatShape(input)], {
          hint: hint("AddReshape"),
        });
        return { out: [outC ?? null, null, null], params, attrs };
      }
      checkInputChannels("channels", channels(input), a, ctx);
      const s = pair(a, "s");
      const d = pair(a, "d");
      let p = pair(a, "p");
      const spatialIn: Dim[] = input === null ? [null, null] : [input[1] ?? null, input[2] ?? null];
      if (a.flags.has("same") && k !== undefined && s !== undefined && d !== undefined) {
        // Keras / TensorFlow's "same": out = ceil(H / S), the padding split with the odd pixel
        // on the right and bottom. Symmetric splits are conv's own padding; others need pad().
        const totals = [0, 1].map((j) => {
          const h = spatialIn[j];
          return h == null ? null : Math.max((Math.ceil(h / s[j]!) - 1) * s[j]! + d[j]! * (k[j]! - 1) + 1 - h, 0);
        });
        if (totals.every((t) => t !== null && t % 2 === 0)) {
          p = [totals[0]! / 2, totals[1]! / 2];
          (attrs as { padding: readonly number[] }).padding = p;
        } else if (totals.every((t) => t !== null)) {
          const [th, tw] = totals as [number, number];
          const sides = [Math.floor(tw / 2), tw - Math.floor(tw / 2), Math.floor(th / 2), th - Math.floor(th / 2)];
          ctx.report("NotSupported", ["p=same", `here the padding is uneven: ${th} rows and ${tw} columns`], {
            hint: `write pad([${sides.join(", ")}]) before it and p0 (the odd pixel goes right and below, as in Keras)`,
            ...(a.pairSpans.get("p") ? { span: a.pairSpans.get("p")! } : {}),
          });
          return { out: [outC ?? null, null, null], params, attrs };
        }
      }
      const opad = transposed ? pair(a, "op") : ([0, 0] as const);
      if (k === undefined || s === undefined || p === undefined || d === undefined || opad === undefined) {
        return { out: [outC ?? null, null, null], params, attrs };
      }
      const g: ConvGeometry = { k, s, p, d, op: opad };
      const size = transposed ? convTransposeOutputSize(spatialIn, g) : convOutputSize(spatialIn, g);
      if (!size.ok) {
        const at = (key: string) => {
          const span = a.pairSpans.get(key);
          return span ? { span } : {};
        };
        switch (size.kind) {
          case "kernel-too-large":
            ctx.report("KernelTooLarge", [op, formatSpatial(size.padded), formatSpatial(size.kernel)], {
              hint: kernelFix(spatialIn, g),
              ...at("k"),
            });
            break;
          case "output-too-small":
            ctx.report("OutputTooSmall", [formatSpatial(size.output), formatSpatial(size.input)], {
              hint: transposedPaddingFix(spatialIn, g),
              ...at("p"),
            });
            break;
          case "output-padding":
            ctx.report("OutputPaddingTooLarge", [size.op, size.stride, size.dilation], {
              hint: hint("OutputPaddingFix", [size.stride > 1 || size.dilation > 1 ? written("op", [Math.max(size.stride, size.dilation) - 1, Math.max(size.stride, size.dilation) - 1]) : "no output padding", `s${size.op + 1}`]),
              ...at("op"),
            });
            break;
        }
        return { out: [outC ?? null, null, null], params, attrs };
      }
      return { out: [outC ?? null, ...size.out], params, attrs };
    },
  };
}

/** An argument as it is written: `k4`, or `k=(3, 5)` when the two sides differ. */
function written(key: string, v: Pair): string {
  return v[0] === v[1] ? `${key}${v[0]}` : `${key}=(${v[0]}, ${v[1]})`;
}

/**
 * The two fixes of a kernel that does not fit its padded input: the largest kernel that
 * fits, and the smallest padding that fits this kernel (each side that already fits keeps
 * its value).
 */
function kernelFix(input: readonly Dim[], g: ConvGeometry): string {
  const j2 = [0, 1] as const;
  const padded = j2.map((j) => (input[j] == null ? null : input[j]! + 2 * g.p[j]));
  const fits = j2.map((j) => padded[j] === null || padded[j]! >= g.d[j] * (g.k[j] - 1) + 1);
  const k: Pair = [0, 1].map((j) => (fits[j] ? g.k[j]! : Math.floor((padded[j]! - 1) / g.d[j]!) + 1)) as [number, number];
  const p: Pair = [0, 1].map((j) => (fits[j] ? g.p[j]! : Math.ceil((g.d[j]! * (g.k[j]! - 1) + 1 - input[j]!) / 2))) as [number, number];
  const paddedNote = g.p[0] > 0 || g.p[1] > 0 ? ` (${formatSpatial(padded)} with ${written("p", g.p)})` : "";
  return hint("KernelFix", [formatSpatial(input), paddedNote, written("k", k), written("p", p), formatSpatial(j2.map((j) => (input[j] == null ? null : input[j]! + 2 * p[j])))]);
}

/** convT: the largest padding that still leaves an output of at least 1 (unknown sides keep theirs). */
function transposedPaddingFix(input: readonly Dim[], g: ConvGeometry): string {
  const p: Pair = [0, 1].map((j) => {
    const h = input[j];
    return h == null ? g.p[j]! : Math.min(g.p[j]!, Math.floor(((h - 1) * g.s[j]! + g.d[j]! * (g.k[j]! - 1) + g.op[j]!) / 2));
  }) as [number, number];
  return hint("TransposedPaddingFix", [written("p", p)]);
}

export const conv = convLike(false);
export const convT = convLike(true);
