// Runs a model straight from the checked IR, for specs compiled on the fly (gan-sample with
// --set). It builds the same layers, in the same order, under the same state_dict keys as
// the generated class, so weights, initialisation (same seed) and outputs are identical;
// test/generated.test.ts checks that.
import type * as tf from "@tensorflow/tfjs";
import type { IrLayer, IrModel } from "../../compiler/ir.ts";
import * as F from "./functional.ts";
import { BatchNorm, Conv2d, ConvTranspose2d, Dropout, type ForwardOptions, Linear } from "./layers.ts";
import { Model, type ModelOptions } from "./model.ts";
import { cat, flatten, lrelu, relu, sigmoid, tanh } from "./index.ts";

type Step = (values: Map<number, tf.Tensor>, opts: ForwardOptions) => tf.Tensor;

const pair = (v: unknown): F.Pair => {
  const a = v as number[];
  return [a[0]!, a[1]!];
};

export class InterpretedModel extends Model {
  private readonly steps: [IrLayer, Step][] = [];

  constructor(
    readonly ir: IrModel,
    options: ModelOptions = {},
  ) {
    super(options);
    for (const l of ir.layers) this.steps.push([l, this.step(l)]);
  }

  private step(l: IrLayer): Step {
    const a = l.attrs;
    const input = (values: Map<number, tf.Tensor>) => values.get(l.inputs[0]!)!;
    switch (l.op) {
      case "conv": {
        const layer = this.add(String(l.index), new Conv2d({ inChannels: a["inChannels"] as number, outChannels: a["outChannels"] as number, kernel: pair(a["kernel"]), stride: pair(a["stride"]), padding: pair(a["padding"]), dilation: pair(a["dilation"]), bias: a["bias"] as boolean }, this.rng));
        return (v) => layer.forward(input(v) as tf.Tensor4D);
      }
      case "convT": {
        const layer = this.add(String(l.index), new ConvTranspose2d({ inChannels: a["inChannels"] as number, outChannels: a["outChannels"] as number, kernel: pair(a["kernel"]), stride: pair(a["stride"]), padding: pair(a["padding"]), dilation: pair(a["dilation"]), outputPadding: pair(a["outputPadding"]), bias: a["bias"] as boolean }, this.rng));
        return (v) => layer.forward(input(v) as tf.Tensor4D);
      }
      case "linear": {
        const layer = this.add(String(l.index), new Linear({ inFeatures: a["inFeatures"] as number, outFeatures: a["outFeatures"] as number, bias: a["bias"] as boolean }, this.rng));
        return (v) => layer.forward(input(v) as tf.Tensor2D);
      }
      case "bn": {
        const layer = this.add(String(l.index), new BatchNorm({ numFeatures: a["numFeatures"] as number, eps: a["eps"] as number, momentum: a["momentum"] as number }, this.rng));
        return (v, opts) => layer.forward(input(v), opts);
      }
      case "dropout": {
        const layer = new Dropout(a["p"] as number);
        return (v, opts) => layer.forward(input(v), opts);
      }
      case "relu":
        return (v) => relu(input(v));
      case "tanh":
        return (v) => tanh(input(v));
      case "sigmoid":
        return (v) => sigmoid(input(v));
      case "lrelu":
        return (v) => lrelu(input(v), a["negativeSlope"] as number);
      case "flatten":
        return (v) => flatten(input(v));
      case "reshape":
        return (v) => F.reshape(input(v), l.out);
      case "upsample":
        return (v) => F.upsample(input(v) as tf.Tensor4D, a["scale"] as number, a["mode"] as "nearest" | "bilinear");
      case "cat":
        return (v) => cat(...l.inputs.map((i) => v.get(i)!));
    }
  }

  forwardAll(inputs: readonly tf.Tensor[], opts: ForwardOptions): tf.Tensor {
    const values = new Map<number, tf.Tensor>();
    this.ir.inputs.forEach((input, i) => values.set(input.value, inputs[i]!));
    for (const [l, run] of this.steps) values.set(l.id, run(values, opts));
    return values.get(this.ir.output.value)!;
  }
}
