// The training section's steps, run the way gan-train runs them (runtime/train/round.ts),
// against PyTorch's DCGAN iteration (test/fixtures/reference/dcgan_w8_step.*: D on real,
// D on the detached fake, Adam; G through the updated D, Adam), and the generated
// generated/dcgan/train.ts against the interpreter, bit for bit. Also the Round rules:
// D's step leaves G untouched, G's step leaves D's weights untouched, the fake batch is
// computed once (BatchNorm statistics move once).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../compiler/compile.ts";
import { buildIr, type IrSpec } from "../compiler/ir.ts";
import type { TrainPlan } from "../compiler/train-plan.ts";
import * as generated from "../generated/dcgan/train.ts";
import { readSafetensors } from "../runtime/io/safetensors.ts";
import { fromTorchOrder } from "../runtime/nn/functional.ts";
import { InterpretedModel } from "../runtime/nn/interpret.ts";
import { loadStateDict, stateDict } from "../runtime/nn/state-dict.ts";
import { Adam } from "../runtime/optim/adam.ts";
import { startBackend } from "../runtime/backend.ts";
import { interpretSteps } from "../runtime/train/interpret.ts";
import { Round, type StepFn } from "../runtime/train/round.ts";

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

function setup(): { ir: IrSpec; plan: TrainPlan } {
  const text = readFileSync(new URL("../specs/dcgan.gan", import.meta.url), "utf8");
  const r = compile(text, "specs/dcgan.gan", { overrides: new Map([["ngf", 8], ["ndf", 8]]) });
  assert.ok(r.train, "dcgan.gan has a train: section");
  return { ir: buildIr(r), plan: r.train };
}

function runIteration(steps: readonly StepFn[], ir: IrSpec, plan: TrainPlan, hooks: { afterStep?: (model: string, models: Record<string, InterpretedModel>) => void } = {}): Outcome {
  const models: Record<string, InterpretedModel> = {};
  for (const m of ir.models) models[m.name] = new InterpretedModel(m);
  loadStateDict(models["G"]!, ref, { prefix: "before.G.main." });
  loadStateDict(models["D"]!, ref, { prefix: "before.D.main." });
  const optimizers: Record<string, Adam> = {};
  for (const st of plan.steps) optimizers[st.model] = new Adam(models[st.model]!.parameters(), { lr: logged["lr"]!, betas: st.optimizer.betas });
  const inputs = { real: fromTorchOrder(tensor("real")), z: fromTorchOrder(tensor("noise")) };
  const round = new Round(models, inputs, 1234);
  const losses: Record<string, number> = {};
  const scores: Record<string, number> = {};
  for (const st of steps) {
    const r = st.run(round, optimizers[st.model]!);
    losses[st.model] = r.loss;
    Object.assign(scores, r.scores);
    hooks.afterStep?.(st.model, models);
  }
  round.dispose();
  const state: Outcome["state"] = {};
  for (const [name, m] of Object.entries(models)) state[name] = new Map(stateDict(m).map((t) => [t.name, t.data]));
  tf.dispose(Object.values(inputs));
  for (const o of Object.values(optimizers)) o.dispose();
  for (const m of Object.values(models)) m.dispose();
  return { losses, scores, state };
}

for (const backend of ["cpu", "wasm"] as const)
describe(`training steps (the train: section) against PyTorch's DCGAN iteration, on ${backend}`, () => {
  let interpreted: Outcome;
  let emitted: Outcome;
  const snapshots: Record<string, Record<string, Map<string, Float32Array>>> = {};

  before(async () => {
    await startBackend(backend);
    const { ir, plan } = setup();
    interpreted = runIteration(interpretSteps(plan), ir, plan, {
      afterStep: (model, models) => {
        snapshots[model] = Object.fromEntries(Object.entries(models).map(([n, m]) => [n, new Map(stateDict(m).map((t) => [t.name, t.data]))]));
      },
    });
    emitted = runIteration(generated.steps, ir, plan);
  });

  it("logs errD, errG, D(x), D(G(z)) as PyTorch does", () => {
    const close = (a: number | undefined, b: number, what: string) => assert.ok(a !== undefined && Math.abs(a - b) <= 1e-4, `${what}: ${a} vs PyTorch ${b}`);
    close(interpreted.losses["D"], logged["errD"]!, "errD");
    close(interpreted.losses["G"], logged["errG"]!, "errG");
    close(interpreted.scores["D:D(real)"], logged["D_x"]!, "D(x)");
    close(interpreted.scores["D:D(fake)"], logged["D_G_z1"]!, "D(G(z)) in D's step");
    close(interpreted.scores["G:D(fake)"], logged["D_G_z2"]!, "D(G(z)) in G's step");
  });

  for (const model of ["G", "D"]) {
    it(`${model}'s weights and BatchNorm buffers after the iteration match PyTorch`, () => {
      let entries = 0;
      let outside = 0;
      for (const [name, data] of interpreted.state[model]!) {
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
    const tracked = interpreted.state["G"]!.get("1.num_batches_tracked")!;
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

  it("the generated train.ts gives exactly the interpreter's numbers", () => {
    assert.deepEqual(emitted.losses, interpreted.losses);
    assert.deepEqual(emitted.scores, interpreted.scores);
    for (const model of ["G", "D"]) {
      for (const [key, data] of interpreted.state[model]!) assert.deepEqual(emitted.state[model]!.get(key), data, `${model}.${key}`);
    }
  });
});
