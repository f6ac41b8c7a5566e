// The programmatic entry point: spec text -> checked models + diagnostics. The CLI
// (cli/gan-compile.ts) and the tests call this; it never throws for a bad spec,
// and an exception from a bug becomes an internal-error diagnostic (GAN0999).
import { parse } from "../grammar/parse.ts";
import type { Spec } from "../grammar/ast.ts";
import { type CheckedModel, check, reportUnusedParameters } from "./check.ts";
import { checkTrain } from "./train-check.ts";
import type { TrainPlan } from "../contracts/train-plan.ts";
import { type Diagnostic, DiagnosticBag, diagnostic } from "./diagnostic.ts";
import { checkOverrides, evaluateParams } from "./params.ts";
import { SourceFile } from "./source.ts";
import { syntaxDiagnostic } from "./syntax.ts";

export interface CompileOptions {
  /** `--set NAME=VALUE` overrides, already parsed. */
  readonly overrides?: ReadonlyMap<string, number>;
}

export interface CompileResult {
  readonly source: SourceFile;
  readonly spec: Spec | null;
  readonly parameters: ReadonlyMap<string, number | undefined>;
  readonly models: readonly CheckedModel[];
  /** The checked `train:` section; null when there is none or it has errors. */
  readonly train: TrainPlan | null;
  /** In source order, errors and warnings together. */
  readonly diagnostics: readonly Diagnostic[];
  /** Problems with the invocation itself (--set of an unknown parameter): exit status 2. */
  readonly usageErrors: readonly Diagnostic[];
  readonly internalError: boolean;
}

export function compile(text: string, path: string, options: CompileOptions = {}): CompileResult {
  const source = new SourceFile(path, text);
  const bag = new DiagnosticBag();
  const usage = new DiagnosticBag();
  const overrides = options.overrides ?? new Map<string, number>();
  try {
    const parsed = parse(text);
    for (const p of parsed.problems) bag.add(syntaxDiagnostic(p));
    checkOverrides(parsed.spec.params, overrides.keys(), usage);
    const params = evaluateParams(parsed.spec.params, overrides, bag);
    const models = check({ spec: parsed.spec, params, bag });
    const train = checkTrain({ sections: parsed.spec.train, models, params, bag, source });
    reportUnusedParameters(parsed.spec, params, bag);
    const diagnostics = sortByPosition(bag.items);
    if (bag.dropped > 0) diagnostics.push(diagnostic("DiagnosticsCut", null, [bag.dropped]));
    return {
      source,
      spec: parsed.spec,
      parameters: params.values,
      models,
      train,
      diagnostics,
      usageErrors: usage.items,
      internalError: false,
    };
  } catch (e) {
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    bag.add(diagnostic("InternalError", null, [detail]));
    if (process.env["GAN_DEBUG"] && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return {
      source,
      spec: null,
      parameters: new Map(),
      models: [],
      train: null,
      diagnostics: bag.items,
      usageErrors: usage.items,
      internalError: true,
    };
  }
}

function sortByPosition(items: readonly Diagnostic[]): Diagnostic[] {
  return items
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.span?.start ?? -1) - (b.d.span?.start ?? -1) || a.i - b.i)
    .map(({ d }) => d);
}
