// Stage 3: CST -> AST. A visitor over the parser's CST; validateVisitor() makes a missing
// visit method fail at start-up. After recovery any child may be missing: every access
// below tolerates that and leaves `missing` expressions, which the checker ignores.
import type { CstElement, CstNode, IToken } from "chevrotain";
import type {
  Arg,
  BlockDef,
  ChainItem,
  Element,
  Expr,
  ForLoop,
  InputDecl,
  KeywordArg,
  ModelDef,
  OutputDecl,
  ParamDef,
  ShapeExpr,
  Span,
  Statement,
  TrainStatement,
} from "./ast.ts";
import { parser } from "./parser.ts";

type Children = Record<string, CstElement[] | undefined>;

const BaseVisitor = parser.getBaseCstVisitorConstructor();

function isToken(e: CstElement | undefined): e is IToken {
  return e !== undefined && (e as IToken).tokenType !== undefined;
}

function tokens(ctx: Children, name: string): IToken[] {
  const list = ctx[name] ?? [];
  return list.filter(
    (e): e is IToken => isToken(e) && !e.isInsertedInRecovery && Number.isFinite(e.startOffset),
  );
}

function nodes(ctx: Children, name: string): CstNode[] {
  return (ctx[name] ?? []).filter((e): e is CstNode => !isToken(e));
}

function tokenSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}


function join(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}


export class AstBuilder extends BaseVisitor {
  /** Where to point when a recovered node has no position of its own. */
  private here: Span = { start: 0, end: 0 };

  constructor() {
    super();
    this.validateVisitor();
  }

  private node<T>(n: CstNode | undefined): T | undefined {
    if (n === undefined) return undefined;
    return this.visit(n) as T;
  }

  private exprOf(n: CstNode | undefined, fallback: Span): Expr {
    const e = this.node<Expr>(n);
    return e ?? { kind: "missing", span: fallback };
  }

  prelude(ctx: Children): ParamDef[] {
    return nodes(ctx, "paramDef")
      .map((n) => this.node<ParamDef>(n))
      .filter((p): p is ParamDef => p !== undefined);
  }

  paramDef(ctx: Children): ParamDef | undefined {
    const name = tokens(ctx, "Identifier")[0];
    if (!name) return undefined;
    const nameSpan = tokenSpan(name);
    this.here = nameSpan;
    const valueNode = nodes(ctx, "expr")[0];
    const value = this.exprOf(valueNode, nameSpan);
    return { kind: "param", name: name.image, nameSpan, value, span: join(nameSpan, value.span) };
  }

  blockDef(ctx: Children): Omit<BlockDef, "span" | "incomplete"> | undefined {
    const ids = tokens(ctx, "Identifier");
    const kw = tokens(ctx, "Block")[0];
    const name = ids[0];
    if (!name || !kw) return undefined;
    this.here = tokenSpan(name);
    const colon = tokens(ctx, "Colon")[0];
    const headerEnd = colon ? tokenSpan(colon) : tokenSpan(name);
    const body = this.node<Statement[]>(nodes(ctx, "body")[0]) ?? [];
    return {
      kind: "block",
      name: name.image,
      nameSpan: tokenSpan(name),
      params: ids.slice(1).map((t) => ({ name: t.image, span: tokenSpan(t) })),
      body,
      headerSpan: join(tokenSpan(kw), headerEnd),
    };
  }

  modelDef(ctx: Children): Omit<ModelDef, "span" | "incomplete"> | undefined {
    const name = tokens(ctx, "Identifier")[0];
    if (!name) return undefined;
    const nameSpan = tokenSpan(name);
    this.here = nameSpan;
    const hasParens = tokens(ctx, "LParen").length > 0 || nodes(ctx, "inputDecl").length > 0;
    const inputs = hasParens
      ? nodes(ctx, "inputDecl")
          .map((n) => this.node<InputDecl>(n))
          .filter((d): d is InputDecl => d !== undefined)
      : null;
    const shapeNode = nodes(ctx, "shape")[0];
    const output = shapeNode ? (this.node<ShapeExpr>(shapeNode) ?? null) : null;
    const outputNodes = nodes(ctx, "outputDecl");
    const outputs = outputNodes.length > 0 ? outputNodes.map((n) => this.node<OutputDecl>(n)).filter((d): d is OutputDecl => d !== undefined) : null;
    const colon = tokens(ctx, "Colon")[0];
    let headerSpan = nameSpan;
    if (colon) headerSpan = join(headerSpan, tokenSpan(colon));
    else if (output) headerSpan = join(headerSpan, output.span);
    else if (outputs && outputs.length > 0) headerSpan = join(headerSpan, outputs[outputs.length - 1]!.span);
    this.here = headerSpan;
    const body = this.node<Statement[]>(nodes(ctx, "body")[0]) ?? [];
    return { kind: "model", name: name.image, nameSpan, inputs, output, outputs, body, headerSpan };
  }

  outputDecl(ctx: Children): OutputDecl | undefined {
    const name = tokens(ctx, "Identifier")[0];
    const shapeNode = nodes(ctx, "shape")[0];
    const shape = shapeNode ? (this.node<ShapeExpr>(shapeNode) ?? null) : null;
    if (!name) return shape ? { name: "", nameSpan: shape.span, shape, span: shape.span } : undefined;
    const nameSpan = tokenSpan(name);
    return { name: name.image, nameSpan, shape, span: shape ? join(nameSpan, shape.span) : nameSpan };
  }

  inputDecl(ctx: Children): InputDecl | undefined {
    const [name, kind] = tokens(ctx, "Identifier");
    if (!name) return undefined;
    const nameSpan = tokenSpan(name);
    const expr = nodes(ctx, "expr")[0];
    if (kind && expr) {
      const classes = this.exprOf(expr, tokenSpan(kind));
      const close = tokens(ctx, "RParen")[0];
      const span = close ? join(tokenSpan(kind), tokenSpan(close)) : join(tokenSpan(kind), classes.span);
      return { name: name.image, nameSpan, shape: { dims: [], span }, label: { kind: kind.image, kindSpan: tokenSpan(kind), classes, span } };
    }
    const shape = this.node<ShapeExpr>(nodes(ctx, "shape")[0]) ?? { dims: [], span: nameSpan };
    return { name: name.image, nameSpan, shape };
  }

  shape(ctx: Children): ShapeExpr {
    const open = tokens(ctx, "LBracket")[0];
    const close = tokens(ctx, "RBracket")[0];
    const dims = nodes(ctx, "expr").map((n) => this.exprOf(n, this.here));
    let span = open ? tokenSpan(open) : (dims[0]?.span ?? this.here);
    if (close) span = join(span, tokenSpan(close));
    for (const d of dims) span = join(span, d.span);
    return { dims, span };
  }

  /** Call before visiting a new CST so recovered nodes never point into an older text. */
  reset(): void {
    this.here = { start: 0, end: 0 };
  }

  body(ctx: Children): Statement[] {
    const statements: Statement[] = [];
    let current: { binding: Statement["binding"]; items: ChainItem[]; span: Span } | null = null;
    const flush = () => {
      if (current) statements.push(current);
      current = null;
    };
    for (const itemNode of nodes(ctx, "bodyItem")) {
      const item = this.node<{ binding: Statement["binding"] } | ChainItem>(itemNode);
      if (item === undefined) continue;
      if ("binding" in item) {
        flush();
        current = { binding: item.binding, items: [], span: item.binding?.span ?? this.here };
        continue;
      }
      if (current === null) current = { binding: null, items: [], span: item.span };
      current.items.push(item);
      current.span = join(current.span, item.span);
    }
    flush();
    return statements;
  }

  bodyItem(ctx: Children): { binding: Statement["binding"] } | ChainItem | undefined {
    const b = nodes(ctx, "binding")[0];
    if (b) return this.node<{ binding: Statement["binding"] }>(b);
    const f = nodes(ctx, "forLoop")[0];
    if (f) return this.node<ForLoop>(f);
    const e = nodes(ctx, "element")[0];
    if (e) return this.node<Element>(e);
    return undefined;
  }

  binding(ctx: Children): { binding: Statement["binding"] } | undefined {
    const name = tokens(ctx, "Identifier")[0];
    if (!name) return undefined;
    return { binding: { name: name.image, span: tokenSpan(name) } };
  }

  forLoop(ctx: Children): ForLoop | undefined {
    const kw = tokens(ctx, "For")[0];
    const variable = tokens(ctx, "Identifier")[0];
    if (!kw) return undefined;
    const variableSpan = variable ? tokenSpan(variable) : tokenSpan(kw);
    const range = this.exprOf(nodes(ctx, "expr")[0], variableSpan);
    const body = this.node<Statement[]>(nodes(ctx, "body")[0]) ?? [];
    let span = join(tokenSpan(kw), range.span);
    const close = tokens(ctx, "RBrace")[0];
    if (close) span = join(span, tokenSpan(close));
    for (const s of body) span = join(span, s.span);
    return { kind: "for", variable: variable?.image ?? "", variableSpan, range, body, span };
  }

  element(ctx: Children): Element | undefined {
    const name = tokens(ctx, "Identifier")[0];
    if (!name) return undefined;
    const nameSpan = tokenSpan(name);
    const open = tokens(ctx, "LParen")[0];
    const close = tokens(ctx, "RParen")[0];
    const args = open
      ? nodes(ctx, "arg")
          .map((n) => this.node<Arg>(n))
          .filter((a): a is Arg => a !== undefined)
      : null;
    let span = nameSpan;
    if (close) span = join(span, tokenSpan(close));
    for (const a of args ?? []) span = join(span, a.span);
    return { kind: "element", name: name.image, nameSpan, args, span };
  }

  arg(ctx: Children): Arg | undefined {
    const exprs = nodes(ctx, "expr");
    const key = tokens(ctx, "Identifier")[0];
    if (key && tokens(ctx, "Equals").length > 0) {
      const keySpan = tokenSpan(key);
      const value = this.exprOf(exprs[0], keySpan);
      return { kind: "keyword", key: key.image, keySpan, value, span: join(keySpan, value.span) };
    }
    const first = this.node<Expr>(exprs[0]);
    if (first === undefined) return undefined;
    if ((ctx["Arrow"] ?? []).length > 0) {
      const to = this.exprOf(exprs[1], first.span);
      return { kind: "channels", from: first, to, span: join(first.span, to.span) };
    }
    return { kind: "positional", value: first, span: first.span };
  }

  expr(ctx: Children): Expr | undefined {
    return this.binaryChain(ctx, "multiplicative", ["Plus", "Minus"]);
  }

  multiplicative(ctx: Children): Expr | undefined {
    return this.binaryChain(ctx, "unary", ["Star", "Slash"]);
  }

  private binaryChain(ctx: Children, operandRule: string, opNames: string[]): Expr | undefined {
    const operands = nodes(ctx, operandRule);
    const ops = opNames
      .flatMap((n) => tokens(ctx, n).map((t) => ({ t, op: n })))
      .sort((a, b) => a.t.startOffset - b.t.startOffset);
    let left = this.node<Expr>(operands[0]);
    if (left === undefined) return undefined;
    for (let i = 1; i < operands.length; i++) {
      const right = this.exprOf(operands[i], left.span);
      const opName = ops[i - 1]?.op;
      const op: "+" | "-" | "*" | "/" =
        opName === "Plus" ? "+" : opName === "Minus" ? "-" : opName === "Slash" ? "/" : "*";
      left = { kind: "binary", op, left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  unary(ctx: Children): Expr | undefined {
    const minus = tokens(ctx, "Minus")[0];
    if (minus) {
      const operand = this.exprOf(nodes(ctx, "unary")[0], tokenSpan(minus));
      return { kind: "negate", operand, span: join(tokenSpan(minus), operand.span) };
    }
    return this.node<Expr>(nodes(ctx, "power")[0]);
  }

  power(ctx: Children): Expr | undefined {
    const base = this.node<Expr>(nodes(ctx, "primary")[0]);
    if (base === undefined) return undefined;
    if ((ctx["StarStar"] ?? []).length === 0) return base;
    const exponent = this.exprOf(nodes(ctx, "unary")[0], base.span);
    return { kind: "binary", op: "**", left: base, right: exponent, span: join(base.span, exponent.span) };
  }

  callArg(ctx: Children): Expr | KeywordArg | undefined {
    const key = tokens(ctx, "Identifier")[0];
    const value = nodes(ctx, "expr")[0];
    if (key && (ctx["Equals"] ?? []).length > 0) {
      const v = this.exprOf(value, tokenSpan(key));
      return { key: key.image, keySpan: tokenSpan(key), value: v, span: join(tokenSpan(key), v.span) };
    }
    return this.node<Expr>(value);
  }

  trainStatement(ctx: Children): TrainStatement | undefined {
    const keyword = tokens(ctx, "keyword")[0];
    const models = tokens(ctx, "model");
    const model = models[0];
    const targets = tokens(ctx, "target");
    const first = keyword ?? targets[0];
    if (first === undefined) return undefined;
    const value = this.exprOf(nodes(ctx, "expr")[0], tokenSpan(first));
    const repeatNode = nodes(ctx, "repeat")[0];
    const repeat = repeatNode ? this.exprOf(repeatNode, tokenSpan(first)) : null;
    const span = join(tokenSpan(first), value.span);
    if (keyword) {
      if (!model) return undefined;
      const kind = keyword.image === "step" ? "step" : keyword.image === "ema" ? "ema" : "optim";
      return { kind, names: models.map((m) => ({ name: m.image, span: tokenSpan(m) })), repeat, value, span };
    }
    return { kind: "let", names: targets.map((t) => ({ name: t.image, span: tokenSpan(t) })), repeat: null, value, span };
  }

  primary(ctx: Children): Expr | undefined {
    const num = tokens(ctx, "NumberLiteral")[0];
    if (num) return { kind: "number", value: Number(num.image), text: num.image, span: tokenSpan(num) };
    const items = nodes(ctx, "expr").map((n) => this.exprOf(n, this.here));
    const callArgs = nodes(ctx, "callArg").map((n) => this.node<Expr | KeywordArg>(n));
    const open = tokens(ctx, "LParen")[0];
    const close = tokens(ctx, "RParen")[0];
    const id = tokens(ctx, "Identifier")[0];
    const enclose = (start: Span): Span => {
      let span = start;
      for (const i of items) span = join(span, i.span);
      const end = close ?? tokens(ctx, "RBracket")[0];
      return end ? join(span, tokenSpan(end)) : span;
    };
    if (id) {
      if (!open) return { kind: "name", name: id.image, span: tokenSpan(id) };
      const args: Expr[] = [];
      const keywords: KeywordArg[] = [];
      let span = tokenSpan(id);
      for (const a of callArgs) {
        if (a === undefined) continue;
        if ("key" in a) keywords.push(a);
        else args.push(a);
        span = join(span, a.span);
      }
      if (close) span = join(span, tokenSpan(close));
      return { kind: "call", callee: id.image, calleeSpan: tokenSpan(id), args, keywords, span };
    }
    if (open) {
      const span = enclose(tokenSpan(open));
      if (items.length === 1 && items[0] !== undefined) return withSpan(items[0], span);
      return { kind: "tuple", items, span };
    }
    const bracket = tokens(ctx, "LBracket")[0];
    if (bracket) return { kind: "list", items, span: enclose(tokenSpan(bracket)) };
    return undefined;
  }
}

/** A parenthesised expression keeps its parentheses in its span (for carets). */
function withSpan(e: Expr, span: Span): Expr {
  return { ...e, span } as Expr;
}

export const astBuilder = new AstBuilder();
