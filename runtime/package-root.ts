// The gan-spec package's own folder (where package.json and node_modules are), found from
// this module upwards: the same answer from the sources, from a bundle in dist/ and from
// its chunks in dist/chunks/.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let found: string | undefined;

export function packageRoot(): string {
  if (found !== undefined) return found;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "gan-spec") return (found = dir);
      } catch {
        // not a package.json of ours
      }
    }
    if (dirname(dir) === dir) return (found = join(start, ".."));
  }
}
