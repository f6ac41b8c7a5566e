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
import { Rng } from "../runtime/random.ts";
import { mixSeed, Round, type StepNumbers } from "../runtime/train/round.ts";
import { afterUpdate } from "../runtime/train/trainer.ts";
import { tapeOptions } from "../runtime/train/tape.ts";
import { iterationRounds } from "../runtime/train/training.ts";
import { codeFor, SMALL_WIDTHS } from "./helpers.ts";
import { TrainFixture } from "./train-fixture.ts";

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
  const forwards: Record<string, number> = {};
  const f = new TrainFixture(code, (name, m) => {
    const forward = m.forwardOutputs.bind(m);
    forwards[name] = 0;
    m.forwardOutputs = (inputs, opts) => {
      forwards[name]!++;
      return forward(inputs, opts);
    };
  });
  const rng = new Rng(2);
  const numbers: StepNumbers[] = [];
  // The peak above what is alive before the first step (weights, data).
  let peakBytes = 0;
  const profiled = async (run: () => Promise<void>) => {
    const base = tf.memory().numBytes;
    const info = await tf.profile(run);
    peakBytes = Math.max(peakBytes, info.peakBytes - base);
  };
  for (let iter = 0; iter < iters; iter++) {
    for (const [k, rp] of iterationRounds(f.training.steps).entries()) {
      const inputs = f.inputs(rng, n);
      await profiled(async () => {
        const round = new Round(f.models, inputs, mixSeed(3, `${iter} ${k}`), { pools: f.pools, ...(plan ? { plan: rp.plan } : {}) });
        for (const st of rp.steps) {
          const res = st.run(round, f.optimizers[st.model]!);
          afterUpdate(st, f.models, f.averages, iter, res.applied);
          numbers.push(await res.read());
        }
        round.dispose();
      });
      tf.dispose(Object.values(inputs));
    }
  }
  const state = await f.snapshot();
  f.dispose();
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
    const f = new TrainFixture(await codeFor("specs/dcgan.gan", SMALL_WIDTHS["dcgan.gan"]!));
    const stepD = f.training.steps.find((st) => st.model === "D")!;
    const optimizer = f.optimizers["D"]!;
    const models = f.models;
    const inputs = f.inputs(new Rng(5), 2);
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
    f.dispose();
  });
});
