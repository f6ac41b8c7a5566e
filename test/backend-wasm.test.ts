// The wasm backend (groundwork for fast training): its BatchMatMul fix gives the same
// numbers as plain matmuls, and the MLP GAN reproduces PyTorch's forward on it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { D, G } from "../generated/mnist-gan/index.ts";
import { startBackend } from "../runtime/backend.ts";
import { readSafetensors } from "../runtime/io/safetensors.ts";
import { loadStateDict } from "../runtime/nn/state-dict.ts";

function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("wasm backend", () => {
  before(async () => {
    const info = await startBackend("wasm");
    assert.equal(info.name, "wasm");
  });

  it("transposed matmuls equal transposing first (all four combinations, batched too)", () => {
    tf.tidy(() => {
      const a = tf.randomNormal([3, 5, 7], 0, 1, "float32", 1);
      const b = tf.randomNormal([3, 7, 4], 0, 1, "float32", 2);
      const ref = tf.matMul(a, b).dataSync();
      const at = a.transpose([0, 2, 1]);
      const bt = b.transpose([0, 2, 1]);
      assert.ok(worst(tf.matMul(at, b, true, false).dataSync(), ref) < 1e-5);
      assert.ok(worst(tf.matMul(a, bt, false, true).dataSync(), ref) < 1e-5);
      assert.ok(worst(tf.matMul(at, bt, true, true).dataSync(), ref) < 1e-5);
      const g = tf.grad((w: tf.Tensor) => tf.matMul(a, w as tf.Tensor3D).sum())(b).dataSync();
      assert.ok(worst(g, tf.sum(a, 1).expandDims(2).tile([1, 1, 4]).dataSync()) < 1e-4, "gradient");
    });
  });

  it("the MLP GAN reproduces PyTorch's G(z) and D(G(z))", () => {
    const ref = readSafetensors(readFileSync(new URL("./fixtures/reference/mnist_mlp_forward.safetensors", import.meta.url)));
    const t = (name: string) => ref.find((x) => x.name === name)!;
    const g = new G();
    const d = new D();
    loadStateDict(g, ref, { prefix: "G.main." });
    loadStateDict(d, ref, { prefix: "D.main." });
    tf.tidy(() => {
      const z = t("z");
      const gz = g.forward(tf.tensor2d(z.data, [z.shape[0]!, z.shape[1]!]));
      assert.ok(worst(gz.dataSync(), t("G_z").data) < 1e-4, "G(z)");
      const img = gz.reshape([z.shape[0]!, 28, 28, 1]) as tf.Tensor4D;
      assert.ok(worst(d.forward(img).dataSync(), t("D_G_z").data) < 1e-4, "D(G(z))");
    });
    g.dispose();
    d.dispose();
  });
});
