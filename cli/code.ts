// A compiled spec as code: its generated modules written to a folder (exactly what
// `gan-compile --out DIR` writes) and imported from there, so what trains or samples is
// the code a user can read. From the TypeScript sources (tsx: bin/launch.js registers it,
// tests and scripts run under `node --import tsx`) the files are imported as they are; from
// the esbuild bundles they are transpiled first (see importable()).
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { CompileResult } from "../compiler/compile.ts";
import type { Training } from "../runtime/train/training.ts";
import type { ModelClass } from "../runtime/train/trainer.ts";

export interface GeneratedCode {
  /** The folder the modules were imported from. */
  readonly dir: string;
  /** The model classes by name, in the spec's order. */
  readonly models: Readonly<Record<string, ModelClass & { readonly inputShapes: Readonly<Record<string, readonly number[]>>; readonly outputShape: readonly number[] }>>;
  /** The training section, when the spec has one. */
  readonly training: Training | undefined;
  readonly spec: { readonly file: string; readonly parameters: Readonly<Record<string, number>> };
}

/** What this process imported from each folder: ES modules cannot be imported twice. */
const imported = new Map<string, string>();

/** Writes `result`'s modules to `dir` (only the files whose text changed). */
export async function emitCode(result: CompileResult, dir: string): Promise<void> {
  // The emitter (ts-morph, TypeScript itself: about a second) loads only when it is needed.
  const { emitFiles, writeFiles } = await import("../compiler/generate.ts");
  writeFiles(dir, emitFiles(result, dir));
}

/** The folder of the esbuild bundles when this code runs from one (dist/), else undefined. */
function bundleDir(): string | undefined {
  const dist = /^(.*[\\/]dist)[\\/]/.exec(fileURLToPath(import.meta.url))?.[1];
  return dist !== undefined && existsSync(join(dist, "runtime-nn.mjs")) ? dist : undefined;
}

/** The runtime modules generated code imports, and their entries in the bundle (scripts/build.mjs). */
const RUNTIME_ENTRIES: Readonly<Record<string, string>> = { "nn/index.ts": "runtime-nn.mjs", "nn/functional.ts": "runtime-functional.mjs" };

/**
 * emitCode in a worker thread when running from the bundles, so that the caller loads TF.js
 * and the runtime meanwhile (gan-train's start-up); from the TypeScript sources (tests,
 * an edited checkout) simply emitCode.
 */
export function emitCodeInBackground(result: CompileResult, overrides: ReadonlyMap<string, number>, dir: string): Promise<void> {
  const dist = bundleDir();
  if (dist === undefined) return emitCode(result, dir);
  const worker = new Worker(pathToFileURL(join(dist, "emit-worker.mjs")), { workerData: { path: result.source.path, text: result.source.text, overrides: [...overrides], dir } });
  return new Promise((resolvePromise, reject) => {
    worker.once("message", (error: string | null) => (error === null ? resolvePromise() : reject(new Error(error))));
    worker.once("error", reject);
    worker.once("exit", (code) => code !== 0 && reject(new Error(`the code generation stopped with status ${code}`)));
  });
}

/**
 * The URL to import `dir`'s index.ts from. From the TypeScript sources (tsx registered) that
 * is the file itself. From a bundle, where no TypeScript loader runs, the modules are
 * transpiled (esbuild) into one ES module whose imports of the runtime point at the
 * bundle's runtime entries, so they share the commands' copy of the runtime.
 */
async function importable(dir: string, digest: string): Promise<string> {
  const index = join(resolve(dir), "index.ts");
  const dist = bundleDir();
  if (dist === undefined) return pathToFileURL(index).href;
  const { build } = await import("esbuild");
  const runtime = resolve(dist, "..", "runtime");
  const out = await build({
    entryPoints: [index],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
    plugins: [
      {
        name: "runtime-from-the-bundle",
        setup(b) {
          b.onResolve({ filter: /runtime\// }, (args) => {
            const target = resolve(args.resolveDir, args.path);
            const rel = target.startsWith(runtime) ? target.slice(runtime.length + 1).split(sep).join("/") : undefined;
            if (rel === undefined) return undefined;
            const bundled = RUNTIME_ENTRIES[rel];
            if (bundled === undefined) throw new Error(`generated code imports ${rel}, which the bundle does not export`);
            return { path: pathToFileURL(join(dist, bundled)).href, external: true };
          });
        },
      },
    ],
    external: ["@tensorflow/*"],
  });
  const file = join(tmpdir(), `gan-spec-code-${digest.slice(0, 16)}.mjs`);
  writeFileSync(file, out.outputFiles[0]!.text);
  return pathToFileURL(file).href;
}

/**
 * Imports the modules in `dir`, written for `result`. A folder this process already imported
 * with other contents (a test resuming one run folder with an edited spec) cannot be
 * imported again: the same code is then written to a fresh temporary folder and imported
 * from there.
 */
export async function importCode(result: CompileResult, dir: string): Promise<GeneratedCode> {
  const key = resolve(dir);
  const hash = createHash("sha256");
  for (const f of readdirSync(dir).sort()) if (f.endsWith(".ts")) hash.update(`${f}\n${readFileSync(join(dir, f), "utf8")}`);
  const digest = hash.digest("hex");
  let from = dir;
  const before = imported.get(key);
  if (before !== undefined && before !== digest) {
    from = mkdtempSync(join(tmpdir(), "gan-spec-code-"));
    await emitCode(result, from);
  } else imported.set(key, digest);
  const index = (await import(await importable(from, digest))) as {
    models: GeneratedCode["models"];
    training?: Training;
    spec: GeneratedCode["spec"];
  };
  return { dir: from, models: index.models, training: index.training, spec: index.spec };
}

/** emitCode, then importCode. */
export async function loadCode(result: CompileResult, dir: string): Promise<GeneratedCode> {
  await emitCode(result, dir);
  return importCode(result, dir);
}

/**
 * The code of a spec compiled on the fly (gan-sample with a spec, tests): in a temporary
 * folder named by its contents, so the same spec and values reuse it.
 */
export async function loadCodeTemporarily(result: CompileResult): Promise<GeneratedCode> {
  const name = createHash("sha256").update(JSON.stringify([result.source.path, result.source.text, [...result.parameters]])).digest("hex").slice(0, 16);
  return loadCode(result, join(tmpdir(), "gan-spec-code", name));
}
