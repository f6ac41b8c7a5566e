// Element-wise activations: shape in = shape out, no parameters.
import type { Shape } from "../shape.ts";
import type { BoundArgs, LayerDef, LayerResult } from "./types.ts";

/** What every element-wise activation shares: no state, no Sequential slot of its own state. */
const elementwise = { module: true, channels: "keeps", attrsSchema: {}, state: () => [] } as const;

function activation(name: string, pytorch: string, torchCall: string): LayerDef {
  return {
    ...elementwise,
    name,
    signature: `${name} takes no arguments: write \`${name}\``,
    pytorch,
    schema: {},
    infer: (input: Shape): LayerResult => ({ out: input, params: 0, attrs: {} }),
    ts: { kind: "call", fn: () => name, args: () => [] },
    torch: { kind: "call", call: (_a, [x]) => `${torchCall}(${x})` },
    describe: () => name,
  };
}

export const relu = activation("relu", "ReLU()", "F.relu");
/** Over dim 1 (channels, or a vector's features), as a class head's Softmax(dim=1). */
export const softmax: LayerDef = {
  ...activation("softmax", "Softmax(dim=1): over the channels of an image, the features of a vector", ""),
  torch: { kind: "call", call: (_a, [x]) => `torch.softmax(${x}, 1)` },
};
export const tanh = activation("tanh", "Tanh()", "torch.tanh");
export const sigmoid = activation("sigmoid", "Sigmoid()", "torch.sigmoid");

export const lrelu: LayerDef = {
  ...elementwise,
  attrsSchema: { required: ["negativeSlope"], properties: { negativeSlope: { type: "number" } } },
  ts: { kind: "call", fn: () => "lrelu", args: (a) => [a["negativeSlope"] as number] },
  torch: { kind: "call", call: (a, [x]) => `F.leaky_relu(${x}, ${a["negativeSlope"]})` },
  describe: (a) => `lrelu(${a["negativeSlope"]})`,
  name: "lrelu",
  signature: "lrelu(A)",
  pytorch: "LeakyReLU(A) (A defaults to 0.01, as in PyTorch)",
  schema: { positional: [{ name: "slope", what: "negative slope", kind: "real", optional: true, default: 0.01 }] },
  infer: (input: Shape, a: BoundArgs): LayerResult => ({
    out: input,
    params: 0,
    attrs: { negativeSlope: (a.positional.get("slope")?.value as number | undefined) ?? 0.01 },
  }),
};
