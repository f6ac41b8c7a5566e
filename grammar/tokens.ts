// Tokens of the .gan language. Whitespace (newlines included) and comments are skipped:
// a model body is a chain of layers separated by spaces and/or newlines.
import { createToken, Lexer, type TokenType } from "chevrotain";

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/,
  group: Lexer.SKIPPED,
});
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
export const Block = createToken({ name: "Block", pattern: /block/, longer_alt: Identifier });
export const For = createToken({ name: "For", pattern: /for/, longer_alt: Identifier });
export const In = createToken({ name: "In", pattern: /in/, longer_alt: Identifier });

export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
});

// `->` and `→` are the same token. Look-alikes (a Unicode minus or dash before `>`, `=>`,
// long arrows) are lexed as arrows too, so the parse goes on, and reported by the lexer pass.
export const Arrow = createToken({ name: "Arrow", pattern: /->|→/ });
export const LookalikeArrow = createToken({
  name: "LookalikeArrow",
  pattern: /[\u2010-\u2015\u2212\ufe63\uff0d]>|=>|[⟶⇒➔➙➜⟹⇨⭢]/,
  categories: [Arrow],
});
export const StarStar = createToken({ name: "StarStar", pattern: /\*\*/ });
export const Star = createToken({ name: "Star", pattern: /\*/ });
export const LookalikeStar = createToken({ name: "LookalikeStar", pattern: /[×∗·⋅]/, categories: [Star] });
export const Plus = createToken({ name: "Plus", pattern: /\+/ });
export const Minus = createToken({ name: "Minus", pattern: /-/ });
export const LookalikeMinus = createToken({
  name: "LookalikeMinus",
  pattern: /[\u2010-\u2015\u2212\ufe63\uff0d]/,
  categories: [Minus],
});
export const Slash = createToken({ name: "Slash", pattern: /\// });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Equals = createToken({ name: "Equals", pattern: /=/ });

/** Order matters: longer and more specific patterns first. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  LookalikeArrow,
  Arrow,
  Block,
  For,
  In,
  Identifier,
  NumberLiteral,
  StarStar,
  Star,
  LookalikeStar,
  Plus,
  Minus,
  LookalikeMinus,
  Slash,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Equals,
];

/** How a token type is named in messages ("expected `)`"). */
export const tokenDisplay: Record<string, string> = {
  Identifier: "a name",
  NumberLiteral: "a number",
  Block: "`block`",
  For: "`for`",
  In: "`in`",
  Arrow: "`->`",
  LookalikeArrow: "`->`",
  StarStar: "`**`",
  Star: "`*`",
  LookalikeStar: "`*`",
  Plus: "`+`",
  Minus: "`-`",
  LookalikeMinus: "`-`",
  Slash: "`/`",
  LParen: "`(`",
  RParen: "`)`",
  LBracket: "`[`",
  RBracket: "`]`",
  LBrace: "`{`",
  RBrace: "`}`",
  Comma: "`,`",
  Colon: "`:`",
  Equals: "`=`",
  EOF: "the end of the file",
};
