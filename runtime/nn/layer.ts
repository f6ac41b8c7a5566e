// The base of the layers a generated model is made of: it holds a layer's parameters and
// buffers as TF.js variables, in PyTorch's layout and under PyTorch's local names. Which
// ones, their shapes and how they start come from the layer kind's compiler module
// (compiler/layers/*.ts: `state()`), the one place that says it; the IR, the checkpoint
// fingerprint and the PyTorch side read the same list.
import * as tf from "@tensorflow/tfjs";
import type { Attrs, Init, StateSpec } from "../../contracts/ir.ts";
import type { Rng } from "../random.ts";

export interface ForwardOptions {
  /** Training mode: batch statistics in BatchNorm, dropout on. */
  readonly training: boolean;
  /** Update BatchNorm's running statistics (default: when training). */
  readonly updateStats?: boolean;
  /** Seeds dropout masks in training mode. */
  readonly rng?: Rng;
}

export interface StateEntry {
  /** PyTorch's local name: weight, bias, running_mean, running_var, num_batches_tracked. */
  readonly name: string;
  readonly variable: tf.Variable;
  readonly kind: "parameter" | "buffer";
  /** How PyTorch stores it: I64 for num_batches_tracked. */
  readonly dtype: "F32" | "I64";
  readonly init: Init;
}

/** A layer's config object as the attributes its kind's `state()` reads (the same names). */
export const attrs = (config: object): Attrs => config as Attrs;

export function initialValues(init: Init, size: number, rng: Rng): Float32Array {
  switch (init.kind) {
    case "normal":
      return rng.fillNormal(size, init.mean, init.std);
    case "uniform":
      return rng.fillUniform(size, -init.bound, init.bound);
    case "zeros":
      return new Float32Array(size);
    case "ones":
      return new Float32Array(size).fill(1);
    case "unit": {
      const v = rng.fillNormal(size, 0, 1);
      const norm = Math.max(Math.hypot(...v), 1e-12);
      return v.map((x) => x / norm);
    }
  }
}

export abstract class Layer {
  private readonly entries: StateEntry[] = [];

  /** Creates the variables of `specs`, in order, drawing initial values from `rng`; by name. */
  protected createState(specs: readonly StateSpec[], rng: Rng): ReadonlyMap<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const s of specs) {
      const size = s.shape.reduce((a, b) => a * b, 1);
      // tf.variable shares the initial tensor's data and leaves that tensor alive: dispose it,
      // or Model.dispose() would leave every initial value behind.
      const initial = tf.tensor(initialValues(s.init, size, rng), [...s.shape], "float32");
      const variable = tf.variable(initial, s.kind === "parameter");
      initial.dispose();
      this.entries.push({ name: s.name, variable, kind: s.kind, dtype: s.dtype, init: s.init });
      out.set(s.name, variable);
    }
    return out;
  }

  stateEntries(): readonly StateEntry[] {
    return this.entries;
  }
}
