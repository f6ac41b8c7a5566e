// Bundles each CLI into dist/ with esbuild (run by `npm install` through `prepare`): one
// file loads much faster than hundreds of ES modules (chevrotain alone: 0.45 s -> 0.1 s).
// bin/launch.js falls back to the TypeScript sources whenever a bundle is older than them.
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, unlinkSync } from "node:fs";
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entries = { "gan-compile": "compiler/cli/gan-compile.ts", "gan-sample": "runtime/cli/gan-sample.ts", "gan-train": "runtime/cli/gan-train.ts" };

{
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
    external: ["ts-morph", "@tensorflow/*", "sharp"],
  });
}
// Read at run time next to the bundle.
for (const dir of ["dist", "dist/chunks"]) {
  mkdirSync(join(root, dir), { recursive: true });
  copyFileSync(join(root, "compiler", "ir.schema.json"), join(root, dir, "ir.schema.json"));
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
