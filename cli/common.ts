// What the three commands share: where output goes, coded errors ("gan-train: error GAN0907:
// ..."), --set values, and the prologue every command starts with: read the spec, compile
// it, print its diagnostics, and stop with the right exit status when it has errors.
import { readFileSync, statSync } from "node:fs";
import { compile, type CompileResult } from "../compiler/compile.ts";
import { type Args, diagnostic } from "../compiler/diagnostic.ts";
import type { DiagnosticKey } from "../compiler/diagnostics.ts";
import { parseSetting } from "../compiler/params.ts";
import { renderDiagnostic } from "../compiler/render.ts";

export const EXIT_OK = 0;
export const EXIT_SPEC_ERRORS = 1;
export const EXIT_USAGE = 2;

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
  /** stderr is a terminal (colours, the progress bar). */
  readonly isTTY?: boolean;
}

export const processIo: Io = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  isTTY: process.stderr.isTTY === true,
};

/** A problem with the command line, a file or a folder: exit status 2 (or `status`). */
export class CliError extends Error {
  constructor(
    readonly key: DiagnosticKey,
    readonly args: Args,
    readonly status = EXIT_USAGE,
  ) {
    super(diagnostic(key, null, args).message);
  }
}

/** Prints a coded error of `program` on stderr; returns its exit status. */
export function printError(io: Io, program: string, e: CliError): number {
  const d = diagnostic(e.key, null, e.args);
  io.stderr(`${program}: error ${d.code}: ${d.message}\n`);
  return e.status;
}

/** `--set NAME=VALUE` values in order (a later one wins). */
export function parseSets(raw: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of raw) {
    const s = parseSetting(r);
    if ("error" in s) throw new CliError("BadSetValue", [s.name || r, s.error]);
    out.set(s.name, s.value);
  }
  return out;
}

const MAX_SPEC_BYTES = 64 * 1024 * 1024;

/** A spec's text, or a CliError (GAN0901) naming the file and why it cannot be read. */
export function readSpec(path: string): string {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new Error("it is a folder; give a .gan file");
    if (st.size > MAX_SPEC_BYTES) throw new Error(`it is larger than ${MAX_SPEC_BYTES / 1024 / 1024} MB`);
    return readFileSync(path, "utf8");
  } catch (e) {
    const reason = e instanceof Error && "code" in e && e.code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e);
    throw new CliError("CannotRead", [path, reason]);
  }
}

/**
 * The runtime commands' prologue: read and compile the spec with `overrides`, print its
 * diagnostics (as `program`). Returns the result, or the exit status when it has errors
 * (1) or the invocation does (2).
 */
export function loadSpec(io: Io, program: string, path: string, overrides: ReadonlyMap<string, number>): { result: CompileResult; text: string } | number {
  const text = readSpec(path);
  const result = compile(text, path, { overrides });
  for (const d of [...result.usageErrors, ...result.diagnostics]) io.stderr(`${renderDiagnostic(d, result.source, { color: false }, program)}\n`);
  if (result.usageErrors.length > 0 || result.internalError) return EXIT_USAGE;
  if (result.diagnostics.some((d) => d.severity === "error")) return EXIT_SPEC_ERRORS;
  return { result, text };
}

/** Starts a TF.js backend (runtime/backend.ts), or fails with GAN0911 saying why (not a stack trace). */
export async function startBackendOrFail(choice: string): Promise<{ readonly name: string; readonly why: string }> {
  const { startBackend } = await import("../runtime/backend.ts");
  try {
    return await startBackend(choice as "auto");
  } catch (e) {
    throw new CliError("BackendProblem", [choice, e instanceof Error ? e.message : String(e)]);
  }
}
