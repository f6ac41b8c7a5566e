// Stage 2: tokens -> CST. Rules only, no actions (grammar/to-ast.ts builds the AST).
// The driver (grammar/parse.ts) cuts the token stream into top-level sections (the
// parameters, then one section per block or model) and runs one rule per section, so a
// syntax error in one model can never hide the next one. Recovery is on inside a section.
import { CstParser, EOF, type IToken, type TokenType } from "chevrotain";
import {
  allTokens,
  Arrow,
  Block,
  Colon,
  Comma,
  Equals,
  For,
  Identifier,
  In,
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
  tokenDisplay,
} from "./tokens.ts";

function display(t: TokenType): string {
  return tokenDisplay[t.name] ?? t.name;
}

/** Replaced by the driver with "the end of the file" or "the next header". */
export const END_OF_SECTION = "<end of section>";

function shown(t: IToken): string {
  if (t.tokenType === EOF) return END_OF_SECTION;
  const img = t.image.length > 20 ? `${t.image.slice(0, 20)}…` : t.image;
  return `\`${img}\``;
}

/** Messages in the language's own words: "expected `)`, found `k4`". */
const errorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }: { expected: TokenType; actual: IToken }): string {
    return JSON.stringify({ expected: display(expected), found: shown(actual) });
  },
  buildNotAllInputParsedMessage({ firstRedundant }: { firstRedundant: IToken }): string {
    return JSON.stringify({ expected: "a layer, a `name =` line or a new model", found: shown(firstRedundant) });
  },
  buildNoViableAltMessage({
    expectedPathsPerAlt,
    actual,
    ruleName,
  }: {
    expectedPathsPerAlt: TokenType[][][];
    actual: IToken[];
    ruleName: string;
  }): string {
    const first = new Set<string>();
    for (const alt of expectedPathsPerAlt) for (const path of alt) if (path[0]) first.add(display(path[0]));
    const what = ruleExpectation[ruleName] ?? [...first].join(" or ");
    return JSON.stringify({ expected: what, found: actual[0] ? shown(actual[0]) : "nothing" });
  },
  buildEarlyExitMessage({
    expectedIterationPaths,
    actual,
    ruleName,
  }: {
    expectedIterationPaths: TokenType[][];
    actual: IToken[];
    ruleName: string;
  }): string {
    const first = new Set<string>();
    for (const path of expectedIterationPaths) if (path[0]) first.add(display(path[0]));
    const what = ruleExpectation[ruleName] ?? [...first].join(" or ");
    return JSON.stringify({ expected: what, found: actual[0] ? shown(actual[0]) : "nothing" });
  },
};

const ruleExpectation: Record<string, string> = {
  primary: "a number, a name or `(`",
  trainStatement: "`NAME = ...`, `step MODEL = LOSS`, `optim MODEL = adam(...)` or `ema MODEL = 0.999`",
  arg: "an argument",
  bodyItem: "a layer",
};

export class GanParser extends CstParser {
  constructor() {
    super(allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: "onlyOffset",
      maxLookahead: 4,
      errorMessageProvider,
    });
    this.performSelfAnalysis();
  }

  /** The part of the file before the first block or model: parameter definitions. */
  public prelude = this.RULE("prelude", () => {
    this.MANY(() => this.SUBRULE(this.paramDef));
  });

  public paramDef = this.RULE("paramDef", () => {
    this.CONSUME(Identifier);
    this.CONSUME(Equals);
    this.SUBRULE(this.expr);
  });

  public blockDef = this.RULE("blockDef", () => {
    this.CONSUME(Block);
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.OPTION2(() => {
        this.CONSUME2(Identifier);
        this.MANY(() => {
          this.CONSUME(Comma);
          this.CONSUME3(Identifier);
        });
      });
      this.CONSUME(RParen);
    });
    this.CONSUME(Colon);
    this.SUBRULE(this.body);
  });

  public modelDef = this.RULE("modelDef", () => {
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.SUBRULE(this.inputDecl);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.inputDecl);
      });
      this.CONSUME(RParen);
    });
    this.OPTION2(() => {
      this.CONSUME(Arrow);
      this.OR([
        { ALT: () => this.SUBRULE(this.shape) },
        {
          // several named outputs: `-> (src: [1], cls: [10])`
          ALT: () => {
            this.CONSUME2(LParen);
            this.SUBRULE(this.outputDecl);
            this.MANY2(() => {
              this.CONSUME2(Comma);
              this.SUBRULE2(this.outputDecl);
            });
            this.CONSUME2(RParen);
          },
        },
      ]);
    });
    this.CONSUME(Colon);
    this.SUBRULE(this.body);
  });

  /** One named output of a model: `src: [1]`, or just `src` (its shape is inferred); a bare `[1]` is parsed to be reported. */
  public outputDecl = this.RULE("outputDecl", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.shape) },
      {
        ALT: () => {
          this.CONSUME(Identifier);
          this.OPTION(() => {
            this.CONSUME(Colon);
            this.SUBRULE2(this.shape);
          });
        },
      },
    ]);
  });

  /** `z: [100]`, or a class label `y: label(10)` (one whole number per example). */
  public inputDecl = this.RULE("inputDecl", () => {
    this.CONSUME(Identifier);
    this.CONSUME(Colon);
    this.OR([
      { ALT: () => this.SUBRULE(this.shape) },
      {
        ALT: () => {
          this.CONSUME2(Identifier);
          this.CONSUME(LParen);
          this.SUBRULE(this.expr);
          this.CONSUME(RParen);
        },
      },
    ]);
  });

  public shape = this.RULE("shape", () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expr);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.expr);
      });
    });
    this.CONSUME(RBracket);
  });

  /** A chain of layers and `name =` bindings; ends where its section (or `}`) ends. */
  public body = this.RULE("body", () => {
    this.MANY(() => this.SUBRULE(this.bodyItem));
  });

  public bodyItem = this.RULE("bodyItem", () => {
    this.OR([
      {
        GATE: () => this.LA(2).tokenType === Equals,
        ALT: () => this.SUBRULE(this.binding),
        IGNORE_AMBIGUITIES: true,
      },
      { ALT: () => this.SUBRULE(this.forLoop) },
      { ALT: () => this.SUBRULE(this.element), IGNORE_AMBIGUITIES: true },
    ]);
  });

  public binding = this.RULE("binding", () => {
    this.CONSUME(Identifier);
    this.CONSUME(Equals);
  });

  public forLoop = this.RULE("forLoop", () => {
    this.CONSUME(For);
    this.CONSUME(Identifier);
    this.CONSUME(In);
    this.SUBRULE(this.expr);
    this.CONSUME(LBrace);
    this.SUBRULE(this.body);
    this.CONSUME(RBrace);
  });

  public element = this.RULE("element", () => {
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.OPTION2(() => {
        this.SUBRULE(this.arg);
        this.MANY(() => {
          this.CONSUME(Comma);
          this.SUBRULE2(this.arg);
        });
      });
      this.CONSUME(RParen);
    });
  });

  public arg = this.RULE("arg", () => {
    this.OR([
      {
        GATE: () => this.LA(1).tokenType === Identifier && this.LA(2).tokenType === Equals,
        ALT: () => {
          this.CONSUME(Identifier);
          this.CONSUME(Equals);
          this.SUBRULE(this.expr);
        },
        IGNORE_AMBIGUITIES: true,
      },
      {
        ALT: () => {
          this.SUBRULE2(this.expr);
          this.OPTION(() => {
            this.CONSUME(Arrow);
            this.SUBRULE3(this.expr);
          });
        },
        IGNORE_AMBIGUITIES: true,
      },
    ]);
  });

  public expr = this.RULE("expr", () => {
    this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Plus) }, { ALT: () => this.CONSUME(Minus) }]);
      this.SUBRULE2(this.multiplicative);
    });
  });

  public multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Star) }, { ALT: () => this.CONSUME(Slash) }]);
      this.SUBRULE2(this.unary);
    });
  });

  public unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.power) },
    ]);
  });

  public power = this.RULE("power", () => {
    this.SUBRULE(this.primary);
    this.OPTION(() => {
      this.CONSUME(StarStar);
      this.SUBRULE(this.unary);
    });
  });

  /** An argument of a function call: `x` or `lr = 2e-4` (keywords: the training section). */
  public callArg = this.RULE("callArg", () => {
    this.OR([
      {
        GATE: () => this.LA(1).tokenType === Identifier && this.LA(2).tokenType === Equals,
        ALT: () => {
          this.CONSUME(Identifier);
          this.CONSUME(Equals);
          this.SUBRULE(this.expr);
        },
        IGNORE_AMBIGUITIES: true,
      },
      { ALT: () => this.SUBRULE2(this.expr), IGNORE_AMBIGUITIES: true },
    ]);
  });

  /**
   * One line of the training section (the driver cuts the section into lines):
   * `NAME = expr`, `NAME, NAME = expr`, `step MODEL[, MODEL...] [* N] = loss`,
   * `optim MODEL[, MODEL...] = adam(...)`, `ema MODEL = decay`.
   */
  public trainStatement = this.RULE("trainStatement", () => {
    this.OR([
      {
        GATE: () => (this.LA(1).image === "step" || this.LA(1).image === "optim" || this.LA(1).image === "ema") && this.LA(2).tokenType === Identifier,
        ALT: () => {
          this.CONSUME(Identifier, { LABEL: "keyword" });
          this.CONSUME2(Identifier, { LABEL: "model" });
          this.MANY2(() => {
            this.CONSUME2(Comma);
            this.CONSUME5(Identifier, { LABEL: "model" });
          });
          this.OPTION(() => {
            this.CONSUME(Star);
            this.SUBRULE(this.primary, { LABEL: "repeat" });
          });
        },
        IGNORE_AMBIGUITIES: true,
      },
      {
        ALT: () => {
          this.CONSUME3(Identifier, { LABEL: "target" });
          this.MANY(() => {
            this.CONSUME(Comma);
            this.CONSUME4(Identifier, { LABEL: "target" });
          });
        },
        IGNORE_AMBIGUITIES: true,
      },
    ]);
    this.CONSUME(Equals);
    this.SUBRULE(this.expr);
  });

  public primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberLiteral) },
      {
        ALT: () => {
          this.CONSUME(Identifier);
          this.OPTION(() => {
            this.CONSUME(LParen);
            this.OPTION2(() => {
              this.SUBRULE(this.callArg);
              this.MANY(() => {
                this.CONSUME(Comma);
                this.SUBRULE2(this.callArg);
              });
            });
            this.CONSUME(RParen);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(LParen);
          this.SUBRULE3(this.expr);
          this.MANY2(() => {
            this.CONSUME2(Comma);
            this.SUBRULE4(this.expr);
          });
          this.CONSUME2(RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(LBracket);
          this.OPTION3(() => {
            this.SUBRULE5(this.expr);
            this.MANY3(() => {
              this.CONSUME3(Comma);
              this.SUBRULE6(this.expr);
            });
          });
          this.CONSUME(RBracket);
        },
      },
    ]);
  });
}

/**
 * Prefer dropping one stray token over inventing a missing one: in `conv(3 -> 4 k4)` the
 * parse should go on at `)`, not close the call before `k4` and read `k4` as a layer.
 * (These recovery hooks are chevrotain internals, absent from its typings.)
 */
interface RecoveryHooks {
  canRecoverWithSingleTokenInsertion(expected: TokenType, follows: TokenType[]): boolean;
  canRecoverWithSingleTokenDeletion(expected: TokenType): boolean;
}
const hooks = GanParser.prototype as unknown as RecoveryHooks;
const insertion = hooks.canRecoverWithSingleTokenInsertion;
hooks.canRecoverWithSingleTokenInsertion = function (this: RecoveryHooks, expected, follows) {
  if (this.canRecoverWithSingleTokenDeletion(expected)) return false;
  return insertion.call(this, expected, follows);
};

export const parser = new GanParser();
