// One full DCGAN training iteration at width 8, batch 4, against PyTorch (seed 001's loop,
// recorded in test/fixtures/reference/dcgan_w8_step.*): D on real (BCE against 1), D on the
// detached fake (BCE against 0), one Adam step on D from the sum of both gradients; then G
// through the updated D against real labels, one Adam step on G. Checks the logged numbers
// and every weight and BatchNorm buffer of both models after the step.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { readSafetensors, type NamedTensor } from "../runtime/io/safetensors.ts";
import { bce, fromTorchOrder } from "../runtime/nn/functional.ts";
import { loadStateDict, stateDict } from "../runtime/nn/state-dict.ts";
import { Adam } from "../runtime/optim/adam.ts";
import { codeFor } from "./helpers.ts";

const ref = readSafetensors(readFileSync(new URL("./fixtures/reference/dcgan_w8_step.safetensors", import.meta.url)));
const logged = JSON.parse(readFileSync(new URL("./fixtures/reference/dcgan_w8_step.json", import.meta.url), "utf8")) as Record<string, number>;
const byName = new Map(ref.map((t) => [t.name, t]));

function tensor(name: string): tf.Tensor {
  const t = byName.get(name);
  assert.ok(t, name);
  return tf.tensor(t.data, [...t.shape]);
}

function maxDiff(a: Float32Array | number[], b: Float32Array | number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

describe("DCGAN: one training iteration matches PyTorch", () => {
  let result: { errD: number; errG: number; dx: number; dgz1: number; dgz2: number; fake: Float32Array; G: NamedTensor[]; D: NamedTensor[] };

  before(async () => {
    await tf.setBackend("cpu");
    // The models gan-train generates for dcgan.gan at width 8.
    const code = await codeFor("specs/dcgan.gan", { ngf: 8, ndf: 8 });
    const G = new code.models["G"]!();
    const D = new code.models["D"]!();
    loadStateDict(G, ref, { prefix: "before.G.main." });
    loadStateDict(D, ref, { prefix: "before.D.main." });
    const optD = new Adam(D.parameters(), { lr: logged["lr"]!, betas: [0.5, 0.999] });
    const optG = new Adam(G.parameters(), { lr: logged["lr"]!, betas: [0.5, 0.999] });
    const real = fromTorchOrder(tensor("real"));
    const noise = fromTorchOrder(tensor("noise"));
    const train = { training: true };

    // G(noise) once, in training mode (G's BatchNorm statistics move once), detached for D.
    const fake = tf.tidy(() => G.forwardAll([noise], train));
    let dx = 0;
    let dgz1 = 0;
    const d = tf.variableGrads(() => {
      const outReal = D.forwardAll([real], train);
      const errReal = bce(outReal, 1);
      dx = outReal.mean().dataSync()[0]!;
      const outFake = D.forwardAll([fake], train);
      const errFake = bce(outFake, 0);
      dgz1 = outFake.mean().dataSync()[0]!;
      return errReal.add(errFake) as tf.Scalar;
    }, D.parameters());
    const errD = d.value.dataSync()[0]!;
    optD.step(d.grads);
    tf.dispose(d);

    // G through the updated D, real labels; G's statistics already moved with `fake`.
    let dgz2 = 0;
    const g = tf.variableGrads(() => {
      const out = D.forwardAll([G.forwardAll([noise], { training: true, updateStats: false })], train);
      dgz2 = out.mean().dataSync()[0]!;
      return bce(out, 1);
    }, G.parameters());
    const errG = g.value.dataSync()[0]!;
    optG.step(g.grads);
    tf.dispose(g);

    result = { errD, errG, dx, dgz1, dgz2, fake: fake.transpose([0, 3, 1, 2]).dataSync() as Float32Array, G: await stateDict(G), D: await stateDict(D) };
  });

  it("logs errD, errG, D(x), D(G(z)) like PyTorch", () => {
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-4, `${what}: ${a} vs PyTorch ${b}`);
    close(result.errD, logged["errD"]!, "errD");
    close(result.errG, logged["errG"]!, "errG");
    close(result.dx, logged["D_x"]!, "D(x)");
    close(result.dgz1, logged["D_G_z1"]!, "D(G(z)) before D's step");
    close(result.dgz2, logged["D_G_z2"]!, "D(G(z)) after D's step");
  });

  it("G's output (the fake batch) matches", () => {
    const d = maxDiff(result.fake, byName.get("fake")!.data);
    assert.ok(d <= 1e-4, `max diff ${d}`);
  });

  for (const model of ["G", "D"] as const) {
    it(`every weight and buffer of ${model} after the step matches (Adam: 99.9 % within 1e-5)`, (t) => {
      let entries = 0;
      let outside = 0;
      let worst = 0;
      for (const t of result[model]) {
        const r = byName.get(`after.${model}.main.${t.name}`);
        assert.ok(r, `no reference for ${t.name}`);
        assert.deepEqual([...t.shape], [...r.shape], t.name);
        const isWeight = !t.name.includes("running_") && !t.name.endsWith("num_batches_tracked");
        for (let i = 0; i < t.data.length; i++) {
          const diff = Math.abs(t.data[i]! - r.data[i]!);
          worst = Math.max(worst, diff);
          if (isWeight) {
            entries++;
            if (diff > 1e-5) outside++;
          } else {
            assert.ok(diff <= 1e-4, `${t.name}[${i}]: ${t.data[i]} vs ${r.data[i]}`);
          }
        }
      }
      assert.ok(outside <= entries * 0.001, `${outside} of ${entries} weights differ by more than 1e-5 (worst ${worst})`);
      t.diagnostic(`${model}: ${outside} of ${entries} weights beyond 1e-5; worst difference ${worst}`);
      // The step really moved the weights: they differ from the ones before.
      const w = result[model].find((t) => t.name.endsWith("weight"))!;
      assert.ok(maxDiff(w.data, byName.get(`before.${model}.main.${w.name}`)!.data) > 1e-5, "weights did not move");
    });
  }
});
