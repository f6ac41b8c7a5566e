import { readFileSync } from "node:fs";
import { parse } from "/work/main/grammar/parse.ts";
const text = readFileSync(process.argv[2]!, "utf8");
for (let i = 0; i < 2; i++) { const t = performance.now(); parse(text); console.log("parse", (performance.now()-t).toFixed(0)); }
