// Starts a CLI: its esbuild bundle in dist/ when it is newer than every source file it was
// built from (gan-compile: start-up ~0.15 s), else the TypeScript sources through tsx
// (~1 s more), so an edited checkout never runs stale code. Either way: the exit status of main(), EPIPE on a
// closed pipe is not an error, and an unexpected crash is reported as a bug, not a trace.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE_DIRS = ["grammar", "compiler", "contracts", "cli", "runtime", "generated"];

function newestSource(dir, newest = 0) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = newestSource(p, newest);
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function bundleIsFresh(bundle) {
  if (!existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  let newest = 0;
  for (const d of SOURCE_DIRS) newest = newestSource(join(root, d), newest);
  return built >= newest;
}

export async function run(name, sourceEntry) {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e) => {
      if (e && e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  try {
    const bundle = join(root, "dist", `${name}.mjs`);
    let mod;
    if (bundleIsFresh(bundle)) {
      mod = await import(pathToFileURL(bundle).href);
    } else {
      const { register } = await import("tsx/esm/api");
      register();
      mod = await import(new URL(sourceEntry, import.meta.url).href);
    }
    process.exitCode = await mod.main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(
      `${name}: internal error: ${e instanceof Error ? e.message : String(e)}\n` +
        `This is a bug in ${name}; please report it with the command you ran.\n`,
    );
    if (process.env.GAN_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 2;
  }
}
