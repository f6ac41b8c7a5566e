// Rendering a compile result for people (diagnostics with source line and caret, the
// shape table) and for tools (the --json report of LANGUAGE-CORE.md). Positions are
// worked out here, from offsets, once per diagnostic.
import type { Span } from "../grammar/ast.ts";
import type { CheckedModel } from "./check.ts";
import type { CompileResult } from "./compile.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { formatShape, type Shape } from "./shape.ts";
import type { SourceFile } from "./source.ts";

export interface Style {
  readonly color: boolean;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

/** Lines longer than this are shown as a window around the span. */
const MAX_SHOWN_LINE = 160;

function sourceExcerpt(source: SourceFile, span: Span, style: Style): string[] {
  const start = source.position(span.start);
  const end = source.position(span.end);
  let line = source.lineText(start.line);
  let from = start.col - 1;
  let to = end.line === start.line ? Math.max(end.col - 1, from + 1) : Math.max(line.length, from + 1);
  let prefix = "";
  if (line.length > MAX_SHOWN_LINE) {
    const windowStart = Math.max(0, from - 40);
    const windowEnd = Math.min(line.length, windowStart + MAX_SHOWN_LINE);
    prefix = windowStart > 0 ? "…" : "";
    line = prefix + line.slice(windowStart, windowEnd) + (windowEnd < line.length ? "…" : "");
    from = from - windowStart + prefix.length;
    to = Math.min(to - windowStart + prefix.length, line.length);
  }
  to = Math.min(to, Math.max(line.length, from + 1));
  // Keep tabs in the caret line so it lines up under tab-indented source.
  const pad = [...line.slice(0, from)].map((c) => (c === "\t" ? "\t" : " ")).join("");
  const width = Math.max(1, to - from);
  const caret = `^${"~".repeat(width - 1)}`;
  return [line.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "�"), pad + paint(style.color, "32", caret)];
}

export function renderDiagnostic(d: Diagnostic, source: SourceFile, style: Style, program = "gan-compile"): string {
  const label =
    d.severity === "error" ? paint(style.color, "1;31", `error ${d.code}`) : paint(style.color, "1;33", `warning ${d.code}`);
  const lines: string[] = [];
  if (d.span === null) {
    lines.push(`${program}: ${label}: ${d.message}`);
  } else {
    const p = source.position(d.span.start);
    lines.push(`${source.path}:${p.line}:${p.col}: ${label}: ${d.message}`);
    lines.push(...sourceExcerpt(source, d.span, style));
  }
  if (d.hint !== undefined) lines.push(`  ${paint(style.color, "1;36", "hint")}: ${d.hint}`);
  for (const n of d.notes) {
    const p = source.position(n.span.start);
    lines.push(`${source.path}:${p.line}:${p.col}: ${paint(style.color, "1;36", "note")}: ${n.message}`);
    lines.push(...sourceExcerpt(source, n.span, style));
  }
  return lines.join("\n");
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? "" : "s"}`;
  return `${n(errors, "error")}, ${n(warnings, "warning")}`;
}

// --- the shape table ------------------------------------------------------------------------

const thousands = (n: number) => n.toLocaleString("en-US");

function header(m: CheckedModel): string {
  const inputs = m.inputs.map((i) => `${i.name}: ${m.labels?.[i.name] !== undefined ? `label(${m.labels[i.name]})` : formatShape(i.shape)}`).join(", ");
  const outs = m.outputs ? `(${m.outputs.map((o) => `${o.name}: ${formatShape(o.shape)}`).join(", ")})` : formatShape(m.output);
  return `${m.name}(${inputs}) -> ${outs}`;
}

export function renderModelTable(m: CheckedModel, source: SourceFile): string {
  const rows = m.layers.map((l) => {
    const p = source.position(l.span.start);
    return [`${p.line}:${p.col}`, l.name ? `${l.name} = ${l.op}` : l.op, formatShape(l.out), l.params === undefined ? "?" : thousands(l.params)];
  });
  const head = ["at", "layer", "output", "params"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    `  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  ${r[3]!.padStart(widths[3]!)}`;
  const total = `${thousands(m.params)} parameters${m.ok ? "" : " (so far: the model has errors)"}`;
  return [`${header(m)}    ${total}`, fmt(head), ...rows.map(fmt)].join("\n");
}

// --- the --json report -------------------------------------------------------------------------

export interface JsonPosition {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

function jsonSpan(source: SourceFile, span: Span): JsonPosition {
  const a = source.position(span.start);
  const b = source.position(span.end);
  return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
}

export function jsonDiagnostic(d: Diagnostic, source: SourceFile): Record<string, unknown> {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.span === null ? {} : { file: source.path, ...jsonSpan(source, d.span) }),
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.notes.length > 0
      ? { notes: d.notes.map((n) => ({ message: n.message, file: source.path, ...jsonSpan(source, n.span) })) }
      : {}),
  };
}

function jsonShape(s: Shape): (number | null)[] | null {
  return s === null ? null : [...s];
}

export function jsonReport(r: CompileResult): Record<string, unknown> {
  const all = [...r.usageErrors, ...r.diagnostics];
  const models: Record<string, unknown> = {};
  for (const m of r.models) {
    models[m.name] = {
      inputs: Object.fromEntries(m.inputs.map((i) => [i.name, jsonShape(i.shape)])),
      ...(m.labels ? { labels: m.labels } : {}),
      output: jsonShape(m.output),
      ...(m.outputs ? { outputs: Object.fromEntries(m.outputs.map((o) => [o.name, jsonShape(o.shape)])) } : {}),
      params: m.params,
      ok: m.ok,
      layers: m.layers.map((l) => {
        const p = r.source.position(l.span.start);
        return {
          op: l.op,
          out: jsonShape(l.out),
          params: l.params ?? null,
          line: p.line,
          col: p.col,
          ...(l.name !== undefined ? { name: l.name } : {}),
        };
      }),
    };
  }
  return {
    ok: !all.some((d) => d.severity === "error"),
    file: r.source.path,
    parameters: Object.fromEntries([...r.parameters].map(([k, v]) => [k, v ?? null])),
    diagnostics: all.map((d) => jsonDiagnostic(d, r.source)),
    models,
  };
}
