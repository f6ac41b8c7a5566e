// The conv / convT size rule against PyTorch: the 80 reference cases of
// ../shared/reference/conv_cases.json (copied to test/fixtures/) and 3,000 more recorded
// from PyTorch 1.13 by test/fixtures/make_conv_cases_torch.py (per-dimension kernel,
// stride, padding, dilation, output padding). Each case is checked twice: the pure rule,
// and end to end through compile() of a one-layer spec, as `gan-compile --check` sees it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { convOutputSize, convTransposeOutputSize, type Pair } from "../compiler/conv-shape.ts";
import { compileText } from "./helpers.ts";

interface Case {
  id: string;
  op: "conv" | "convT";
  in_shape: [number, number, number];
  out_channels: number;
  k: number | Pair;
  s: number | Pair;
  p: number | Pair;
  d: number | Pair;
  op_pad: number | Pair;
  out_shape?: [number, number, number];
  error?: string;
}

const load = (name: string): Case[] => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
const pair = (v: number | Pair): Pair => (typeof v === "number" ? [v, v] : v);
const arg = (key: string, v: number | Pair): string => {
  const [a, b] = pair(v);
  return a === b ? `${key}${a}` : `${key}=(${a}, ${b})`;
};

function specFor(c: Case): string {
  const [C, H, W] = c.in_shape;
  const args = [`${C} -> ${c.out_channels}`, arg("k", c.k), arg("s", c.s), arg("p", c.p), arg("d", c.d)];
  if (c.op === "convT") args.push(arg("op", c.op_pad));
  return `M(x: [${C}, ${H}, ${W}]): ${c.op}(${args.join(", ")})`;
}

/** What PyTorch's message says, as the code gan-compile uses for it. */
function expectedCode(error: string): string {
  if (error.includes("Kernel size can't be greater than actual input size")) return "GAN0103";
  if (error.includes("Output size is too small")) return "GAN0104";
  if (error.includes("output padding must be smaller than either stride or dilation")) return "GAN0105";
  throw new Error(`unexpected PyTorch error: ${error}`);
}

function checkCase(c: Case): void {
  const g = { k: pair(c.k), s: pair(c.s), p: pair(c.p), d: pair(c.d), op: pair(c.op_pad) };
  const spatial = [c.in_shape[1], c.in_shape[2]];
  const rule = c.op === "conv" ? convOutputSize(spatial, g) : convTransposeOutputSize(spatial, g);
  const r = compileText(specFor(c));
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (c.out_shape) {
    assert.ok(rule.ok, `${c.id}: PyTorch accepts, the rule rejects (${!rule.ok && rule.kind})`);
    assert.deepEqual(rule.out, c.out_shape.slice(1), `${c.id}: rule`);
    assert.deepEqual(errors.map((d) => d.message), [], `${c.id}: ${specFor(c)}`);
    assert.deepEqual(r.models[0]?.output, c.out_shape, `${c.id}: ${specFor(c)}`);
  } else {
    assert.ok(!rule.ok, `${c.id}: PyTorch rejects (${c.error}), the rule accepts`);
    assert.deepEqual(errors.map((d) => d.code), [expectedCode(c.error!)], `${c.id}: ${specFor(c)}`);
  }
}

describe("conv/convT sizes match PyTorch", () => {
  const reference = load("conv_cases.json");
  it(`the ${reference.length} reference cases (shared/reference/conv_cases.json)`, () => {
    assert.equal(reference.length, 80);
    assert.ok(reference.some((c) => c.error) && reference.some((c) => c.out_shape));
    for (const c of reference) checkCase(c);
  });

  const recorded = load("conv_cases_torch.json");
  it(`${recorded.length} cases recorded from PyTorch with per-dimension arguments`, () => {
    assert.ok(recorded.length >= 3000);
    const kinds = new Set(recorded.map((c) => (c.error ? expectedCode(c.error) : "ok")));
    assert.deepEqual([...kinds].sort(), ["GAN0103", "GAN0104", "GAN0105", "ok"]);
    for (const c of recorded) checkCase(c);
  });
});
