// The compiler API (the package's "gan-spec/compiler"): a spec's text to its checked models
// and diagnostics, its IR, and the generated modules.
export { compile, type CompileResult } from "./compile.ts";
export { defaultOutDir, emitFiles, writeFiles } from "./generate.ts";
export { buildIr } from "./ir.ts";
export { jsonReport, renderDiagnostic } from "./render.ts";
