// `npm run webgpu`: installs the WebGPU backend (opt-in, about 150 MB): the `webgpu` package
// (Dawn, prebuilt for Linux, macOS and Windows) and @tensorflow/tfjs-backend-webgpu, into
// node_modules/.webgpu/ (their own folder, so a later `npm install` keeps them and
// package.json stays as it is). The backend's TF.js core is the project's own (resolved
// from node_modules/), hence --legacy-peer-deps. runtime/backend.ts loads them from there.
// Then it says which adapter WebGPU finds (`--no-check` skips that).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const folder = join(root, "node_modules", ".webgpu");
// The project's TF.js version, from its lock file (so this runs before `npm install` too).
const tfjs = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages["node_modules/@tensorflow/tfjs-core"].version;
// The versions: Dawn's package as tested here, and the backend of the project's TF.js.
const packages = { webgpu: "0.6.2", "@tensorflow/tfjs-backend-webgpu": tfjs };

mkdirSync(folder, { recursive: true });
writeFileSync(join(folder, "package.json"), `${JSON.stringify({ private: true, description: "gan-spec's WebGPU backend (npm run webgpu)", dependencies: packages }, null, 2)}\n`);
console.log(`gan-spec: installing ${Object.entries(packages).map(([n, v]) => `${n}@${v}`).join(" and ")} into node_modules/.webgpu/ ...`);
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : [process.platform === "win32" ? "npm.cmd" : "npm"];
const r = spawnSync(npm[0], [...npm.slice(1), "install", "--no-audit", "--no-fund", "--no-package-lock", "--legacy-peer-deps", "--loglevel=error"], { cwd: folder, stdio: "inherit" });
if (r.status !== 0) {
  console.error(`gan-spec: npm install of the WebGPU backend failed (${r.error?.message ?? `exit status ${r.status}`}); training goes on without it`);
  process.exit(1);
}
if (process.argv.includes("--no-check")) process.exit(0);
const check = spawnSync(process.execPath, ["--import", "tsx", join(root, "scripts", "webgpu-check.ts")], { cwd: root, stdio: "inherit" });
process.exit(check.status ?? 1);
