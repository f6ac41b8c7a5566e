// npm run generate: regenerates generated/<spec>/ for every spec in specs/, and the IR's
// schema file compiler/ir.schema.json (all committed; test/generated.test.ts fails when
// any is stale).
import { readdirSync, readFileSync } from "node:fs";
import { compile } from "../compiler/compile.ts";
import { defaultOutDir, emitFiles, emitTorchFiles, irSchemaText, writeFiles } from "../compiler/generate.ts";

const schema = writeFiles("compiler", [{ path: "ir.schema.json", text: irSchemaText() }]);
console.log(`compiler/ir.schema.json: ${schema.written.length > 0 ? "written" : "unchanged"}`);

for (const f of readdirSync("specs").filter((x) => x.endsWith(".gan")).sort()) {
  const path = `specs/${f}`;
  const result = compile(readFileSync(path, "utf8"), path);
  const out = defaultOutDir(path);
  const r = writeFiles(out, emitFiles(result, out));
  const torch = writeFiles(defaultOutDir(path, "pytorch"), emitTorchFiles(result));
  console.log(`${path}: ${r.written.length + torch.written.length} written, ${r.unchanged.length + torch.unchanged.length} unchanged (TypeScript and PyTorch)`);
}
