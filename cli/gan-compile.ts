// gan-compile: a thin CLI over compile(). It only turns argv into options, reads the file,
// prints, and maps the outcome to the exit status of LANGUAGE-CORE.md:
//   0 no errors, 1 errors in the spec, 2 usage or I/O errors (and internal errors).
import { join } from "node:path";
import { existsSync } from "node:fs";
import yargs from "yargs";
import { compile, type CompileResult } from "../compiler/compile.ts";
import { type Diagnostic, diagnostic } from "../compiler/diagnostic.ts";
import type { WriteReport } from "../compiler/generate.ts";
import { buildIr } from "../compiler/ir.ts";
import { parseSetting } from "../compiler/params.ts";
import { jsonReport, renderDiagnostic, renderModelTable, summary } from "../compiler/render.ts";
import { SourceFile } from "../compiler/source.ts";
import { CliError, EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE, type Io, processIo, readSpec } from "./common.ts";
import { type FlagTable, type FlagValues, yargsOptions } from "./flags.ts";
import { parseArgv } from "./parse-argv.ts";

export { EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE, type Io };

/** gan-compile's flags: yargs builds both parsing and --help from this table. */
export const FLAGS = {
  set: { type: "string", array: true, description: "Override a parameter: --set ngf=32 (repeatable; --set a=1 b=2 also works)" },
  check: { type: "boolean", default: false, description: "Parse and check only; write nothing" },
  json: { type: "boolean", default: false, description: "Print one JSON report on stdout instead of text" },
  out: { type: "string", description: "Output folder for generated code (default generated/<spec name>/)" },
  emit: { type: "string", choices: ["ts", "pytorch", "ir"], default: "ts", description: "ts: write TypeScript modules; pytorch: write a PyTorch package (models.py, train.py; default folder generated/<spec name>/torch/); ir: print the checked IR (JSON) on stdout" },
  color: { type: "boolean", description: "Colour diagnostics (default: when stderr is a terminal)" },
} as const satisfies FlagTable;

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const parser = yargs([...argv])
    .scriptName("gan-compile")
    .usage("$0 SPEC.gan [--set NAME=VALUE]... [--check] [--json] [--out DIR]\n\nCheck a .gan spec: every layer's shape and parameter count, every mistake with its place and a fix.")
    .options(yargsOptions(FLAGS))
    .wrap(Math.min(100, process.stdout.columns ?? 100));
  const parsed = await parseArgv(parser, argv, "gan-compile");
  const { error: usageError, help } = parsed;
  const args = parsed.args as unknown as FlagValues<typeof FLAGS> & { _: unknown[] };
  if (help !== undefined) {
    io.stdout(`${help}\n`);
    return EXIT_OK;
  }
  const settings = [...((args.set as string[] | undefined) ?? [])];
  const positional = (args._ ?? []).map(String);
  // `--set a=1 spec.gan`: an array option swallows the spec; give it back.
  for (let i = settings.length - 1; i >= 0; i--) {
    const s = settings[i]!;
    if (!s.includes("=") && (s.endsWith(".gan") || existsSync(s))) positional.unshift(...settings.splice(i, 1));
  }
  const asJson = Boolean(args.json);
  const color = typeof args.color === "boolean" ? args.color : io.isTTY === true && !process.env["NO_COLOR"];
  const usage = (message: string): number => {
    const d = diagnostic("Usage", null, [message]);
    if (asJson) io.stdout(`${JSON.stringify({ ok: false, diagnostics: [{ severity: "error", code: d.code, message: d.message }], models: {} })}\n`);
    else io.stderr(`gan-compile: error ${d.code}: ${d.message}\nusage: gan-compile SPEC.gan [--set NAME=VALUE]... [--check] [--json] [--out DIR]\n`);
    return EXIT_USAGE;
  };
  if (usageError) return usage(usageError);
  if (positional.length === 0) return usage("no spec given");
  if (positional.length > 1) return usage(`one spec at a time, got ${positional.length}: ${positional.join(" ")}`);
  const path = positional[0]!;

  const overrides = new Map<string, number>();
  const settingErrors: Diagnostic[] = [];
  for (const raw of settings) {
    const s = parseSetting(raw);
    if ("error" in s) settingErrors.push(diagnostic("BadSetValue", null, [s.name || raw, s.error]));
    else overrides.set(s.name, s.value);
  }

  let text: string;
  try {
    text = readSpec(path);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return printUsageDiagnostics([diagnostic(e.key, null, e.args)], new SourceFile(path, ""), asJson, io, color);
  }

  const result = compile(text, path, { overrides });
  const usageErrors = [...settingErrors, ...result.usageErrors];
  if (usageErrors.length > 0) return printUsageDiagnostics(usageErrors, result.source, asJson, io, color);
  const status = report(result, asJson || args.emit === "ir", io, color, args.emit === "ir" ? null : undefined);
  if (status !== EXIT_OK || args.check) return status;
  if (args.emit === "ir") {
    io.stdout(`${JSON.stringify(buildIr(result), null, 2)}\n`);
    return EXIT_OK;
  }
  // The emitter (ts-morph, TypeScript itself) loads only when code is generated.
  const { defaultOutDir, emitFiles, emitTorchFiles, writeFiles } = await import("../compiler/generate.ts");
  const { InvalidIrError } = await import("../compiler/ir-validate.ts");
  const pytorch = args.emit === "pytorch";
  const outDir = args.out ?? defaultOutDir(path, pytorch ? "pytorch" : "ts");
  let written: WriteReport;
  try {
    written = writeFiles(outDir, pytorch ? emitTorchFiles(result, Object.fromEntries(overrides)) : emitFiles(result, outDir));
  } catch (e) {
    if (e instanceof InvalidIrError) throw e;
    return printUsageDiagnostics([diagnostic("CannotWrite", null, [outDir, e instanceof Error ? e.message : String(e)])], result.source, asJson, io, color);
  }
  if (!asJson) {
    io.stdout(`\n${outDir}: ${written.written.length} file(s) written, ${written.unchanged.length} unchanged\n`);
    if (pytorch && result.train) io.stdout(`train with: python3 ${join(outDir, "train.py")} --help   (or torchrun --nproc_per_node=N ${join(outDir, "train.py")})\n`);
  }
  return EXIT_OK;
}

function printUsageDiagnostics(ds: readonly Diagnostic[], source: SourceFile, asJson: boolean, io: Io, color: boolean): number {
  if (asJson) {
    io.stdout(`${JSON.stringify({ ok: false, file: source.path, diagnostics: ds.map((d) => ({ severity: d.severity, code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) })), models: {} })}\n`);
  } else {
    for (const d of ds) io.stderr(`${renderDiagnostic(d, source, { color })}\n`);
  }
  return EXIT_USAGE;
}

/** `quiet` (null): print diagnostics only, leaving stdout to the caller (--emit ir). */
function report(result: CompileResult, asJson: boolean, io: Io, color: boolean, quiet?: null): number {
  const errors = result.diagnostics.some((d) => d.severity === "error");
  if (quiet === null) {
    for (const d of result.diagnostics) io.stderr(`${renderDiagnostic(d, result.source, { color })}\n`);
  } else if (asJson) {
    io.stdout(`${JSON.stringify(jsonReport(result), null, 2)}\n`);
  } else {
    for (const d of result.diagnostics) io.stderr(`${renderDiagnostic(d, result.source, { color })}\n`);
    if (!errors) {
      const params = [...result.parameters].map(([k, v]) => `${k}=${v ?? "?"}`).join(", ");
      io.stdout(`${result.source.path}: ok${params ? ` (${params})` : ""}\n`);
      for (const m of result.models) io.stdout(`\n${renderModelTable(m, result.source)}\n`);
    }
    if (result.diagnostics.length > 0) io.stderr(`${summary(result.diagnostics)}\n`);
  }
  if (result.internalError) return EXIT_USAGE;
  return errors ? EXIT_SPEC_ERRORS : EXIT_OK;
}
