// No tensor leaks across training iterations: 100 iterations of a model with convolutions,
// BatchNorm and dropout (the steps as gan-train runs them, on cpu and on wasm) leave
// tf.memory().numTensors where it was after the first few.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { startBackend } from "../runtime/backend.ts";
import { fromTorchOrder } from "../runtime/nn/functional.ts";
import { Adam } from "../runtime/optim/adam.ts";
import { Rng } from "../runtime/random.ts";
import { Round } from "../runtime/train/round.ts";
import { codeFor } from "./helpers.ts";

for (const backend of ["cpu", "wasm"] as const) {
  describe(`memory on ${backend}`, () => {
    it("tf.memory().numTensors is stable over 100 iterations", async () => {
      await startBackend(backend);
      const code = await codeFor("test/fixtures/specs/tiny-gan.gan");
      const models = Object.fromEntries(Object.entries(code.models).map(([name, Cls]) => [name, new Cls()]));
      const steps = code.training!.steps;
      const optimizers = Object.fromEntries(steps.map((s) => [s.model, new Adam(models[s.model]!.parameters(), { lr: 1e-3 })]));
      const rng = new Rng(3);
      const counts: number[] = [];
      for (let i = 0; i < 100; i++) {
        const inputs = tf.tidy(() => ({
          real: fromTorchOrder(tf.tensor(rng.fillUniform(8 * 256, -1, 1), [8, 1, 16, 16])),
          z: fromTorchOrder(tf.tensor(rng.fillNormal(8 * 8, 0, 1), [8, 8, 1, 1])),
        }));
        const round = new Round(models, inputs, i);
        const results = steps.map((s) => s.run(round, optimizers[s.model]!));
        round.dispose();
        tf.dispose(Object.values(inputs));
        // read (on a GPU this frees what a step leaves on the device until then)
        for (const r of results) await r.read();
        counts.push(tf.memory().numTensors);
      }
      assert.ok(counts.every((c) => c === counts[2]), `tensor counts drift: ${counts.slice(0, 5).join(", ")} ... ${counts.slice(-5).join(", ")}`);
      for (const o of Object.values(optimizers)) o.dispose();
      for (const m of Object.values(models)) m.dispose();
      await startBackend("cpu");
    });
  });
}
