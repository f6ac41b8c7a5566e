// Bundles the commands into dist/ with esbuild (run by `npm install` through `prepare`): one
// file loads much faster than hundreds of ES modules (the compiler with chevrotain: ~1 s ->
// 0.1 s). bin/launch.js falls back to the TypeScript sources whenever a bundle is older
// than them. gan-train and gan-sample run the TypeScript a spec compiles to
// (RUN/generated/): from a bundle, cli/code.ts transpiles it with its imports of the runtime
// pointed at dist/runtime-nn.mjs and dist/runtime-functional.mjs, entries of this same build,
// so the generated models and the trainer share one copy of the runtime.
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entries = {
  "gan-compile": "cli/gan-compile.ts",
  "gan-eval": "cli/gan-eval.ts",
  "gan-sample": "cli/gan-sample.ts",
  "gan-train": "cli/gan-train.ts",
  "emit-worker": "cli/emit-worker.ts",
  // What generated code imports from the runtime (cli/code.ts: RUNTIME_ENTRIES).
  "runtime-nn": "runtime/nn/index.ts",
  "runtime-functional": "runtime/nn/functional.ts",
};

{
  // Chunks of an earlier build would stay beside the new ones.
  rmSync(join(root, "dist"), { recursive: true, force: true });
  await build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, join(root, entry)])),
    bundle: true,
    // Code behind a dynamic import (the emitter, the runtime) goes into chunks that load
    // only when used, with the packages they import.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    platform: "node",
    format: "esm",
    target: "node20",
    outdir: join(root, "dist"),
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "warning",
    // Loaded from node_modules, and only when needed (code generation, the runtime).
    external: ["ts-morph", "@tensorflow/*", "sharp", "esbuild"],
  });
}

// `npx gan-compile` / `npx gan-sample` in this checkout: npm links a package's bins for
// its dependents, not for itself, so link them into node_modules/.bin here.
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const binDir = join(root, "node_modules", ".bin");
if (existsSync(join(root, "node_modules"))) {
  mkdirSync(binDir, { recursive: true });
  for (const [name, file] of Object.entries(pkg.bin ?? {})) {
    const link = join(binDir, name);
    try {
      if (lstatSync(link)) unlinkSync(link);
    } catch {
      // not there yet
    }
    symlinkSync(join("..", "..", file), link);
  }
}
