// The base of every generated model: it registers layers under their state_dict prefix
// ("0", "1", ...), gives PyTorch-ordered state (parameters then buffers of each layer, in
// layer order, like `state_dict()`), loads and saves it, and disposes it.
import type * as tf from "@tensorflow/tfjs";
import { Rng } from "../random.ts";
import type { ForwardOptions, Layer, StateEntry } from "./layer.ts";

export interface NamedState extends StateEntry {
  /** The full state_dict key, e.g. "3.running_var". */
  readonly key: string;
}

export interface ModelOptions {
  /** Seeds the initial weights (default 0). */
  readonly seed?: number;
}

export abstract class Model {
  protected readonly rng: Rng;
  private readonly layers: [string, Layer][] = [];

  constructor(options: ModelOptions = {}) {
    this.rng = new Rng(options.seed ?? 0);
  }

  /** Registers a layer under its state_dict prefix; returns it for a field initializer. */
  protected add<L extends Layer>(prefix: string, layer: L): L {
    this.layers.push([prefix, layer]);
    return layer;
  }

  /** Every parameter and buffer with its state_dict key, in PyTorch's order. */
  state(): NamedState[] {
    return this.layers.flatMap(([prefix, layer]) => layer.stateEntries().map((e) => ({ ...e, key: `${prefix}.${e.name}` })));
  }

  /** The trainable variables (what an optimizer updates). */
  parameters(): tf.Variable[] {
    return this.state()
      .filter((s) => s.kind === "parameter")
      .map((s) => s.variable);
  }

  /** Runs the model on its inputs, in the order of its header (channels-last tensors); its (first) output. */
  abstract forwardAll(inputs: readonly tf.Tensor[], opts: ForwardOptions): tf.Tensor;

  /** Every output, in the order of the header (`-> (src: [1], cls: [10])`); one for most models. */
  forwardOutputs(inputs: readonly tf.Tensor[], opts: ForwardOptions): tf.Tensor[] {
    return [this.forwardAll(inputs, opts)];
  }

  dispose(): void {
    for (const s of this.state()) s.variable.dispose();
  }
}

/**
 * Frees values of a forward pass after their last use (the generated forwards call it), as
 * PyTorch frees a tensor when its last reference goes. What the backward pass needs stays:
 * the tensors an operation saved for its gradient are copies that share the data.
 */
export function release(...values: tf.Tensor[]): void {
  for (const v of values) v.dispose();
}
