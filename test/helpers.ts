// Shared helpers for the table tests: compile a spec text, render its diagnostics the way
// gan-compile prints them (no colour), and read the checked models.
import { readFileSync } from "node:fs";
import { type GeneratedCode, loadCodeTemporarily } from "../cli/code.ts";
import { findPython } from "../cli/torch-engine.ts";
import { compile, type CompileResult } from "../compiler/compile.ts";
import { renderDiagnostic } from "../compiler/render.ts";
import { formatShape } from "../compiler/shape.ts";

export function compileText(text: string, set: Record<string, number> = {}): CompileResult {
  return compile(text, "t.gan", { overrides: new Map(Object.entries(set)) });
}

/** Every diagnostic as printed, one block per diagnostic, joined by newlines. */
export function rendered(text: string, set: Record<string, number> = {}): string {
  const r = compileText(text, set);
  return [...r.usageErrors, ...r.diagnostics].map((d) => renderDiagnostic(d, r.source, { color: false })).join("\n");
}

/** Just `CODE@line:col` of each diagnostic, for compact rows. */
export function codes(text: string, set: Record<string, number> = {}): string[] {
  const r = compileText(text, set);
  return [...r.usageErrors, ...r.diagnostics].map((d) => {
    if (d.span === null) return d.code;
    const p = r.source.position(d.span.start);
    return `${d.code}@${p.line}:${p.col}`;
  });
}

/** "G: [3, 64, 64] 3576704" for each model. */
export function summaries(text: string, set: Record<string, number> = {}): string[] {
  const r = compileText(text, set);
  return r.models.map((m) => `${m.name}: ${formatShape(m.output)} ${m.params}`);
}

/**
 * A spec's generated code (models and training section) for the given parameter values,
 * compiled and imported as gan-train does (in a temporary folder named by its contents).
 */
export async function codeFor(path: string, set: Record<string, number> = {}): Promise<GeneratedCode> {
  const r = compile(readFileSync(path, "utf8"), path, { overrides: new Map(Object.entries(set)) });
  if (r.diagnostics.some((d) => d.severity === "error")) throw new Error(`${path} has errors`);
  return loadCodeTemporarily(r);
}

/** A python3 with PyTorch for the tests that need one, or why they do not run. */
export function torchPython(): { python: string | undefined; whyNot: string } {
  try {
    return { python: findPython(process.env["GAN_PYTHON"]).python, whyNot: "" };
  } catch (e) {
    return { python: undefined, whyNot: `not run: no python3 with PyTorch here (${e instanceof Error ? e.message : String(e)})` };
  }
}

/**
 * Widths that only shrink each spec of specs/ (the data, the steps and the settings stay
 * the spec's), for the tests that train every spec.
 */
export const SMALL_WIDTHS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  "dcgan.gan": { isize: 16, ngf: 4, ndf: 4 },
  "pix2pix.gan": { ngf: 2, ndf: 2 },
  "cyclegan.gan": { size: 32, load: 36, ngf: 4, ndf: 4, n_blocks: 1 },
  "sngan.gan": { ch: 4 },
  "sagan.gan": { ch: 8 },
  "lsgan.gan": { ngf: 4, ndf: 4 },
  "wgan-gp.gan": { dim: 4 },
  "mnist-gan.gan": {},
  "cgan.gan": {},
  "acgan.gan": {},
};
