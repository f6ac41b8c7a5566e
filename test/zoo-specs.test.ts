// The GAN zoo's specs (part 1): their parameter totals are PyTorch's, and a state_dict of the
// reference implementation's own modules loads into the spec's model (by order) and gives
// the reference outputs. CycleGAN: junyanz's ResnetGenerator and NLayerDiscriminator,
// recorded by test/fixtures/make_zoo_reference_torch.py; SNGAN: the spectrally normalised
// standard CNN discriminator of Miyato et al. as the PyTorch ports build it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../compiler/compile.ts";
import { jsonReport } from "../compiler/render.ts";
import { readSafetensors } from "../runtime/io/safetensors.ts";
import { fromTorchOrder, toTorchOrder } from "../runtime/nn/functional.ts";
import { loadStateDict } from "../runtime/nn/state-dict.ts";
import { codeFor } from "./helpers.ts";

const spec = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

describe("specs/cyclegan.gan", () => {
  it("has junyanz's parameter totals at its defaults: 11,378,179 per G, 2,764,737 per D", () => {
    const report = jsonReport(compile(spec("specs/cyclegan.gan"), "specs/cyclegan.gan")) as { ok: boolean; models: Record<string, { params: number; output: number[] }> };
    assert.equal(report.ok, true);
    assert.deepEqual(
      Object.fromEntries(Object.entries(report.models).map(([k, m]) => [k, m.params])),
      { G_A: 11378179, G_B: 11378179, D_A: 2764737, D_B: 2764737 },
    );
    assert.deepEqual(report.models["D_A"]!.output, [1, 30, 30]);
  });

  it("the reference modules' state_dicts load by order and reproduce their outputs (1e-4)", async () => {
    await tf.setBackend("cpu");
    const ref = readSafetensors(readFileSync(new URL("./fixtures/reference/cyclegan_w8.safetensors", import.meta.url)));
    const byName = new Map(ref.map((t) => [t.name, t]));
    const code = await codeFor("specs/cyclegan.gan", { ngf: 8, ndf: 8, n_blocks: 2, size: 64 });
    for (const [model, prefix] of [["G_A", "G"], ["D_A", "D"]] as const) {
      const m = new code.models[model]!({ seed: 1 });
      const weights = ref.filter((t) => t.name.startsWith(`${prefix}.`) && !/\.(x|y)$/.test(t.name));
      loadStateDict(m, weights, { prefix: `${prefix}.`, byOrder: true });
      const x = byName.get(`${prefix}.x`)!;
      const want = byName.get(`${prefix}.y`)!;
      const y = tf.tidy(() => toTorchOrder(m.forwardAll([fromTorchOrder(tf.tensor(x.data, [...x.shape]))], { training: false })));
      assert.deepEqual(y.shape, [...want.shape]);
      const got = y.dataSync();
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want.data[i]!));
      assert.ok(worst <= 1e-4, `${model}: ${worst}`);
      y.dispose();
      m.dispose();
    }
  });
});

describe("specs/sngan.gan", () => {
  it("has the paper's D: 2,935,873 parameters", () => {
    const report = jsonReport(compile(spec("specs/sngan.gan"), "specs/sngan.gan")) as { ok: boolean; diagnostics: unknown[]; models: Record<string, { params: number }> };
    assert.equal(report.ok, true);
    assert.deepEqual(report.diagnostics, []);
    assert.equal(report.models["D"]!.params, 2935873);
  });

  it("a spectrally normalised PyTorch D's state_dict (weight_orig, weight_u, weight_v) loads by order and gives its outputs, eval and one power iteration in training (1e-4)", async () => {
    await tf.setBackend("cpu");
    const ref = readSafetensors(readFileSync(new URL("./fixtures/reference/sngan_d16.safetensors", import.meta.url)));
    const byName = new Map(ref.map((t) => [t.name, t]));
    const code = await codeFor("specs/sngan.gan", { ch: 16 });
    const d = new code.models["D"]!({ seed: 1 });
    loadStateDict(d, ref.filter((t) => t.name.startsWith("D.")), { prefix: "D.", byOrder: true });
    const x = byName.get("x")!;
    const input = fromTorchOrder(tf.tensor(x.data, [...x.shape]));
    for (const [mode, want] of [["eval", byName.get("y_eval")!], ["train", byName.get("y_train")!]] as const) {
      const y = tf.tidy(() => d.forwardAll([input], { training: mode === "train" }));
      const got = y.dataSync();
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want.data[i]!));
      assert.ok(worst <= 1e-4, `${mode}: ${worst}`);
      y.dispose();
    }
  });
});
