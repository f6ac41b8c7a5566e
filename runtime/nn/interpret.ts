// Runs a model straight from the checked IR, for specs compiled on the fly (gan-sample with
// --set). It builds the same layers, in the same order, under the same state_dict keys as
// the generated class, so weights, initialisation (same seed) and outputs are identical;
// test/generated.test.ts checks that.
import type * as tf from "@tensorflow/tfjs";
import { type IrLayer, type IrModel, layerConfig } from "../../compiler/ir.ts";
import * as F from "./functional.ts";
import { BatchNorm, Conv2d, ConvTranspose2d, Dropout, type ForwardOptions, Linear } from "./layers.ts";
import { Model, type ModelOptions } from "./model.ts";
import { cat, flatten, lrelu, relu, sigmoid, tanh } from "./index.ts";

type Step = (values: Map<number, tf.Tensor>, opts: ForwardOptions) => tf.Tensor;

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
    const cfg = layerConfig(l);
    if (cfg) {
      const prefix = String(l.index);
      switch (cfg.cls) {
        case "Conv2d": {
          const layer = this.add(prefix, new Conv2d(cfg.config, this.rng));
          return (v) => layer.forward(input(v) as tf.Tensor4D);
        }
        case "ConvTranspose2d": {
          const layer = this.add(prefix, new ConvTranspose2d(cfg.config, this.rng));
          return (v) => layer.forward(input(v) as tf.Tensor4D);
        }
        case "Linear": {
          const layer = this.add(prefix, new Linear(cfg.config, this.rng));
          return (v) => layer.forward(input(v) as tf.Tensor2D);
        }
        case "BatchNorm": {
          const layer = this.add(prefix, new BatchNorm(cfg.config, this.rng));
          return (v, opts) => layer.forward(input(v), opts);
        }
      }
    }
    switch (l.op) {
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
      default:
        throw new Error(`the interpreter has no rule for op ${l.op}`);
    }
  }

  forwardAll(inputs: readonly tf.Tensor[], opts: ForwardOptions): tf.Tensor {
    const values = new Map<number, tf.Tensor>();
    this.ir.inputs.forEach((input, i) => values.set(input.value, inputs[i]!));
    for (const [l, run] of this.steps) values.set(l.id, run(values, opts));
    return values.get(this.ir.output.value)!;
  }
}
