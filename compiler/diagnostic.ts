// A diagnostic is data: a table entry, its filled-in message, where it points, an optional
// hint (a known fix) and notes that point at related places ("declared here").
import type { Span } from "../grammar/ast.ts";
import { type Category, Diagnostics, type DiagnosticKey, format, Hints, type HintKey } from "./diagnostics.ts";

export interface Note {
  readonly message: string;
  readonly span: Span;
}

export interface Diagnostic {
  readonly severity: Category;
  readonly code: string;
  readonly message: string;
  /** null for problems that belong to no place in the file (command line, I/O). */
  readonly span: Span | null;
  readonly hint?: string;
  readonly notes: readonly Note[];
}

export type Args = readonly (string | number)[];

export function diagnostic(
  key: DiagnosticKey,
  span: Span | null,
  args: Args = [],
  extras: { hint?: string; notes?: readonly Note[] } = {},
): Diagnostic {
  const entry = Diagnostics[key];
  return {
    severity: entry.category,
    code: entry.code,
    message: format(entry.message, args),
    span,
    ...(extras.hint !== undefined ? { hint: extras.hint } : {}),
    notes: extras.notes ?? [],
  };
}

export function hint(key: HintKey, args: Args = []): string {
  return format(Hints[key], args);
}

/** Collects diagnostics; drops exact repeats (a block called six times reports its error once). */
export class DiagnosticBag {
  /** Nobody reads more than this; the rest are counted, not kept. */
  static readonly LIMIT = 1000;
  readonly items: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  private errors = 0;
  dropped = 0;

  add(d: Diagnostic): void {
    const key = `${d.code}|${d.span?.start}|${d.span?.end}|${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (d.severity === "error") this.errors++;
    if (this.items.length >= DiagnosticBag.LIMIT) {
      this.dropped++;
      return;
    }
    this.items.push(d);
  }

  get errorCount(): number {
    return this.errors;
  }
}
