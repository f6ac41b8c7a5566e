// Every seed model, layer by layer, against PyTorch (../shared/reference/architectures.json,
// copied to test/fixtures/): input shape, each leaf module's output shape and parameter
// count, and the total. `flatten` and `cat` are steps of forward() in the PyTorch code
// (x.view, torch.cat), not modules, so they have no row in the reference.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { compile } from "../compiler/compile.ts";
import type { CheckedModel } from "../compiler/check.ts";

interface RefLayer {
  layer: string;
  type: string;
  out_shape: number[];
  params: number;
}
interface RefModel {
  input_shape: number[];
  layers: RefLayer[];
  total_params: number;
}

const reference: Record<string, RefModel> = JSON.parse(
  readFileSync(new URL("./fixtures/architectures.json", import.meta.url), "utf8"),
);

const opOf: Record<string, string> = {
  Linear: "linear",
  LeakyReLU: "lrelu",
  ReLU: "relu",
  Tanh: "tanh",
  Sigmoid: "sigmoid",
  Dropout: "dropout",
  Conv2d: "conv",
  ConvTranspose2d: "convT",
  BatchNorm2d: "bn",
  BatchNorm1d: "bn",
};

function model(spec: string, name: string, set: Record<string, number> = {}): CheckedModel {
  const path = new URL(`../specs/${spec}`, import.meta.url);
  const r = compile(readFileSync(path, "utf8"), spec, { overrides: new Map(Object.entries(set)) });
  assert.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.message}`), [], `${spec} has diagnostics`);
  const m = r.models.find((x) => x.name === name);
  assert.ok(m, `${spec} has no model ${name}`);
  return m;
}

const pairs: [string, string, string][] = [
  ["mnist_mlp.G", "mnist-gan.gan", "G"],
  ["mnist_mlp.D", "mnist-gan.gan", "D"],
  ["dcgan.G", "dcgan.gan", "G"],
  ["dcgan.D", "dcgan.gan", "D"],
  ["pix2pix.G", "pix2pix.gan", "G"],
  ["pix2pix.D", "pix2pix.gan", "D"],
];

describe("seed models match PyTorch layer by layer", () => {
  for (const [key, spec, name] of pairs) {
    it(`${spec} ${name} = ${key}`, () => {
      const ref = reference[key];
      assert.ok(ref, key);
      const m = model(spec, name);
      assert.equal(m.inputs.length, 1);
      assert.deepEqual(m.inputs[0]!.shape, ref.input_shape, "input shape");
      // flatten, reshape (view) and cat are steps of forward() in PyTorch, not modules.
      const layers = m.layers.filter((l) => l.op !== "flatten" && l.op !== "cat" && l.op !== "reshape");
      assert.equal(layers.length, ref.layers.length, "number of modules");
      ref.layers.forEach((r, i) => {
        const l = layers[i]!;
        const where = `${r.layer} (${r.type})`;
        assert.equal(l.op, opOf[r.type], where);
        assert.deepEqual(l.out, r.out_shape, `${where} output shape`);
        assert.equal(l.params, r.params, `${where} parameters`);
      });
      assert.equal(m.params, ref.total_params, "total parameters");
      // The output is the last module's, up to a view (the MLP's G ends in reshape([1, 28, 28])).
      const last = ref.layers[ref.layers.length - 1]!.out_shape;
      const numel = (s: readonly (number | null)[] | null) => (s ?? []).reduce<number>((a, d) => a * (d ?? 0), 1);
      if (m.layers.at(-1)?.op === "reshape") assert.equal(numel(m.output), numel(last), "output (viewed)");
      else assert.deepEqual(m.output, last, "output");
    });
  }
});

describe("specs take their parameters from --set", () => {
  it("DCGAN at 32, 64 and 128 pixels and other widths", () => {
    for (const isize of [16, 32, 64, 128, 256]) {
      const g = model("dcgan.gan", "G", { isize, ngf: 8, nc: 1 });
      const d = model("dcgan.gan", "D", { isize, ndf: 8, nc: 1 });
      assert.deepEqual(g.output, [1, isize, isize]);
      assert.deepEqual(d.inputs[0]!.shape, [1, isize, isize]);
      assert.deepEqual(d.output, [1, 1, 1]);
      // G's first layer has ngf * isize / 8 channels; each later one halves them.
      const convs = g.layers.filter((l) => l.op === "convT").map((l) => l.out?.[0]);
      assert.deepEqual(convs, [...Array.from({ length: Math.log2(isize) - 2 }, (_, i) => (8 * isize) / 8 / 2 ** i), 1]);
    }
  });

  it("DCGAN parameter count follows ngf and ndf like PyTorch's formula", () => {
    // G: nz*8g*16 + 8g*4g*16 + 4g*2g*16 + 2g*g*16 + g*nc*16 + bn 2*(8g+4g+2g+g)
    for (const w of [8, 16, 32]) {
      const g = model("dcgan.gan", "G", { ngf: w });
      assert.equal(g.params, 16 * (100 * 8 * w + 32 * w * w + 8 * w * w + 2 * w * w + 3 * w) + 2 * 15 * w);
      const d = model("dcgan.gan", "D", { ndf: w });
      assert.equal(d.params, 16 * (3 * w + 2 * w * w + 8 * w * w + 32 * w * w + 8 * w) + 2 * 14 * w);
    }
  });

  it("a DCGAN image size that is not a power of two is an error at the parameter", () => {
    const text = readFileSync(new URL("../specs/dcgan.gan", import.meta.url), "utf8");
    const r = compile(text, "dcgan.gan", { overrides: new Map([["isize", 48]]) });
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, r.source.position(d.span!.start).line]),
      [["GAN0219", text.split("\n").findIndex((l) => l.startsWith("n ")) + 1]],
    );
  });

  it("Pix2Pix at width 8 (the parity tests' size)", () => {
    const g = model("pix2pix.gan", "G", { ngf: 8 });
    const d = model("pix2pix.gan", "D", { ndf: 8 });
    assert.deepEqual(g.output, [2, 256, 256]);
    assert.deepEqual(d.output, [1, 8, 8]);
    assert.equal(d.params, 16 * (3 * 8 + 8 * 16 + 16 * 32 + 32 * 64 + 64) + 2 * (16 + 32 + 64));
  });
});
