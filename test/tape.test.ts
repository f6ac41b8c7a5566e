// What runtime/train/tape.ts does to TF.js's gradient tape, against TF.js's own behaviour:
//  - a named value's models run once per round, as gan-train runs its rounds (Round's
//    `plan`, runtime/train/training.ts's iterationRounds): `fake = G(z)`, computed in D's
//    step, keeps its tape record for G's step, which differentiates through that
//    computation (as PyTorch does through fake's graph) instead of recomputing it;
//  - the backward pass frees each node's saved tensors and output gradients once its
//    gradient has run, as PyTorch's autograd does.
// Against rounds without a plan (the value recomputed under the later step's tape, with the
// same dropout masks and statistics moved once) and TF.js's own backward pass: every spec in
// specs/ at small widths, two iterations on the wasm backend with the native kernels, gives
// the same bits in every weight, buffer, Adam moment, average, pool and logged number, with
// fewer model forwards and a lower peak of tensor memory; and no tensor is left behind,
// also when the later step never comes.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import type { GeneratedCode } from "../cli/code.ts";
import { startBackend } from "../runtime/backend.ts";
import type { Model } from "../runtime/nn/model.ts";
import { stateDict } from "../runtime/nn/state-dict.ts";
import { Adam } from "../runtime/optim/adam.ts";
import { Rng } from "../runtime/random.ts";
import { Ema } from "../runtime/train/ema.ts";
import { ImagePool, mixSeed, Round, type StepNumbers } from "../runtime/train/round.ts";
import { noiseTensors, tensorOf } from "../runtime/train/schedule.ts";
import { afterUpdate } from "../runtime/train/trainer.ts";
import { tapeOptions } from "../runtime/train/tape.ts";
import { iterationRounds } from "../runtime/train/training.ts";
import { codeFor, SMALL_WIDTHS } from "./helpers.ts";

interface Run {
  readonly numbers: StepNumbers[];
  readonly state: Map<string, Float32Array>;
  /** Forward passes per model over the run. */
  readonly forwards: Record<string, number>;
  /** The most bytes of tensors alive at once (tf.profile). */
  readonly peakBytes: number;
}

/**
 * Two iterations of gan-train's rounds from fixed weights and batches of `batch`; `tape`: Round's plan
 * and the freeing backward pass (else recomputed values and TF.js's own backward pass).
 */
async function train(code: GeneratedCode, tape: boolean, batch = 4): Promise<Run> {
  tapeOptions.freeDuringBackward = tape;
  try {
    return await iterations(code, tape, 2, batch);
  } finally {
    tapeOptions.freeDuringBackward = true;
  }
}

async function iterations(code: GeneratedCode, plan: boolean, iters: number, n: number): Promise<Run> {
  const training = code.training!;
  const models: Record<string, Model> = {};
  const forwards: Record<string, number> = {};
  for (const [name, Cls] of Object.entries(code.models)) {
    const m = new Cls({ seed: mixSeed(1, name) });
    const forward = m.forwardOutputs.bind(m);
    forwards[name] = 0;
    m.forwardOutputs = (inputs, opts) => {
      forwards[name]!++;
      return forward(inputs, opts);
    };
    models[name] = m;
  }
  const optimizers = Object.fromEntries(training.steps.map((st) => [st.model, new Adam(st.models.flatMap((m) => models[m]!.parameters()), st.optimizer)]));
  const averages = (training.ema ?? []).map((a) => new Ema(a.model, a.decay, new code.models[a.model]!({ seed: 7 }), models[a.model]!, 0));
  const pools = new Map((training.pools ?? []).map((p) => [p.name, new ImagePool(Math.min(p.size, 2))]));
  const rng = new Rng(2);
  const numbers: StepNumbers[] = [];
  // The peak above what is alive before the first step (weights, data).
  let peakBytes = 0;
  const profiled = async (f: () => Promise<void>) => {
    const base = tf.memory().numBytes;
    const info = await tf.profile(f);
    peakBytes = Math.max(peakBytes, info.peakBytes - base);
  };
  for (let iter = 0; iter < iters; iter++) {
    for (const [k, rp] of iterationRounds(training.steps).entries()) {
      const inputs: Record<string, tf.Tensor> = noiseTensors(training.noise, rng, n);
      for (const o of training.data.outputs) {
        const size = n * o.shape.reduce((a, b) => a * b, 1);
        const values = o.classes === undefined ? rng.fillUniform(size, -1, 1) : Float32Array.from({ length: n }, () => Math.floor(rng.next() * o.classes!));
        inputs[o.name] = tensorOf(values, n, o.shape, o.classes);
      }
      await profiled(async () => {
        const round = new Round(models, inputs, mixSeed(3, `${iter} ${k}`), { pools, ...(plan ? { plan: rp.plan } : {}) });
        for (const st of rp.steps) {
          const res = st.run(round, optimizers[st.model]!);
          afterUpdate(st, models, averages, iter, res.applied);
          numbers.push(await res.read());
        }
        round.dispose();
      });
      tf.dispose(Object.values(inputs));
    }
  }
  const state = new Map<string, Float32Array>();
  for (const [name, m] of Object.entries(models)) for (const t of await stateDict(m)) state.set(`${name}.${t.name}`, t.data);
  for (const a of averages) for (const t of await stateDict(a.copy)) state.set(`ema.${a.model}.${t.name}`, t.data);
  for (const st of training.steps) {
    const { m, v } = optimizers[st.model]!.state();
    m.forEach((t, i) => state.set(`exp_avg.${st.model}.${i}`, t.dataSync() as Float32Array));
    v.forEach((t, i) => state.set(`exp_avg_sq.${st.model}.${i}`, t.dataSync() as Float32Array));
  }
  for (const [name, pool] of pools) (await pool.contents()).forEach((im, i) => state.set(`pool.${name}.${i}`, im));
  for (const o of Object.values(optimizers)) o.dispose();
  for (const m of Object.values(models)) m.dispose();
  for (const a of averages) a.copy.dispose();
  for (const p of pools.values()) p.dispose();
  return { numbers, state, forwards, peakBytes };
}

describe("the gradient tape: values computed once per round, memory freed during the backward pass", () => {
  before(async () => {
    assert.match((await startBackend("wasm")).why, /native kernels/);
  });

  const specs = readdirSync("specs").filter((f) => f.endsWith(".gan")).sort();
  for (const spec of specs) {
    it(`${spec}: the same bits as TF.js's tape, with fewer forwards and less memory`, async () => {
      const code = await codeFor(`specs/${spec}`, SMALL_WIDTHS[spec] ?? {});
      const before = tf.memory().numTensors;
      const once = await train(code, true);
      assert.equal(tf.memory().numTensors, before, "tensors left behind with the plan");
      const twice = await train(code, false);
      assert.deepEqual(once.numbers, twice.numbers);
      assert.deepEqual([...once.state.keys()], [...twice.state.keys()]);
      for (const [name, v] of twice.state) assert.deepEqual(once.state.get(name), v, name);
      for (const [name, count] of Object.entries(twice.forwards)) assert.ok(once.forwards[name]! <= count, `${name}: ${once.forwards[name]} forwards, ${count} recomputing`);
      const total = (r: Run) => Object.values(r.forwards).reduce((a, b) => a + b, 0);
      // (CycleGAN's generators' step comes first and computes its values under its own tape.)
      if (spec !== "cyclegan.gan") assert.ok(total(once) < total(twice), `forwards: ${JSON.stringify(once.forwards)} with the plan, ${JSON.stringify(twice.forwards)} without`);
      // (at these widths the weights, gradients and Adam's moments can be the peak: see below)
      assert.ok(once.peakBytes <= twice.peakBytes, `peak ${once.peakBytes} bytes, ${twice.peakBytes} with TF.js's tape`);
      if (spec === "dcgan.gan" || spec === "pix2pix.gan") {
        // G once per iteration; D on real, on the detached fake, and on the fake for G's loss
        assert.deepEqual(once.forwards, { G: 2, D: 6 });
        assert.deepEqual(twice.forwards, { G: 4, D: 6 });
      }
    });
  }

  for (const [spec, widths, batch, most] of [
    ["dcgan.gan", { ngf: 8, ndf: 8 }, 32, 0.8],
    ["pix2pix.gan", { ngf: 4, ndf: 4 }, 2, 0.9],
  ] as const) {
    it(`${spec}: the peak of tensor memory falls where activations dominate (${JSON.stringify(widths)}, batch ${batch})`, async () => {
      const code = await codeFor(`specs/${spec}`, widths);
      const once = await train(code, true, batch);
      const twice = await train(code, false, batch);
      for (const [name, v] of twice.state) assert.deepEqual(once.state.get(name), v, name);
      const mb = (b: number) => (b / 2 ** 20).toFixed(1);
      console.log(`# ${spec}: peak tensor memory ${mb(once.peakBytes)} MB, ${mb(twice.peakBytes)} MB with TF.js's tape`);
      assert.ok(once.peakBytes < most * twice.peakBytes, `peak ${mb(once.peakBytes)} MB, ${mb(twice.peakBytes)} MB with TF.js's tape`);
    });
  }

  it("a kept record that no later step uses is freed with the round", async () => {
    const code = await codeFor("specs/dcgan.gan", SMALL_WIDTHS["dcgan.gan"]!);
    const training = code.training!;
    const models: Record<string, Model> = {};
    for (const [name, Cls] of Object.entries(code.models)) models[name] = new Cls({ seed: 1 });
    const stepD = training.steps.find((st) => st.model === "D")!;
    const optimizer = new Adam(models["D"]!.parameters(), stepD.optimizer);
    const rng = new Rng(5);
    const inputs: Record<string, tf.Tensor> = noiseTensors(training.noise, rng, 2);
    for (const o of training.data.outputs) inputs[o.name] = tensorOf(rng.fillUniform(2 * o.shape.reduce((a, b) => a * b, 1), -1, 1), 2, o.shape);
    const warm = new Round(models, inputs, 8); // Adam's moments exist from here on
    await stepD.run(warm, optimizer).read();
    warm.dispose();
    const before = tf.memory().numTensors;
    // The plan says G's step follows, but the round ends after D's (a stop between steps).
    const round = new Round(models, inputs, 9, { plan: [["D"], ["G"]] });
    await stepD.run(round, optimizer).read();
    // more than the fake batch itself: G's saved activations, held for its step
    assert.ok(tf.memory().numTensors > before + 1, `${tf.memory().numTensors - before} tensors held`);
    round.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(Object.values(inputs));
    optimizer.dispose();
    for (const m of Object.values(models)) m.dispose();
  });
});
