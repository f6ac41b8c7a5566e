// A short, fixed-seed fuzz run (the long one is `npm run fuzz -- --n 100000`): any input
// ends in diagnostics or success, never an exception or an internal error, and every
// diagnostic points inside the file and renders.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { compile } from "../compiler/compile.ts";
import { renderDiagnostic } from "../compiler/render.ts";
import { mutate, rng } from "./fuzz/generate.ts";

const specsDir = new URL("../specs/", import.meta.url);
const seeds = readdirSync(specsDir)
  .filter((f) => f.endsWith(".gan"))
  .map((f) => readFileSync(new URL(f, specsDir), "utf8"));
seeds.push(readFileSync(new URL("errors/pix2pix-seed003-d.gan", specsDir), "utf8"));

/** Fails on exceptions and internal errors; returns the time taken. */
export function fuzzOne(text: string): number {
  const t0 = performance.now();
  const r = compile(text, "fuzz.gan");
  const ms = performance.now() - t0;
  assert.equal(r.internalError, false, `internal error: ${r.diagnostics.map((d) => d.message).join("; ")}\n--- input ---\n${text}`);
  for (const d of [...r.diagnostics, ...r.usageErrors]) {
    if (d.span) assert.ok(d.span.start >= 0 && d.span.end <= text.length && d.span.start <= d.span.end, `span ${JSON.stringify(d.span)}`);
    renderDiagnostic(d, r.source, { color: false });
  }
  return ms;
}

describe("fuzz (fixed seed)", () => {
  it("2,000 mutated and generated specs: no crash, no internal error", () => {
    const r = rng(1234);
    let slowest = 0;
    for (let i = 0; i < 2000; i++) {
      const text = mutate(seeds[i % seeds.length]!, r);
      slowest = Math.max(slowest, fuzzOne(text));
    }
    // A hang guard, not a speed figure: a normal input takes milliseconds on any machine,
    // an exponential blow-up takes forever.
    assert.ok(slowest < 10_000, `slowest input took ${slowest.toFixed(0)} ms`);
  });

  it("regressions: inputs that once broke the compiler", () => {
    const cases = [
      "", "\ufeff", "G", "G:", "G(", "G(x", "G(x:", "G(x: [", "G(x: [4]", "G(x: [4])", "G(x: [4]) ->", "G(x: [4]) -> [",
      "block", "block b", "block b(", "block b(c", "block b(c):", "for", "G(x: [4]): for", "G(x: [4]): for i in",
      "G(x: [4]): for i in range(2) {", "G(x: [4]): for i in range(2) { relu", "G(x: [4]): cat(", "G(x: [4]): cat()",
      "G(x: [4]): a = ", "G(x: [4]): = relu", "= = =", "-> -> ->", "G(x: [4]): relu }", "}}}}", "G(x: [4]): reshape([])",
      "G(x: [4]): linear(4 -> 4) linear(k=)", "n = ", "n = (", "n = 1 +", "G(x: [4]): conv(-> 4, k1)", "G(x: [4]): conv(4 ->, k1)",
      "G(x: [4, 4, 4]): conv(4 -> 4, k=(), s=(1,))", "G(x: [4]): upsample()", "G(x: [4]): lrelu(lrelu)",
      `G(x: [4]): ${"(".repeat(5000)}`, `n = ${"-".repeat(5000)}1`, `n = ${"2 ** ".repeat(200)}2`,
      "G(a: [4], b: [4]): a b cat(a, b)", "G(x: [4]):\r\n  relu\r\n  tanh\r\n", "G(x: [4]) -> [4]:\rrelu\rtanh",
      // The training section.
      "train:", "train: =", "train: step", "train: step D", "train: step D =", "train: step D * = 1", "train: optim G = adam(",
      "train: a, = mnist", "train: , = 1", "train: L, ab = lab(", "train: x = mnist(size = )", "train: z = noise()",
      "G(z: [4]): linear(4 -> 4)\ntrain:\n z = noise(4)\n step G = bce(G(z), 1) + ",
      "G(z: [4]): linear(4 -> 4)\ntrain:\n step G = adam(lr = 1) * bce(G(G(G)), l1)",
      "G(z: [4]): linear(4 -> 4) sigmoid\ntrain:\n r = mnist\n step G = bce(G(cat(r, r, r)), 1) / 0",
      `train:\n ${"x = y\n ".repeat(2000)}`, "train: train: train:", "G: relu\ntrain:\nG: tanh",
    ];
    for (const text of cases) fuzzOne(text);
  });
});
