import { readFileSync } from "node:fs";
import { compile } from "/work/main/compiler/compile.ts";
import { lex } from "/work/main/grammar/lexer.ts";
import { parse } from "/work/main/grammar/parse.ts";
const f = process.argv[2]!;
const text = readFileSync(f, "utf8");
let t = performance.now(); const l = lex(text); console.log("lex", (performance.now()-t).toFixed(0), "ms", l.tokens.length, "tokens", l.problems.length, "problems");
t = performance.now(); const p = parse(text); console.log("parse", (performance.now()-t).toFixed(0), "ms", p.problems.length);
t = performance.now(); const r = compile(text, f); console.log("compile", (performance.now()-t).toFixed(0), "ms", r.diagnostics.length);
