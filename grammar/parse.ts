// The grammar stage's entry point: text -> AST + syntax problems.
//
// The token stream is cut into top-level sections before parsing: the parameters, then one
// section per `block` or model header. Header patterns are unambiguous without counting
// brackets (`NAME:`, `NAME(x: ...`, `NAME -> [...`, `block`), so an unclosed bracket in one
// model cannot swallow the models after it. Each section is parsed on its own, with
// chevrotain's recovery on inside it; where a section stops early, parsing resumes after
// the offending token, so every syntax error of the file is reported in one run.
import type { CstNode, IRecognitionException, IToken } from "chevrotain";
import type { BlockDef, ModelDef, ParamDef, ParseResult, Span, Statement, SyntaxProblem, TrainDef, TrainStatement } from "./ast.ts";
import { lex } from "./lexer.ts";
import { END_OF_SECTION, parser } from "./parser.ts";
import { astBuilder } from "./to-ast.ts";
import {
  Arrow,
  Block,
  Colon,
  Comma,
  Equals,
  Identifier,
  LBrace,
  LBracket,
  LParen,
  Minus,
  NumberLiteral,
  Plus,
  RBrace,
  RBracket,
  RParen,
  Slash,
  Star,
  StarStar,
} from "./tokens.ts";
import type { TokenType } from "chevrotain";

/** Deeper nesting than this is reported rather than parsed (the parser is recursive). */
export const MAX_NESTING = 64;

/** After this many syntax problems the rest of the file is not parsed. */
export const MAX_SYNTAX_PROBLEMS = 200;

type SectionKind = "prelude" | "block" | "model" | "train";

/** `train:` opens the training section (so no model can be called `train` with a short header). */
export const TRAIN_HEADER = "train";

interface Section {
  readonly kind: SectionKind;
  readonly tokens: IToken[];
}

function is(t: IToken | undefined, type: TokenType): boolean {
  return t !== undefined && t.tokenType === type;
}

function isHeaderStart(toks: IToken[], i: number): boolean {
  const t = toks[i];
  if (t === undefined) return false;
  if (t.tokenType === Block) return true;
  if (t.tokenType !== Identifier) return false;
  const prev = toks[i - 1];
  if (is(prev, Block)) return false;
  const a = toks[i + 1];
  const b = toks[i + 2];
  const c = toks[i + 3];
  if (is(a, Colon)) return !is(prev, Comma) && !is(prev, LParen);
  if (is(a, LParen)) {
    if (is(b, Identifier) && is(c, Colon)) return true;
    if (is(b, RParen) && (is(c, Colon) || is(c, Arrow))) return true;
    return false;
  }
  if (is(a, Arrow) && is(b, LBracket)) return !is(prev, Comma) && !is(prev, LParen);
  // `D -> (src: [1], cls: [10]):` (a channels expression never has `name:` in parentheses)
  if (is(a, Arrow) && is(b, LParen) && is(c, Identifier) && is(toks[i + 4], Colon)) return true;
  return false;
}

function split(toks: IToken[]): Section[] {
  const sections: Section[] = [];
  let start = 0;
  let kind: SectionKind = "prelude";
  for (let i = 0; i < toks.length; i++) {
    if (!isHeaderStart(toks, i)) continue;
    if (i > start || kind === "prelude") sections.push({ kind, tokens: toks.slice(start, i) });
    start = i;
    const t = toks[i]!;
    kind = t.tokenType === Block ? "block" : t.image === TRAIN_HEADER && is(toks[i + 1], Colon) ? "train" : "model";
  }
  sections.push({ kind, tokens: toks.slice(start) });
  return sections;
}

function tokenSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}

/**
 * How deep the parser would recurse: brackets, plus runs of prefix `-` and chains of `**`
 * (each is one more level of the expression rules).
 */
function maxNesting(toks: IToken[]): { depth: number; at: IToken | undefined } {
  let depth = 0;
  let run = 0;
  for (const t of toks) {
    const ty = t.tokenType;
    if (ty === Minus || ty === StarStar) {
      run++;
      if (depth + run > MAX_NESTING) return { depth: depth + run, at: t };
      continue;
    }
    if (ty !== NumberLiteral && ty !== Identifier) run = 0;
    if (ty === LParen || ty === LBracket || ty === LBrace) {
      depth++;
      if (depth > MAX_NESTING) return { depth, at: t };
    } else if (ty === RParen || ty === RBracket || ty === RBrace) {
      depth = Math.max(0, depth - 1);
    }
  }
  return { depth, at: undefined };
}

const exprContinuation = new Set<TokenType>([Plus, Minus, Star, Slash, StarStar]);

/**
 * `name = 3` inside a model body: a parameter written after the first model. Reported as
 * such (rather than as a baffling "expected a layer") and skipped.
 */
function misplacedParameterEnd(toks: IToken[], i: number): number {
  if (!is(toks[i], Identifier) || !is(toks[i + 1], Equals)) return -1;
  const v = toks[i + 2];
  if (v === undefined) return -1;
  const looksNumeric =
    v.tokenType === NumberLiteral ||
    v.tokenType === LParen ||
    v.tokenType === Minus ||
    (v.tokenType === Identifier && toks[i + 3] !== undefined && exprContinuation.has(toks[i + 3]!.tokenType));
  if (!looksNumeric) return -1;
  // Skip the expression: operands and operators, balanced parentheses.
  let j = i + 2;
  let depth = 0;
  let expectOperand = true;
  while (j < toks.length) {
    const t = toks[j]!;
    const ty = t.tokenType;
    if (ty === LParen) depth++;
    else if (ty === RParen) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0) {
      if (expectOperand) {
        if (ty === Minus) {
          j++;
          continue;
        }
        if (ty !== NumberLiteral && ty !== Identifier) break;
        expectOperand = false;
        j++;
        continue;
      }
      if (!exprContinuation.has(ty)) break;
      expectOperand = true;
    }
    j++;
  }
  return j;
}

/**
 * The `:` that ends a model or block header: the first one outside brackets, or, when the
 * brackets of a broken header never close, the last one on the header's first line that
 * does not follow an input's name (`(x:`); -1
 * when there is none (the rule then reports the missing `:` itself).
 */
function headerEnd(toks: IToken[], text: string): number {
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const ty = toks[i]!.tokenType;
    if (ty === LParen || ty === LBracket) depth++;
    else if (ty === RParen || ty === RBracket) depth = Math.max(0, depth - 1);
    else if (ty === Colon && depth === 0 && i > 0) return i;
    else if (ty === LBrace || ty === RBrace || ty === Equals) break;
  }
  const first = toks[0];
  if (first === undefined) return -1;
  let found = -1;
  for (let i = 1; i < toks.length; i++) {
    const t = toks[i]!;
    if (/[\r\n]/.test(text.slice(first.startOffset, t.startOffset))) break;
    const isInputColon = is(toks[i - 1], Identifier) && (is(toks[i - 2], LParen) || is(toks[i - 2], Comma));
    if (t.tokenType === Colon && !isInputColon) found = i;
  }
  return found;
}

interface RunResult {
  cst: CstNode | undefined;
  /** Index of the first token not parsed, or tokens.length. */
  stoppedAt: number;
  /** The generic "expected ..., found ..." for the token that stopped the rule. */
  leftover: SyntaxProblem | undefined;
}

function run(rule: () => CstNode, toks: IToken[], problems: SyntaxProblem[], isLast: boolean): RunResult {
  parser.input = toks;
  let cst: CstNode;
  try {
    cst = rule();
  } catch (e) {
    // The nesting check bounds recursion; this is the last line of defence.
    if (!(e instanceof RangeError)) throw e;
    const at = toks[0];
    problems.push({ kind: "too-deep", limit: MAX_NESTING, span: at ? tokenSpan(at) : { start: 0, end: 0 } });
    return { cst: undefined, stoppedAt: toks.length, leftover: undefined };
  }
  let stoppedAt = toks.length;
  let leftover: SyntaxProblem | undefined;
  for (const e of parser.errors) {
    const p = problemFromError(e, isLast);
    if (e.name === "NotAllInputParsedException") {
      const idx = toks.indexOf(e.token);
      if (idx >= 0) stoppedAt = idx;
      leftover = p;
    } else if (p) problems.push(p);
  }
  return { cst, stoppedAt, leftover };
}

function problemFromError(err: IRecognitionException, isLast: boolean): SyntaxProblem | undefined {
  // Mismatch, no-viable-alternative and early-exit exceptions carry the token before too.
  const e = err as IRecognitionException & { previousToken?: IToken };
  const t = e.token;
  let span: Span;
  if (t && Number.isFinite(t.startOffset) && t.image !== undefined) span = tokenSpan(t);
  else {
    const prev = e.previousToken;
    span =
      prev && Number.isFinite(prev.startOffset)
        ? { start: prev.startOffset + prev.image.length, end: prev.startOffset + prev.image.length }
        : { start: 0, end: 0 };
  }
  // An error at the end of the section points just after the last real token.
  if (t?.tokenType?.name === "EOF") {
    const prev = e.previousToken;
    if (prev && Number.isFinite(prev.startOffset)) {
      const end = prev.startOffset + prev.image.length;
      span = { start: end, end };
    }
  }
  let expected = "something else";
  let found = t?.image !== undefined ? `\`${t.image}\`` : "nothing";
  try {
    const parsed = JSON.parse(e.message) as { expected?: string; found?: string };
    if (parsed.expected) expected = parsed.expected;
    if (parsed.found) found = parsed.found === END_OF_SECTION ? (isLast ? "the end of the file" : "the next header") : parsed.found;
  } catch {
    // keep the defaults
  }
  return { kind: "expected", expected, found, span };
}

/**
 * The parameters: `NAME = EXPR` definitions, each parsed on its own, so a broken one does
 * not take the next with it. Anything else here is layers written before any model header.
 */
function prelude(toks: IToken[], problems: SyntaxProblem[], isLast: boolean): ParamDef[] {
  const starts: number[] = [];
  for (let i = 0; i < toks.length; i++) if (is(toks[i], Identifier) && is(toks[i + 1], Equals)) starts.push(i);
  const defs: ParamDef[] = [];
  if ((starts[0] ?? toks.length) > 0 && toks.length > 0) {
    problems.push({ kind: "layers-outside-model", span: tokenSpan(toks[0]!) });
  }
  for (const [k, start] of starts.entries()) {
    const segment = toks.slice(start, starts[k + 1] ?? toks.length);
    const r = run(() => parser.paramDef(), segment, problems, isLast && k === starts.length - 1);
    if (r.leftover) problems.push(r.leftover);
    const def = r.cst ? (astBuilder.visit(r.cst) as ParamDef | undefined) : undefined;
    if (def) defs.push(def);
  }
  return defs;
}

/** Where a line of the training section starts: `NAME =`, `A, B =`, `step M[, M...] [* N] =`, `optim M[, M...] =`, `ema M =`. */
function trainLineEnd(toks: IToken[], i: number): number {
  const t = toks[i];
  if (!is(t, Identifier)) return -1;
  if ((t!.image === "step" || t!.image === "optim" || t!.image === "ema") && is(toks[i + 1], Identifier)) {
    let k = i + 1;
    while (is(toks[k + 1], Comma) && is(toks[k + 2], Identifier)) k += 2;
    if (is(toks[k + 1], Equals)) return k + 2;
    if (is(toks[k + 1], Star) && is(toks[k + 3], Equals)) return k + 4;
  }
  let j = i;
  while (is(toks[j + 1], Comma) && is(toks[j + 2], Identifier)) j += 2;
  return is(toks[j + 1], Equals) ? j + 2 : -1;
}

/** The training section: `train:` then lines, each parsed on its own like the parameters. */
function trainSection(toks: IToken[], problems: SyntaxProblem[], isLast: boolean, span: Span): TrainDef {
  const header = toks[0]!;
  const colon = toks[1]!;
  const starts: number[] = [];
  let depth = 0;
  for (let i = 2; i < toks.length; i++) {
    const ty = toks[i]!.tokenType;
    if (ty === LParen || ty === LBracket) depth++;
    else if (ty === RParen || ty === RBracket) depth = Math.max(0, depth - 1);
    if (depth > 0) continue;
    const end = trainLineEnd(toks, i);
    if (end < 0) continue;
    starts.push(i);
    i = end - 1;
  }
  const before = problems.length;
  if ((starts[0] ?? toks.length) > 2) {
    const stray = toks[2]!;
    problems.push({
      kind: "expected",
      expected: "`NAME = ...`, `step MODEL = LOSS` or `optim MODEL = adam(...)`",
      found: `\`${stray.image.length > 20 ? `${stray.image.slice(0, 20)}…` : stray.image}\``,
      span: tokenSpan(stray),
    });
  }
  const statements: TrainStatement[] = [];
  for (const [k, start] of starts.entries()) {
    const segment = toks.slice(start, starts[k + 1] ?? toks.length);
    const r = run(() => parser.trainStatement(), segment, problems, isLast && k === starts.length - 1);
    if (r.leftover) problems.push(r.leftover);
    const st = r.cst ? (astBuilder.visit(r.cst) as TrainStatement | undefined) : undefined;
    if (st) statements.push(st);
  }
  return {
    kind: "train",
    statements,
    headerSpan: { start: header.startOffset, end: colon.startOffset + colon.image.length },
    span,
    incomplete: problems.length > before,
  };
}

export function parse(text: string): ParseResult {
  const { tokens, problems } = lex(text);
  astBuilder.reset();
  const params: ParamDef[] = [];
  const blocks: BlockDef[] = [];
  const models: ModelDef[] = [];
  const train: TrainDef[] = [];

  const sections = split(tokens);
  for (const [index, section] of sections.entries()) {
    const isLast = index === sections.length - 1;
    if (problems.length >= MAX_SYNTAX_PROBLEMS) {
      const at = section.tokens[0];
      problems.push({ kind: "too-many-errors", limit: MAX_SYNTAX_PROBLEMS, span: at ? tokenSpan(at) : { start: 0, end: 0 } });
      break;
    }
    const toks = section.tokens;
    const first = toks[0];
    const last = toks[toks.length - 1];
    const sectionSpan: Span =
      first && last ? { start: first.startOffset, end: last.startOffset + last.image.length } : { start: 0, end: 0 };
    const problemsBefore = problems.length;

    const nesting = maxNesting(toks);
    if (nesting.at !== undefined) {
      problems.push({ kind: "too-deep", limit: MAX_NESTING, span: tokenSpan(nesting.at) });
    }

    if (section.kind === "prelude") {
      if (nesting.at === undefined) params.push(...prelude(toks, problems, isLast));
      continue;
    }
    if (section.kind === "train") {
      if (nesting.at === undefined) train.push(trainSection(toks, problems, isLast, sectionSpan));
      continue;
    }

    const ruleFor = section.kind === "block" ? () => parser.blockDef() : () => parser.modelDef();
    let header: Omit<BlockDef, "span" | "incomplete"> | Omit<ModelDef, "span" | "incomplete"> | undefined;
    const body: Statement[] = [];
    if (nesting.at === undefined) {
      // The header is parsed on its own, up to its `:`, so that a broken header cannot take
      // the body with it (recovery would skip to the end of the section): the body is still
      // parsed and checked.
      const colon = headerEnd(toks, text);
      const headerToks = colon >= 0 ? toks.slice(0, colon + 1) : toks;
      let r = run(ruleFor, headerToks, problems, isLast && colon === toks.length - 1);
      header = r.cst ? (astBuilder.visit(r.cst) as typeof header) : undefined;
      if (header) body.push(...header.body);
      let consumed = r.stoppedAt;
      if (colon >= 0 && consumed >= headerToks.length && colon + 1 < toks.length) {
        r = run(() => parser.body(), toks.slice(colon + 1), problems, isLast);
        if (r.cst) body.push(...(astBuilder.visit(r.cst) as Statement[]));
        consumed = colon + 1 + r.stoppedAt;
      }
      while (consumed < toks.length && problems.length < MAX_SYNTAX_PROBLEMS) {
        // Resume after the token that stopped the section, as a continuation of the body.
        let next = consumed;
        const paramEnd = misplacedParameterEnd(toks, consumed - 2 >= 0 ? consumed - 2 : consumed);
        if (paramEnd > consumed && is(toks[consumed - 1], Equals)) {
          const nameTok = toks[consumed - 2]!;
          problems.push({ kind: "parameter-after-model", name: nameTok.image, span: tokenSpan(nameTok) });
          // The `name =` was taken for a binding: drop it from the body.
          const lastStatement = body[body.length - 1];
          if (lastStatement?.binding?.name === nameTok.image && lastStatement.items.length === 0) body.pop();
          next = paramEnd;
        } else {
          if (r.leftover) problems.push(r.leftover);
          next = consumed + 1;
        }
        if (next >= toks.length) break;
        r = run(() => parser.body(), toks.slice(next), problems, isLast);
        if (r.cst) body.push(...(astBuilder.visit(r.cst) as Statement[]));
        consumed = next + r.stoppedAt;
      }
    }
    const incomplete = problems.length > problemsBefore;
    if (section.kind === "block") {
      const h = header as Omit<BlockDef, "span" | "incomplete"> | undefined;
      if (h) blocks.push({ ...h, body, span: sectionSpan, incomplete });
    } else {
      const h = header as Omit<ModelDef, "span" | "incomplete"> | undefined;
      if (h) models.push({ ...h, body, span: sectionSpan, incomplete });
      else if (first && is(first, Identifier)) {
        // The header itself was too broken to build; keep the name so later passes know it.
        models.push({
          kind: "model",
          name: first.image,
          nameSpan: tokenSpan(first),
          inputs: null,
          output: null,
          outputs: null,
          body,
          headerSpan: tokenSpan(first),
          span: sectionSpan,
          incomplete: true,
        });
      }
    }
  }
  return { spec: { params, blocks, models, train }, problems };
}

