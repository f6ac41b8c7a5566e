// Everything the compiler knows about a built-in layer kind, in one value per kind: how it
// is written (keyword, arguments), its shape rule and parameter count, what its IR
// attributes are, its PyTorch parameters and buffers (names, shapes, initialisation), and
// how the TypeScript emitter writes it. Adding a layer kind is one module here (plus its
// line in ./index.ts) and one runtime module (runtime/nn/layers/, plus its line in
// runtime/nn/index.ts); the runtime layer takes its state from `state()` below.
import type { Span } from "../../grammar/ast.ts";
import type { Args, Note } from "../diagnostic.ts";
import type { DiagnosticKey } from "../diagnostics.ts";
import type { Pair } from "../conv-shape.ts";
import type { Shape } from "../shape.ts";
import type { Attrs, StateSpec } from "../../contracts/ir.ts";

export type { Attrs, Init, StateSpec } from "../../contracts/ir.ts";

export interface PairSpec {
  /** Keyword, also the prefix of the compact form: `k4` is k = 4. */
  readonly key: string;
  /** How messages name it: "kernel size". */
  readonly what: string;
  readonly min: number;
  readonly default?: number;
}

export interface PositionalSpec {
  readonly name: string;
  readonly what: string;
  readonly kind: "int" | "real" | "mode" | "dims" | "sizes";
  readonly optional: boolean;
  readonly default?: number | string;
  /** For "mode": the accepted identifiers. */
  readonly modes?: readonly string[];
  /** Range check: returns the accepted range ("between 0 and 1") when v is outside it. */
  readonly range?: (v: number) => string | undefined;
}

export interface ArgSchema {
  readonly channels?: boolean;
  readonly pairs?: readonly PairSpec[];
  readonly flags?: readonly string[];
  readonly positional?: readonly PositionalSpec[];
}

export type PositionalValue = number | string | readonly number[];

export interface BoundArgs {
  /** IN and OUT of `IN -> OUT`; an undefined side could not be evaluated (already reported). */
  readonly channels: { readonly in: number | undefined; readonly out: number | undefined; readonly span: Span } | undefined;
  readonly pairs: ReadonlyMap<string, Pair | undefined>;
  /** Where each written pair argument is (`k4`, `k=(3, 5)`); absent for defaults. */
  readonly pairSpans: ReadonlyMap<string, Span>;
  readonly flags: ReadonlySet<string>;
  readonly positional: ReadonlyMap<string, { readonly value: PositionalValue | undefined; readonly span: Span }>;
}

/** What the layer's input came from, for messages ("the previous layer outputs 64"). */
export interface Producer {
  /** "the previous layer" or "input `x`". */
  readonly describe: string;
  /** The producing layer, e.g. "conv(3 -> 64)", or null for a model input. */
  readonly layer: string | null;
  readonly span: Span | null;
  /** True when the producer declared its output channels (conv, convT, linear, bn(C)). */
  readonly declaresChannels: boolean;
}

export interface LayerContext {
  readonly op: string;
  readonly span: Span;
  readonly producer: Producer;
  /** Reports at the layer, or at `span` (the argument at fault) when given. */
  report(key: DiagnosticKey, args: Args, extras?: { hint?: string; notes?: readonly Note[]; span?: Span }): void;
  /** Input channels that the layers after this one expect, if they say. */
  downstreamChannels(): number | undefined;
  /** When the input is a class label (`y: label(10)`): its number of classes. */
  readonly labelClasses?: number;
}

/** A constructor argument of a runtime layer, as the emitter prints it. */
export type ConfigValue = number | boolean | string | readonly number[];

/**
 * How the TypeScript emitter writes a layer (runtime/nn/ has the names it uses):
 * - "module": a field `this.add("<index>", new Cls(config, this.rng))` whose forward runs
 *   it (`forward(x)`, or `forward(x, opts)` when it depends on the mode);
 * - "mode": a field without state, `new Cls(arg)`, run as `forward(x, opts)` (dropout);
 * - "call": a function of the runtime, `fn(x, ...args)`.
 */
export type TsForm =
  | { readonly kind: "module"; readonly cls: string; readonly config: (a: Attrs) => Readonly<Record<string, ConfigValue>>; readonly takesOpts: boolean | ((a: Attrs) => boolean) }
  | { readonly kind: "mode"; readonly cls: string; readonly arg: (a: Attrs) => ConfigValue }
  | { readonly kind: "call"; readonly fn: (a: Attrs, out: readonly number[]) => string; readonly args: (a: Attrs, out: readonly number[]) => readonly ConfigValue[] };

/**
 * How the PyTorch emitter (compiler/emit-torch.ts) writes a layer, as Python source text:
 * - "module": `self.add_module("<index>", <module>)`, run as `self[<index>](x)` (its state
 *   then has the state_dict keys "<index>.weight", ... of the TypeScript model);
 * - "call": an expression of `torch` and `torch.nn.functional as F` over its inputs.
 * Numbers print as JavaScript prints them (`0.2`, `1e-7`), which Python reads the same.
 */
export type TorchForm =
  | {
      readonly kind: "module";
      readonly module: (a: Attrs, inShape: readonly number[]) => string;
      /** Python source of the classes the module needs, written once at the top of models.py. */
      readonly support?: string;
    }
  | { readonly kind: "call"; readonly call: (a: Attrs, inputs: readonly string[], out: readonly number[]) => string };

export interface LayerResult {
  readonly out: Shape;
  /** Trainable parameters, as PyTorch counts them; undefined when they can't be known. */
  readonly params: number | undefined;
  readonly attrs: Attrs;
}

export interface LayerDef {
  readonly name: string;
  /** How it is written, for hints and the language reference. */
  readonly signature: string;
  /** PyTorch equivalent, for the language reference. */
  readonly pytorch: string;
  readonly schema: ArgSchema;
  infer(input: Shape, args: BoundArgs, ctx: LayerContext): LayerResult;
  /**
   * A PyTorch module: it takes the next index of the model's nn.Sequential (its state_dict
   * prefix). False for what is a step of forward() in PyTorch (flatten, reshape, cat).
   */
  readonly module: boolean;
  /** What the layer does to the channel count, for messages and fix suggestions. */
  readonly channels:
    /** Sets it from its written `IN -> OUT` (conv, convT, linear); reads IN. */
    | "declares"
    /** Keeps it (activations, dropout, upsample): looked through when guessing what comes next. */
    | "keeps"
    /** Keeps it, and `bn(C)` says which it expects. */
    | "checks"
    /** Changes it in its own way (flatten, reshape). */
    | "other";
  /** As the first layer after a short header `NAME:`, the input it implies from its IN (`[IN, 1, 1]` before convT, `[IN]` before linear). */
  readonly shortHeaderInput?: (inChannels: number) => readonly number[];
  /** Output channels of a bias that a BatchNorm right after it cancels; undefined without a bias. */
  readonly cancelledBias?: (a: Attrs) => number | undefined;
  /** It cancels the bias of the layer before it (BatchNorm). */
  readonly cancelsBias?: boolean;
  /** It takes class labels (embedding, onehot); no other layer does. */
  readonly takesLabels?: boolean;
  /** JSON Schema of its IR attributes (compiler/ir-schema.ts builds the IR's schema from these). */
  readonly attrsSchema: Readonly<Record<string, unknown>>;
  /** Its parameters and buffers in PyTorch's order, from its IR attributes (or the runtime config, which has the same names). */
  readonly state: (a: Attrs) => readonly StateSpec[];
  /** How the TypeScript emitter writes it. */
  readonly ts: TsForm;
  /** How the PyTorch emitter writes it. */
  readonly torch: TorchForm;
  /** How a generated file's comment describes it: `conv(3 -> 64, k4, s2, p1, nobias)`. */
  readonly describe: (a: Attrs, inShape: readonly number[]) => string;
}
