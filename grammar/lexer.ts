// Stage 1: text -> tokens, plus the problems found on the way (characters that are not
// part of the language, and look-alikes of `->`, `*` and `-` that are accepted in their
// place so that parsing goes on).
import { Lexer, type IToken } from "chevrotain";
import type { SyntaxProblem } from "./ast.ts";
import { allTokens, LookalikeArrow, LookalikeMinus, LookalikeStar } from "./tokens.ts";

const lexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: false,
  recoveryEnabled: true,
});

const meantBy: ReadonlyMap<string, string> = new Map([
  [LookalikeArrow.name, "->"],
  [LookalikeMinus.name, "-"],
  [LookalikeStar.name, "*"],
]);

/** Past this many bad characters a file is not a spec; the rest are not reported. */
export const MAX_CHARACTER_PROBLEMS = 100;

export interface LexResult {
  readonly tokens: IToken[];
  readonly problems: SyntaxProblem[];
}

export function lex(text: string): LexResult {
  const result = lexer.tokenize(text);
  const problems: SyntaxProblem[] = [];
  for (const e of result.errors.slice(0, MAX_CHARACTER_PROBLEMS)) {
    // chevrotain reports one error per run of unlexable characters.
    const start = e.offset;
    const ch = String.fromCodePoint(text.codePointAt(start) ?? 0);
    problems.push({
      kind: "unexpected-character",
      text: ch,
      span: { start, end: start + Math.max(1, e.length) },
    });
  }
  for (const t of result.tokens) {
    const meant = meantBy.get(t.tokenType.name);
    if (meant !== undefined) {
      problems.push({
        kind: "lookalike",
        text: t.image,
        meant,
        span: { start: t.startOffset, end: t.startOffset + t.image.length },
      });
    }
  }
  return { tokens: result.tokens, problems };
}
