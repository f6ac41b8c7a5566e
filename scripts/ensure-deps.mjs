// Runs `npm install` when node_modules is missing or older than package-lock.json, so
// `npm test` works on a fresh clone (CI) without a separate install step.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.log("gan-spec: installing dependencies (npm install)...");
  execSync("npm install --no-audit --no-fund", { cwd: root, stdio: "inherit" });
}
// The native kernels: built by `npm install`; rebuilt here when their sources changed
// (a pull) so the tests run what the sources say.
execSync(`"${process.execPath}" scripts/build-native.mjs --quiet`, { cwd: root, stdio: "inherit" });
