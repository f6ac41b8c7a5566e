// The AST of a .gan spec: plain data. Every node keeps its source range as offsets
// (`start` inclusive, `end` exclusive); line and column are worked out only when a
// diagnostic is rendered.

export interface Span {
  readonly start: number;
  readonly end: number;
}

export type Expr =
  | { readonly kind: "number"; readonly value: number; readonly text: string; readonly span: Span }
  | { readonly kind: "name"; readonly name: string; readonly span: Span }
  | {
      readonly kind: "binary";
      readonly op: "+" | "-" | "*" | "/" | "**";
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  | { readonly kind: "negate"; readonly operand: Expr; readonly span: Span }
  | {
      readonly kind: "call";
      readonly callee: string;
      readonly calleeSpan: Span;
      readonly args: readonly Expr[];
      /** `lr = 2e-4`: only the training section's functions take keywords. */
      readonly keywords: readonly KeywordArg[];
      readonly span: Span;
    }
  | { readonly kind: "tuple"; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly kind: "list"; readonly items: readonly Expr[]; readonly span: Span }
  /** Left where the parser recovered from a syntax error; already reported. */
  | { readonly kind: "missing"; readonly span: Span };

export interface KeywordArg {
  readonly key: string;
  readonly keySpan: Span;
  readonly value: Expr;
  readonly span: Span;
}

/** One argument of a layer or block call. */
export type Arg =
  | { readonly kind: "positional"; readonly value: Expr; readonly span: Span }
  | { readonly kind: "channels"; readonly from: Expr; readonly to: Expr; readonly span: Span }
  | {
      readonly kind: "keyword";
      readonly key: string;
      readonly keySpan: Span;
      readonly value: Expr;
      readonly span: Span;
    };

/** `conv(...)`, `relu`, `down(64, 128)`, `e3`, `cat(a, b)`: resolved by the checker. */
export interface Element {
  readonly kind: "element";
  readonly name: string;
  readonly nameSpan: Span;
  /** null when written without parentheses. */
  readonly args: readonly Arg[] | null;
  readonly span: Span;
}

export interface ForLoop {
  readonly kind: "for";
  readonly variable: string;
  readonly variableSpan: Span;
  readonly range: Expr;
  readonly body: readonly Statement[];
  readonly span: Span;
}

export type ChainItem = Element | ForLoop;

/** `name = item item ...` or just `item item ...`. */
export interface Statement {
  readonly binding: { readonly name: string; readonly span: Span } | null;
  readonly items: readonly ChainItem[];
  readonly span: Span;
}

export interface ParamDef {
  readonly kind: "param";
  readonly name: string;
  readonly nameSpan: Span;
  readonly value: Expr;
  readonly span: Span;
}

export interface ShapeExpr {
  readonly dims: readonly Expr[];
  readonly span: Span;
}

export interface InputDecl {
  readonly name: string;
  readonly nameSpan: Span;
  readonly shape: ShapeExpr;
  /** `y: label(10)`: a class index per example; `kind` is the word written (only `label` is known). */
  readonly label?: { readonly kind: string; readonly kindSpan: Span; readonly classes: Expr; readonly span: Span };
}

/** A named output of a model with several: `src: [1]` (shape null when not written). */
export interface OutputDecl {
  /** "" for an output written without a name (`-> ([1], [10])`): an error the checker reports. */
  readonly name: string;
  readonly nameSpan: Span;
  readonly shape: ShapeExpr | null;
  readonly span: Span;
}

export interface BlockDef {
  readonly kind: "block";
  readonly name: string;
  readonly nameSpan: Span;
  readonly params: readonly { readonly name: string; readonly span: Span }[];
  readonly body: readonly Statement[];
  readonly headerSpan: Span;
  readonly span: Span;
  /** A syntax error was reported inside; the checker skips checks that would only echo it. */
  readonly incomplete: boolean;
}

export interface ModelDef {
  readonly kind: "model";
  readonly name: string;
  readonly nameSpan: Span;
  /** null for a short header `G:` (the input follows from the first layer). */
  readonly inputs: readonly InputDecl[] | null;
  readonly output: ShapeExpr | null;
  /** `-> (src: [1], cls: [10])`: named outputs, each bound in the body; null for `-> [shape]` or none. */
  readonly outputs: readonly OutputDecl[] | null;
  readonly body: readonly Statement[];
  readonly headerSpan: Span;
  readonly span: Span;
  readonly incomplete: boolean;
}

/** One line of the `train:` section. */
export interface TrainStatement {
  /** `let`: `NAME = ...` / `L, ab = ...`; `step` / `optim`: `step MODEL = ...`. */
  readonly kind: "let" | "step" | "optim" | "ema";
  /** let: the names bound; step / optim: the model (one entry). */
  readonly names: readonly { readonly name: string; readonly span: Span }[];
  /** `step D * 5 = ...`: the repeat count, else null. */
  readonly repeat: Expr | null;
  readonly value: Expr;
  readonly span: Span;
}

export interface TrainDef {
  readonly kind: "train";
  readonly statements: readonly TrainStatement[];
  readonly headerSpan: Span;
  readonly span: Span;
  readonly incomplete: boolean;
}

export interface Spec {
  readonly params: readonly ParamDef[];
  readonly blocks: readonly BlockDef[];
  readonly models: readonly ModelDef[];
  /** `train:` sections in source order (more than one is an error). */
  readonly train: readonly TrainDef[];
}

/** A problem found while lexing or parsing, before it gets a diagnostic code. */
export type SyntaxProblem =
  | { readonly kind: "unexpected-character"; readonly text: string; readonly span: Span }
  | { readonly kind: "lookalike"; readonly text: string; readonly meant: string; readonly span: Span }
  | { readonly kind: "expected"; readonly expected: string; readonly found: string; readonly span: Span }
  | { readonly kind: "too-deep"; readonly limit: number; readonly span: Span }
  | { readonly kind: "parameter-after-model"; readonly name: string; readonly span: Span }
  | { readonly kind: "layers-outside-model"; readonly span: Span }
  | { readonly kind: "too-many-errors"; readonly limit: number; readonly span: Span };

export interface ParseResult {
  readonly spec: Spec;
  readonly problems: readonly SyntaxProblem[];
}
