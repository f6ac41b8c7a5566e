// Builds the native CPU kernels (runtime/kernels/native, binding.gyp) with node-gyp:
// run by `npm install` and by `npm test` when the addon is missing or older than its
// sources. A failed build is not an error: training then runs on the wasm kernels, and
// gan-train says so. `--force` rebuilds; `--quiet` prints only a failure.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const addon = join(root, "build", "Release", "gan_native.node");
const sources = join(root, "runtime", "kernels", "native");
const args = process.argv.slice(2);

function newestSource() {
  const files = [join(root, "binding.gyp"), ...readdirSync(sources).map((f) => join(sources, f))];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(root, "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  return candidates.find((c) => c && existsSync(c));
}

/** What the built addon runs here ("avx2+fma, 2 threads"), or why it does not load. */
function describeAddon() {
  try {
    const k = createRequire(import.meta.url)(addon);
    const threads = k.setThreads(Math.max(1, Number(process.env.GAN_THREADS) || availableParallelism()));
    return { ok: true, text: `${k.isa()} kernels, ${threads} thread${threads === 1 ? "" : "s"}` };
  } catch (e) {
    return { ok: false, text: e instanceof Error ? e.message.split("\n")[0] : String(e) };
  }
}

if (!args.includes("--force") && existsSync(addon) && statSync(addon).mtimeMs >= newestSource()) process.exit(0);
const gyp = nodeGyp();
if (!gyp) {
  console.warn("gan-spec: node-gyp not found; the native CPU kernels are not built (training uses the wasm kernels).");
  process.exit(0);
}
if (!args.includes("--quiet")) console.log("gan-spec: building the native CPU kernels (node-gyp)...");
// Build against the headers of the running Node when they are installed beside it (no
// download: node-gyp would otherwise fetch them).
const prefix = join(dirname(process.execPath), "..");
const nodedir = process.env.npm_config_nodedir ?? (existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : undefined);
const r = spawnSync(process.execPath, [gyp, "rebuild", ...(nodedir ? [`--nodedir=${nodedir}`] : [])], { cwd: root, encoding: "utf8" });
if (r.status !== 0) {
  const why = `${r.stderr ?? ""}${r.stdout ?? ""}`.trim().split("\n").slice(-8).join("\n");
  console.warn(`gan-spec: the native CPU kernels did not build (training uses the wasm kernels instead):\n${why}`);
} else {
  const d = describeAddon();
  if (d.ok) {
    if (!args.includes("--quiet")) console.log(`gan-spec: built the native CPU kernels: ${d.text} on this machine (GAN_THREADS=N to change)`);
  } else console.warn(`gan-spec: the native CPU kernels built but do not load (training uses the wasm kernels instead): ${d.text}`);
}
