// npm run fuzz -- [--n 100000] [--seed 1]: mutated seed specs and grammar-derived specs
// through compile(). Reports crashes (exceptions, internal errors, bad spans), hangs (an
// input over 1 s) and the slowest input; writes each failing input to fuzz-failures/.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { compile } from "../compiler/compile.ts";
import { renderDiagnostic } from "../compiler/render.ts";
import { mutate, rng } from "../test/fuzz/generate.ts";

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const n = arg("n", 10_000);
const seed = arg("seed", 1);
const seeds = [
  ...readdirSync("specs").filter((f) => f.endsWith(".gan")).map((f) => readFileSync(`specs/${f}`, "utf8")),
  ...readdirSync("specs/errors").filter((f) => f.endsWith(".gan")).map((f) => readFileSync(`specs/errors/${f}`, "utf8")),
];
const r = rng(seed);
let crashes = 0;
let hangs = 0;
let slowest = { ms: 0, bytes: 0 };
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  const text = mutate(seeds[i % seeds.length]!, r);
  const start = performance.now();
  let problem: string | undefined;
  try {
    const res = compile(text, "fuzz.gan");
    if (res.internalError) problem = res.diagnostics.map((d) => d.message).join("; ");
    for (const d of res.diagnostics) {
      if (d.span && (d.span.start < 0 || d.span.end > text.length || d.span.start > d.span.end)) problem = `bad span ${JSON.stringify(d.span)}`;
      renderDiagnostic(d, res.source, { color: false });
    }
  } catch (e) {
    problem = e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
  const ms = performance.now() - start;
  if (ms > slowest.ms) slowest = { ms, bytes: text.length };
  if (ms > 1000) {
    hangs++;
    problem ??= `took ${ms.toFixed(0)} ms`;
  }
  if (problem !== undefined) {
    crashes += ms > 1000 ? 0 : 1;
    mkdirSync("fuzz-failures", { recursive: true });
    writeFileSync(`fuzz-failures/${seed}-${i}.gan`, text);
    console.log(`input ${i}: ${problem.split("\n")[0]} (saved to fuzz-failures/${seed}-${i}.gan)`);
  }
}
const total = (performance.now() - t0) / 1000;
console.log(`${n} inputs in ${total.toFixed(1)} s: ${crashes} crashes, ${hangs} hangs; slowest ${slowest.ms.toFixed(1)} ms (${slowest.bytes} bytes)`);
process.exitCode = crashes + hangs > 0 ? 1 : 0;
