// What a built-in layer is to the checker: a keyword, the arguments it takes, and a rule
// from (input shape, arguments) to (output shape, parameter count, attributes).
import type { Span } from "../../grammar/ast.ts";
import type { Args, Note } from "../diagnostic.ts";
import type { DiagnosticKey } from "../diagnostics.ts";
import type { Pair } from "../conv-shape.ts";
import type { Shape } from "../shape.ts";

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
  readonly kind: "int" | "real" | "mode" | "dims";
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
}

export type Attrs = Readonly<Record<string, number | boolean | string | readonly number[]>>;

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
}
