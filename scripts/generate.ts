// npm run generate: regenerates generated/<spec>/ for every spec in specs/ (committed;
// test/generated.test.ts fails when it is stale).
import { readdirSync, readFileSync } from "node:fs";
import { compile } from "../compiler/compile.ts";
import { defaultOutDir, emitFiles, writeFiles } from "../compiler/generate.ts";

for (const f of readdirSync("specs").filter((x) => x.endsWith(".gan")).sort()) {
  const path = `specs/${f}`;
  const result = compile(readFileSync(path, "utf8"), path);
  const r = writeFiles(defaultOutDir(path), emitFiles(result));
  console.log(`${path}: ${r.written.length} written, ${r.unchanged.length} unchanged`);
}
