// The training section's generated steps, run the way gan-train runs them (the spec compiled
// at width 8 into a folder and imported; runtime/train/round.ts), against PyTorch's DCGAN
// iteration (test/fixtures/reference/dcgan_w8_step.*: D on real, D on the detached fake,
// Adam; G through the updated D, Adam), and the committed generated/dcgan/train.ts against
// that freshly generated code, bit for bit. Also the Round rules:
// D's step leaves G untouched, G's step leaves D's weights untouched, the fake batch is
// computed once (BatchNorm statistics move once).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import type { GeneratedCode } from "../cli/code.ts";
import * as committed from "../generated/dcgan/train.ts";
import { readSafetensors } from "../runtime/io/safetensors.ts";
import { fromTorchOrder } from "../runtime/nn/functional.ts";
import { loadStateDict, stateDict } from "../runtime/nn/state-dict.ts";
import { Adam } from "../runtime/optim/adam.ts";
import { startBackend } from "../runtime/backend.ts";
import type { Model } from "../runtime/nn/model.ts";
import { Round } from "../runtime/train/round.ts";
import type { StepFn } from "../runtime/train/training.ts";
import { codeFor } from "./helpers.ts";

const ref = readSafetensors(readFileSync(new URL("./fixtures/reference/dcgan_w8_step.safetensors", import.meta.url)));
const logged = JSON.parse(readFileSync(new URL("./fixtures/reference/dcgan_w8_step.json", import.meta.url), "utf8")) as Record<string, number>;
const byName = new Map(ref.map((t) => [t.name, t]));

function tensor(name: string): tf.Tensor {
  const t = byName.get(name);
  assert.ok(t, name);
  return tf.tensor(t.data, [...t.shape]);
}

interface Outcome {
  losses: Record<string, number>;
  scores: Record<string, number>;
  state: Record<string, Map<string, Float32Array>>;
}

async function runIteration(steps: readonly StepFn[], code: GeneratedCode, hooks: { afterStep?: (model: string, models: Record<string, Model>) => Promise<void> } = {}): Promise<Outcome> {
  const models: Record<string, Model> = {};
  for (const [name, Cls] of Object.entries(code.models)) models[name] = new Cls();
  loadStateDict(models["G"]!, ref, { prefix: "before.G.main." });
  loadStateDict(models["D"]!, ref, { prefix: "before.D.main." });
  const optimizers: Record<string, Adam> = {};
  for (const st of steps) optimizers[st.model] = new Adam(models[st.model]!.parameters(), { lr: logged["lr"]!, betas: st.optimizer.betas });
  const inputs = { real: fromTorchOrder(tensor("real")), z: fromTorchOrder(tensor("noise")) };
  const round = new Round(models, inputs, 1234);
  const losses: Record<string, number> = {};
  const scores: Record<string, number> = {};
  for (const st of steps) {
    const r = await st.run(round, optimizers[st.model]!).read();
    losses[st.model] = r.loss;
    Object.assign(scores, r.scores);
    await hooks.afterStep?.(st.model, models);
  }
  round.dispose();
  const state: Outcome["state"] = {};
  for (const [name, m] of Object.entries(models)) state[name] = new Map((await stateDict(m)).map((t) => [t.name, t.data]));
  tf.dispose(Object.values(inputs));
  for (const o of Object.values(optimizers)) o.dispose();
  for (const m of Object.values(models)) m.dispose();
  return { losses, scores, state };
}

for (const backend of ["cpu", "wasm"] as const)
describe(`training steps (the train: section) against PyTorch's DCGAN iteration, on ${backend}`, () => {
  let fresh: Outcome;
  let committedRun: Outcome;
  // `fresh` is the freshly generated code's run, `committedRun` the committed module's.
  const snapshots: Record<string, Record<string, Map<string, Float32Array>>> = {};

  before(async () => {
    await startBackend(backend);
    const code = await codeFor("specs/dcgan.gan", { ngf: 8, ndf: 8 });
    fresh = await runIteration(code.training!.steps, code, {
      afterStep: async (model, models) => {
        snapshots[model] = Object.fromEntries(await Promise.all(Object.entries(models).map(async ([n, m]) => [n, new Map((await stateDict(m)).map((t) => [t.name, t.data]))] as const)));
      },
    });
    committedRun = await runIteration(committed.steps, code);
  });

  it("logs errD, errG, D(x), D(G(z)) as PyTorch does", () => {
    const close = (a: number | undefined, b: number, what: string) => assert.ok(a !== undefined && Math.abs(a - b) <= 1e-4, `${what}: ${a} vs PyTorch ${b}`);
    close(fresh.losses["D"], logged["errD"]!, "errD");
    close(fresh.losses["G"], logged["errG"]!, "errG");
    close(fresh.scores["D:D(real)"], logged["D_x"]!, "D(x)");
    close(fresh.scores["D:D(fake)"], logged["D_G_z1"]!, "D(G(z)) in D's step");
    close(fresh.scores["G:D(fake)"], logged["D_G_z2"]!, "D(G(z)) in G's step");
  });

  for (const model of ["G", "D"]) {
    it(`${model}'s weights and BatchNorm buffers after the iteration match PyTorch`, () => {
      let entries = 0;
      let outside = 0;
      for (const [name, data] of fresh.state[model]!) {
        const r = byName.get(`after.${model}.main.${name}`);
        assert.ok(r, name);
        const buffer = name.includes("running_") || name.endsWith("num_batches_tracked");
        for (let i = 0; i < data.length; i++) {
          const diff = Math.abs(data[i]! - r.data[i]!);
          if (buffer) assert.ok(diff <= 1e-4, `${name}[${i}]: ${data[i]} vs ${r.data[i]}`);
          else {
            entries++;
            if (diff > 1e-5) outside++;
          }
        }
      }
      assert.ok(outside <= entries * 0.001, `${outside} of ${entries} weights differ by more than 1e-5`);
    });
  }

  it("G's BatchNorm statistics moved once (the fake batch is computed once and reused)", () => {
    const tracked = fresh.state["G"]!.get("1.num_batches_tracked")!;
    assert.equal(tracked[0], 1);
  });

  it("D's step leaves G untouched; G's step leaves D's weights untouched", () => {
    const before = (model: string, key: string) => byName.get(`before.${model}.main.${key}`)!.data;
    // After D's step, G's weights are still the initial ones.
    for (const [key, data] of snapshots["D"]!["G"]!) {
      if (key.includes("running_") || key.endsWith("num_batches_tracked")) continue;
      assert.deepEqual(data, before("G", key), `G.${key} moved in D's step`);
    }
    // D's weights after G's step equal D's weights after D's step (its BN buffers may move: D runs in training mode).
    for (const [key, data] of snapshots["G"]!["D"]!) {
      if (key.includes("running_") || key.endsWith("num_batches_tracked")) continue;
      assert.deepEqual(data, snapshots["D"]!["D"]!.get(key), `D.${key} moved in G's step`);
    }
  });

  it("the committed generated/dcgan/train.ts gives exactly the numbers of the code gan-train generates", () => {
    assert.deepEqual(committedRun.losses, fresh.losses);
    assert.deepEqual(committedRun.scores, fresh.scores);
    for (const model of ["G", "D"]) {
      for (const [key, data] of fresh.state[model]!) assert.deepEqual(committedRun.state[model]!.get(key), data, `${model}.${key}`);
    }
  });
});
