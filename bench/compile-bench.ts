// npm run bench [-- --json]: the compiler's speed. Cold `gan-compile --check` of each
// spec as a new process (what a user waits for), the checker alone in-process (median of
// repeated runs after warm-up), and a generated 1,000-line spec. Prints a table, or one
// JSON object per line with --json. Never part of the test suite.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compile } from "../compiler/compile.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
// Cold start is measured with the esbuild bundle, as a user gets it after npm install (a
// stale bundle would fall back to the TypeScript sources, 4-5x slower to start).
spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "ignore" });
const asJson = process.argv.includes("--json");

interface Row {
  name: string;
  ms: number;
  note: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function inProcess(text: string, runs = 30): number {
  for (let i = 0; i < 5; i++) compile(text, "bench.gan");
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    compile(text, "bench.gan");
    times.push(performance.now() - t0);
  }
  return median(times);
}

function cold(spec: string, runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["bin/gan-compile.js", spec, "--check"], { cwd: root, stdio: "ignore" });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${spec}: exit ${r.status}`);
  }
  return median(times);
}

function thousandLines(): string {
  const lines = ["w = 16", "block step(c): linear(c -> c) lrelu(0.2)", "G(z: [w]) -> [w]:"];
  for (let i = 0; i < 997; i++) lines.push(i % 3 === 0 ? "    step(w)" : `    linear(w -> w) ${i % 2 ? "relu" : "tanh"}   # ${i}`);
  return lines.join("\n");
}

const specs = readdirSync(`${root}specs`).filter((f) => f.endsWith(".gan")).sort();
const rows: Row[] = [];
let all = 0;
for (const f of specs) {
  const ms = cold(`specs/${f}`);
  all += ms;
  rows.push({ name: `compile-cold:${f}`, ms, note: "gan-compile --check, new process" });
}
rows.push({ name: "compile-all", ms: all, note: `cold gan-compile --check of all ${specs.length} specs, one process each` });
for (const f of specs) {
  rows.push({ name: `check:${f}`, ms: inProcess(readFileSync(`${root}specs/${f}`, "utf8")), note: "parse + check, in process, median" });
}
const big = thousandLines();
rows.push({ name: "check:1000-lines", ms: inProcess(big, 10), note: `${big.split("\n").length} lines, parse + check, in process` });

if (asJson) {
  for (const r of rows) console.log(JSON.stringify({ name: r.name, ms: Number(r.ms.toFixed(2)) }));
} else {
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`${"name".padEnd(w)}  ${"ms".padStart(9)}  what`);
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.ms.toFixed(2).padStart(9)}  ${r.note}`);
}
