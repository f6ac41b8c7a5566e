// The checked IR (types only): what gan-compile hands to its emitters. Plain data, built by
// compiler/ir.ts only from a spec without errors, so every shape is known. Its JSON Schema
// (compiler/ir-schema.ts, written to compiler/ir.schema.json) checks it before emission;
// `gan-compile --emit ir` prints it.

/** A layer's attributes: what its kind needs to run it (channels, kernel, slope, ...). */
export type Attrs = Readonly<Record<string, number | boolean | string | readonly number[]>>;

/** How a parameter or buffer starts (the seeds' rules, else PyTorch's defaults). */
export type Init =
  | { readonly kind: "normal"; readonly mean: number; readonly std: number }
  | { readonly kind: "uniform"; readonly bound: number }
  | { readonly kind: "zeros" }
  | { readonly kind: "ones" }
  /** N(0, 1) draws scaled to length 1 (spectral normalisation's u and v). */
  | { readonly kind: "unit" };

/** A parameter or buffer of a layer, as PyTorch's module holds it. */
export interface StateSpec {
  /** PyTorch's local name: weight, bias, running_mean, ... */
  readonly name: string;
  readonly shape: readonly number[];
  readonly kind: "parameter" | "buffer";
  /** How PyTorch stores it: I64 for num_batches_tracked. */
  readonly dtype: "F32" | "I64";
  readonly init: Init;
}

export interface IrState extends StateSpec {
  /** The state_dict key: "<index>.<local name>". */
  readonly key: string;
}

export interface IrLayer {
  /** The value this layer produces (model inputs are values 0..n-1). */
  readonly id: number;
  /** The layer kind (compiler/layers/index.ts has its facts). */
  readonly op: string;
  readonly inputs: readonly number[];
  readonly inShape: readonly number[];
  readonly out: readonly number[];
  readonly params: number;
  /** Position in the equivalent nn.Sequential (its state_dict prefix); null for cat, flatten, reshape. */
  readonly index: number | null;
  readonly attrs: Attrs;
  readonly state: readonly IrState[];
  readonly line: number;
  readonly col: number;
  readonly name?: string;
  readonly blocks: readonly string[];
}

export interface IrModel {
  readonly name: string;
  /** `classes`: a class-label input (`y: label(10)`, shape []): its number of classes. */
  readonly inputs: readonly { readonly name: string; readonly shape: readonly number[]; readonly value: number; readonly classes?: number }[];
  /** The output (the first one of a model with several). */
  readonly output: { readonly value: number; readonly shape: readonly number[] };
  /** `-> (src: [1], cls: [10])`: named outputs, in order; absent for a model with one unnamed output. */
  readonly outputs?: readonly { readonly name: string; readonly value: number; readonly shape: readonly number[] }[];
  readonly params: number;
  readonly layers: readonly IrLayer[];
}

export interface IrSpec {
  readonly irVersion: number;
  readonly file: string;
  readonly parameters: Readonly<Record<string, number>>;
  readonly models: readonly IrModel[];
}
