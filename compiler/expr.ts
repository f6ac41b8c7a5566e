// Expression evaluation: integers and decimals, `+ - * / **`, unary minus, parentheses,
// names (parameters, block parameters, loop variables) and the function log2(). `/` on
// whole numbers must divide exactly. A failed evaluation reports once and yields undefined;
// callers treat undefined as "unknown" and go on.
import type { Expr, Span } from "../grammar/ast.ts";
import { type DiagnosticBag, diagnostic, hint } from "./diagnostic.ts";
import { closest } from "./names.ts";

export type NameKind = "parameter" | "block parameter" | "loop variable";

export interface Binding {
  readonly value: number | undefined;
  readonly kind: NameKind;
  readonly span: Span;
}

/** Nested scopes: loop variables and block parameters over the spec's parameters. */
export class Scope {
  private readonly names = new Map<string, Binding>();

  constructor(
    private readonly parent: Scope | null = null,
    private readonly onUse: ((name: string) => void) | null = null,
  ) {}

  define(name: string, binding: Binding): void {
    this.names.set(name, binding);
  }

  lookup(name: string): Binding | undefined {
    const b = this.names.get(name);
    if (b !== undefined) {
      this.onUse?.(name);
      return b;
    }
    return this.parent?.lookup(name);
  }

  hasOwn(name: string): boolean {
    return this.names.has(name);
  }

  visible(): string[] {
    const out = new Set<string>(this.parent?.visible() ?? []);
    for (const n of this.names.keys()) out.add(n);
    return [...out];
  }

  child(): Scope {
    return new Scope(this);
  }
}

export interface EvalContext {
  readonly scope: Scope;
  /** null: evaluate quietly (for hints), reporting nothing. */
  readonly bag: DiagnosticBag | null;
  /** Extra names to suggest from when a name is unknown (values, layers...). */
  readonly describeUnknown?: (name: string, span: Span) => boolean;
  /** Plain division (training hyperparameters such as `lr = 1 / 5000`) instead of exact division. */
  readonly realDivision?: boolean;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export function evaluate(expr: Expr, ctx: EvalContext): number | undefined {
  const report = ctx.bag;
  switch (expr.kind) {
    case "missing":
      return undefined;
    case "number": {
      const v = expr.value;
      if (!Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) > MAX_SAFE)) {
        report?.add(diagnostic("NumberTooLarge", expr.span, [shorten(expr.text)]));
        return undefined;
      }
      return v;
    }
    case "name": {
      const b = ctx.scope.lookup(expr.name);
      if (b !== undefined) return b.value;
      if (report && !(ctx.describeUnknown?.(expr.name, expr.span) ?? false)) {
        const near = closest(expr.name, ctx.scope.visible());
        report.add(
          diagnostic("UnknownName", expr.span, [expr.name], near ? { hint: hint("DidYouMean", [near]) } : {}),
        );
      }
      return undefined;
    }
    case "negate": {
      const v = evaluate(expr.operand, ctx);
      return v === undefined ? undefined : -v;
    }
    case "binary": {
      const a = evaluate(expr.left, ctx);
      const b = evaluate(expr.right, ctx);
      if (a === undefined || b === undefined) return undefined;
      return binary(expr.op, a, b, expr, ctx);
    }
    case "call": {
      if (expr.callee === "log2") {
        const kw = expr.keywords[0];
        if (kw !== undefined) {
          report?.add(diagnostic("UnknownKeyword", kw.keySpan, ["log2", kw.key]));
          return undefined;
        }
        if (expr.args.length !== 1) {
          report?.add(diagnostic("WrongValueKind", expr.span, ["log2", "given one number", `${expr.args.length} arguments`]));
          return undefined;
        }
        const v = evaluate(expr.args[0]!, ctx);
        if (v === undefined) return undefined;
        const r = Math.log2(v);
        if (!(v > 0) || !Number.isInteger(r) || 2 ** r !== v) {
          report?.add(diagnostic("Log2NotWhole", expr.span, [v], { hint: hint("PowerOfTwo") }));
          return undefined;
        }
        return r;
      }
      report?.add(diagnostic("UnknownFunction", expr.span, [expr.callee], { hint: "functions: log2(x)" }));
      return undefined;
    }
    case "tuple":
    case "list":
      report?.add(
        diagnostic("WrongValueKind", expr.span, ["this", "a single number", expr.kind === "tuple" ? "a pair" : "a list"]),
      );
      return undefined;
  }
}

function binary(
  op: "+" | "-" | "*" | "/" | "**",
  a: number,
  b: number,
  expr: Expr,
  ctx: EvalContext,
): number | undefined {
  const report = ctx.bag;
  let r: number;
  switch (op) {
    case "+":
      r = a + b;
      break;
    case "-":
      r = a - b;
      break;
    case "*":
      r = a * b;
      break;
    case "**":
      r = a ** b;
      break;
    case "/":
      if (b === 0) {
        report?.add(diagnostic("DivisionByZero", expr.span, [a]));
        return undefined;
      }
      r = a / b;
      if (!ctx.realDivision && Number.isInteger(a) && Number.isInteger(b) && !Number.isInteger(r)) {
        report?.add(
          diagnostic("InexactDivision", expr.span, [a, b, trimNumber(r)], { hint: hint("ExactDivision", [a, b]) }),
        );
        return undefined;
      }
      break;
  }
  if (!Number.isFinite(r) || (Number.isInteger(r) && Math.abs(r) > MAX_SAFE)) {
    report?.add(diagnostic("NumberTooLarge", expr.span, [shorten(String(r))]));
    return undefined;
  }
  return r;
}

function trimNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function shorten(s: string): string {
  return s.length > 24 ? `${s.slice(0, 12)}…${s.slice(-8)}` : s;
}
