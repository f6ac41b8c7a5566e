// attention / attention(C): SAGAN's self-attention block (Zhang et al. 2019), as its
// reference PyTorch code (`Self_Attn`) builds it: query and key 1x1 convs to C/8 channels,
// value to C, softmax over positions of query · key, out = value weighted by it, and
// γ · out + x with a learnable γ that starts at 0. State (PyTorch's order): gamma, then the
// three convs' weight and bias (`query_conv.weight`, ...); with `sn`, each conv spectrally
// normalised (weight_orig, weight_u, weight_v), as BigGAN and StudioGAN do.
import { hint } from "../diagnostic.ts";
import { formatShape, type Shape } from "../shape.ts";
import { checkedChannels } from "./norms.ts";
import { spectralState } from "./spectral.ts";
import type { BoundArgs, LayerContext, LayerDef, LayerResult, StateSpec } from "./types.ts";

function conv1x1(prefix: string, cin: number, cout: number, spectral: boolean): StateSpec[] {
  const bound = 1 / Math.sqrt(cin);
  const plain: StateSpec[] = [
    { name: "weight", shape: [cout, cin, 1, 1], kind: "parameter", dtype: "F32", init: { kind: "uniform", bound } },
    { name: "bias", shape: [cout], kind: "parameter", dtype: "F32", init: { kind: "uniform", bound } },
  ];
  return (spectral ? spectralState(plain, cout, cin) : plain).map((s) => ({ ...s, name: `${prefix}.${s.name}` }));
}

const SUPPORT = `class SelfAttention(nn.Module):
    """SAGAN's self-attention block (its reference code's Self_Attn): gamma * attention(x) + x."""

    def __init__(self, c, sn=False):
        super().__init__()
        wrap = nn.utils.spectral_norm if sn else (lambda m: m)
        self.query_conv = wrap(nn.Conv2d(c, c // 8, 1))
        self.key_conv = wrap(nn.Conv2d(c, c // 8, 1))
        self.value_conv = wrap(nn.Conv2d(c, c, 1))
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.query_conv(x).view(b, -1, h * w).permute(0, 2, 1)
        k = self.key_conv(x).view(b, -1, h * w)
        attention = torch.softmax(torch.bmm(q, k), dim=-1)
        v = self.value_conv(x).view(b, -1, h * w)
        out = torch.bmm(v, attention.permute(0, 2, 1)).view(b, c, h, w)
        return self.gamma * out + x`;

export const attention: LayerDef = {
  name: "attention",
  module: true,
  channels: "checks",
  attrsSchema: { required: ["channels"], properties: { channels: { type: "integer", minimum: 8 }, spectral: { type: "boolean" } } },
  state(a) {
    const c = a["channels"] as number;
    const sn = a["spectral"] === true;
    return [
      { name: "gamma", shape: [1], kind: "parameter", dtype: "F32", init: { kind: "zeros" } },
      ...conv1x1("query_conv", c, Math.floor(c / 8), sn),
      ...conv1x1("key_conv", c, Math.floor(c / 8), sn),
      ...conv1x1("value_conv", c, c, sn),
    ];
  },
  ts: {
    kind: "module",
    cls: "SelfAttention",
    takesOpts: true,
    config: (a) => ({ channels: a["channels"] as number, ...(a["spectral"] ? { spectral: true } : {}) }),
  },
  torch: { kind: "module", module: (a) => `SelfAttention(${a["channels"]}${a["spectral"] ? ", sn=True" : ""})`, support: SUPPORT },
  describe: (a) => `attention(${a["channels"]}${a["spectral"] ? ", sn" : ""}) (SAGAN self-attention)`,
  signature: "attention or attention(C[, sn])",
  pytorch: "SAGAN's Self_Attn(C): 1x1 convs to C/8 (query, key) and C (value), softmax over positions, gamma * out + x, gamma starting at 0",
  schema: { flags: ["sn"], positional: [{ name: "channels", what: "number of channels", kind: "int", optional: true, range: (v) => (v >= 8 ? undefined : "at least 8") }] },
  infer(input: Shape, a: BoundArgs, ctx: LayerContext): LayerResult {
    if (input !== null && input.length !== 3) {
      ctx.report("RankMismatch", ["attention", "an image [C, H, W]", formatShape(input)], { hint: hint("AddReshape") });
      return { out: null, params: undefined, attrs: { channels: -1 } };
    }
    const c = checkedChannels("attention", input, a, ctx);
    const sn = a.flags.has("sn");
    const attrs = { channels: c ?? -1, ...(sn ? { spectral: true } : {}) };
    if (c !== null && c < 8) ctx.report("WrongValueKind", ["attention's channels", "at least 8 (its query and key have C / 8)", String(c)]);
    const c8 = c === null ? null : Math.floor(c / 8);
    return { out: input, params: c === null || c8 === null ? undefined : 1 + 2 * (c * c8 + c8) + c * c + c, attrs };
  },
};
