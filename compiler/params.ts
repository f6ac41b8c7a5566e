// The spec's parameters, in order, with `--set NAME=VALUE` overrides. An override replaces
// the parameter's own definition, so parameters defined from it follow (`ndf = ngf`).
import type { ParamDef } from "../grammar/ast.ts";
import { type DiagnosticBag, diagnostic, hint } from "./diagnostic.ts";
import { evaluate, Scope } from "./expr.ts";
import { closest } from "./names.ts";

export interface ParamValues {
  readonly scope: Scope;
  /** Final values in definition order (undefined where evaluation failed). */
  readonly values: ReadonlyMap<string, number | undefined>;
  readonly used: ReadonlySet<string>;
}

/** Parses `NAME=VALUE`; returns an error text or the pair. */
export function parseSetting(raw: string): { name: string; value: number } | { error: string; name: string } {
  const eq = raw.indexOf("=");
  const name = (eq < 0 ? raw : raw.slice(0, eq)).trim();
  if (eq < 0) return { name, error: "expected NAME=VALUE, e.g. --set ngf=32" };
  const text = raw.slice(eq + 1).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return { name, error: `\`${name}\` is not a parameter name` };
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    return { name, error: `\`${text}\` is not a number (expected e.g. ${name}=32)` };
  }
  const value = Number(text);
  if (!Number.isFinite(value) || (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER)) {
    return { name, error: `${text} is too large` };
  }
  return { name, value };
}

export function evaluateParams(
  defs: readonly ParamDef[],
  overrides: ReadonlyMap<string, number>,
  bag: DiagnosticBag,
): ParamValues {
  const used = new Set<string>();
  const scope = new Scope(null, (name) => used.add(name));
  const values = new Map<string, number | undefined>();
  for (const def of defs) {
    if (scope.hasOwn(def.name)) {
      const first = defs.find((d) => d.name === def.name);
      bag.add(
        diagnostic("DuplicateDefinition", def.nameSpan, [def.name], {
          notes: first ? [{ message: "first defined here", span: first.nameSpan }] : [],
        }),
      );
      continue;
    }
    const value = overrides.has(def.name) ? overrides.get(def.name) : evaluate(def.value, { scope, bag });
    scope.define(def.name, { value, kind: "parameter", span: def.nameSpan });
    values.set(def.name, value);
  }
  used.clear(); // uses among the definitions themselves don't count as uses by the models
  return { scope, values, used };
}

/** Usage errors for overrides of parameters the spec does not have. */
export function checkOverrides(defs: readonly ParamDef[], names: Iterable<string>, bag: DiagnosticBag): void {
  const known = defs.map((d) => d.name);
  for (const name of names) {
    if (known.includes(name)) continue;
    const near = closest(name, known);
    bag.add(
      diagnostic("UnknownSetParameter", null, [name], {
        hint: near
          ? hint("DidYouMean", [near])
          : known.length > 0
            ? hint("ParameterList", [known.join(", ")])
            : hint("NoParameters"),
      }),
    );
  }
}
