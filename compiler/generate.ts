// Spec file -> generated/<name>/: compile, build the IR, emit, and write only the files
// whose text changed (so timestamps and diffs stay quiet). Used by `gan-compile --out`,
// `npm run generate` and the freshness test.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { CompileResult } from "./compile.ts";
import { type EmittedFile, emitTypeScript } from "./emit-ts.ts";
import { emitTrain } from "./emit-train.ts";
import { buildIr } from "./ir.ts";

/** generated/dcgan for specs/dcgan.gan. */
export function defaultOutDir(specPath: string): string {
  return join("generated", basename(specPath).replace(/\.gan$/, ""));
}

/** The model modules and index.ts, plus train.ts when the spec has a `train:` section. */
export function emitFiles(result: CompileResult): EmittedFile[] {
  const ir = buildIr(result);
  return [...emitTypeScript(ir), ...(result.train ? [emitTrain(ir, result.train)] : [])];
}

export interface WriteReport {
  readonly written: string[];
  readonly unchanged: string[];
}

export function writeFiles(outDir: string, files: readonly EmittedFile[]): WriteReport {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const f of files) {
    const path = join(outDir, f.path);
    if (existsSync(path) && readFileSync(path, "utf8") === f.text) {
      unchanged.push(path);
      continue;
    }
    writeFileSync(path, f.text);
    written.push(path);
  }
  return { written, unchanged };
}
