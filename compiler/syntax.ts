// Syntax problems from the grammar stage -> coded diagnostics.
import type { SyntaxProblem } from "../grammar/ast.ts";
import { type Diagnostic, diagnostic, hint } from "./diagnostic.ts";

export function syntaxDiagnostic(p: SyntaxProblem): Diagnostic {
  switch (p.kind) {
    case "unexpected-character": {
      const cp = p.text.codePointAt(0) ?? 0;
      const code = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
      const shown = cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) ? code : `\`${p.text}\` (${code})`;
      return diagnostic("UnexpectedCharacter", p.span, [cp < 0x7f && cp >= 0x20 ? `\`${p.text}\`` : shown]);
    }
    case "lookalike":
      return diagnostic("LookalikeCharacter", p.span, [p.text, p.meant], { hint: hint("LookalikeFix", [p.meant]) });
    case "expected": {
      const missingComma = (p.expected === "`)`" || p.expected === "`]`") && /^`[A-Za-z0-9_.]/.test(p.found);
      // `x + h` in a chain: arithmetic on values is written with add / mul
      const arithmetic = !missingComma && /^`[-+*/]`$/.test(p.found) && !/^`[)\]]`$/.test(p.expected);
      return diagnostic(
        "SyntaxExpected",
        p.span,
        [p.expected, p.found],
        missingComma
          ? { hint: "separate arguments with `,`" }
          : arithmetic
            ? { hint: "values of a model are not combined with operators: write add(x, h) for x + h (a residual), mul(a, b) for a * b, with named values; `input` names what a block is given" }
            : {},
      );
    }
    case "too-deep":
      return diagnostic("NestingTooDeep", p.span, [p.limit]);
    case "parameter-after-model":
      return diagnostic("ParameterAfterModel", p.span, [p.name], { hint: hint("ParametersFirst") });
    case "too-many-errors":
      return diagnostic("TooManyErrors", p.span, [p.limit]);
    case "layers-outside-model":
      return diagnostic("LayersOutsideModel", p.span, [], { hint: hint("LayersNeedHeader") });
  }
}
