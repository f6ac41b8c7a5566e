// Bundles each CLI into dist/ with esbuild (run by `npm install` through `prepare`): one
// file loads much faster than hundreds of ES modules (chevrotain alone: 0.45 s -> 0.1 s).
// bin/launch.js falls back to the TypeScript sources whenever a bundle is older than them.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entries = { "gan-compile": "compiler/cli/gan-compile.ts" };

for (const [name, entry] of Object.entries(entries)) {
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: join(root, "dist", `${name}.mjs`),
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "warning",
  });
}
