// The WebGPU backend (runtime/backend.ts, `npm run webgpu`) against the cpu backend: one
// training iteration of every spec in specs/ (at small widths), from the same weights on
// the same batch, gives the same losses, scores, weights, buffers and Adam moments within
// 1e-4; 100 iterations leave tensors and GPU memory where they were; gan-train and
// gan-sample run on it. Without a GPU this runs on Mesa's software Vulkan driver
// (lavapipe; `.ci/run` installs it). Where WebGPU is not installed or finds no adapter the
// tests say so and pass, except under GAN_REQUIRE_WEBGPU=1 (CI), where that fails them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import type { GeneratedCode } from "../cli/code.ts";
import { startBackend } from "../runtime/backend.ts";
import { readSafetensorsMetadata } from "../runtime/io/safetensors.ts";
import { stateDict } from "../runtime/nn/state-dict.ts";
import { Adam } from "../runtime/optim/adam.ts";
import { Rng } from "../runtime/random.ts";
import { mixSeed, Round, type StepNumbers } from "../runtime/train/round.ts";
import { noiseTensors, tensorOf } from "../runtime/train/schedule.ts";
import { afterUpdate } from "../runtime/train/trainer.ts";
import { codeFor, compileText, SMALL_WIDTHS } from "./helpers.ts";
import { randomBatch, TrainFixture } from "./train-fixture.ts";

/** Why WebGPU cannot run here (null: it can). */
async function unavailable(): Promise<string | null> {
  try {
    await startBackend("webgpu");
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await startBackend("cpu");
  }
}

const required = process.env["GAN_REQUIRE_WEBGPU"] === "1";

interface Outcome {
  readonly numbers: StepNumbers[];
  /** Every weight, buffer, Adam moment and average by name. */
  readonly state: Map<string, Float32Array>;
}

/**
 * One iteration of a spec's steps (each step as often as it repeats, on one batch) on the
 * current backend: models from seed 1, a batch of 4 drawn from seed 2 (data and noise).
 */
async function oneIteration(code: GeneratedCode, seed = 2, jitter = 0): Promise<Outcome> {
  const f = new TrainFixture(code);
  const inputs = f.inputs(new Rng(seed), 4);
  jitterInputs(inputs, jitter);
  const numbers: StepNumbers[] = [];
  for (const st of f.training.steps) {
    for (let r = 0; r < st.repeat; r++) {
      const round = new Round(f.models, inputs, mixSeed(3, `${st.model} ${r}`), { pools: f.pools });
      const res = st.run(round, f.optimizers[st.model]!);
      afterUpdate(st, f.models, f.averages, 0, res.applied);
      numbers.push(await res.read());
      round.dispose();
    }
  }
  const state = await f.snapshot();
  tf.dispose(Object.values(inputs));
  f.dispose();
  return { numbers, state };
}

/** Each float input times 1 + jitter·u, u uniform in [-1/2, 1/2) (seeded): a nearby batch. */
function jitterInputs(inputs: Record<string, tf.Tensor>, jitter: number): void {
  if (jitter === 0) return;
  const rng = new Rng(99);
  for (const [k, t] of Object.entries(inputs)) {
    if (t.dtype !== "float32") continue;
    const u = tf.tensor(rng.fillUniform(t.size, -0.5, 0.5), t.shape);
    inputs[k] = tf.tidy(() => t.mul(u.mul(jitter).add(1)));
    tf.dispose([t, u]);
  }
}

/**
 * The WebGPU run of `run` against the cpu backend's, at the first batch (seeds 2, 3, 4)
 * where the cpu result is itself stable: a relative change of 1e-6 in the batch moves it by
 * less than the tolerance. A batch at a ReLU's knife edge (an activation within rounding of
 * 0, whose mask then differs between any two kernel implementations, e.g. the cpu backend's
 * with and without the native kernels) has a discontinuous gradient there, so it cannot
 * tell a right kernel from a wrong one.
 */
async function parity(label: string, run: (seed: number, jitter: number) => Promise<Outcome>, tolerance = 1e-4): Promise<void> {
  const unstable: string[] = [];
  for (const seed of [2, 3, 4]) {
    await startBackend("cpu");
    const cpu = await run(seed, 0);
    const moved = worst(cpu, await run(seed, 1e-6));
    if (moved.diff > tolerance) {
      unstable.push(`seed ${seed}: ${moved.where}`);
      continue;
    }
    await startBackend("webgpu");
    try {
      const { diff, where } = worst(cpu, await run(seed, 0));
      assert.ok(diff <= tolerance, `${label}, batch of seed ${seed}: ${where} (relative difference ${diff.toExponential(2)})`);
      return;
    } finally {
      await startBackend("cpu");
    }
  }
  assert.fail(`${label}: no batch where the cpu result is stable: ${unstable.join("; ")}`);
}

/**
 * Each model of a spec without a training section, from seed 1, on a batch of 3 drawn from
 * seed 2, in training mode (batch statistics, dropout, a power iteration): its outputs, the
 * gradients of a fixed random projection of them by every parameter, and its buffers afterwards.
 */
async function modelsOnce(path: string, code: GeneratedCode, seed = 2, jitter = 0): Promise<Outcome> {
  const checked = compileText(readFileSync(path, "utf8")).models;
  const state = new Map<string, Float32Array>();
  const rng = new Rng(seed);
  for (const m of checked) {
    const model = new code.models[m.name]!({ seed: mixSeed(1, m.name) });
    const inputs = m.inputs.map((input) => randomBatch(rng, 3, input.shape!.map((d) => d!), m.labels?.[input.name]));
    const named: Record<string, tf.Tensor> = Object.fromEntries(inputs.map((t, i) => [String(i), t]));
    jitterInputs(named, jitter);
    inputs.splice(0, inputs.length, ...Object.values(named));
    const outputs: tf.Tensor[] = [];
    const forward = () => {
      const outs = model.forwardOutputs(inputs, { training: true, updateStats: true, rng: new Rng(3) });
      outs.forEach((o) => outputs.push(tf.keep(o)));
      // a fixed random projection of the outputs (their sum of squares would be ~constant after a layer norm: all cancellation)
      const r = new Rng(11);
      return tf.addN(outs.map((o) => o.mul(tf.tensor(r.fillUniform(o.size, -1, 1), o.shape)).sum())) as tf.Scalar;
    };
    // (a model without parameters, e.g. dropout alone: its outputs only)
    const grads: Record<string, tf.Tensor> = model.parameters().length > 0 ? tf.variableGrads(forward, model.parameters()).grads : (tf.tidy(forward).dispose(), {});
    for (const [i, o] of outputs.entries()) state.set(`${m.name}.output${i}`, (await o.data()) as Float32Array);
    const byVariable = new Map(model.state().map((s) => [s.variable.name, s.key]));
    for (const [name, g] of Object.entries(grads)) state.set(`${m.name}.grad.${byVariable.get(name) ?? name}`, (await g.data()) as Float32Array);
    for (const t of await stateDict(model)) state.set(`${m.name}.${t.name}`, t.data);
    tf.dispose([...inputs, ...outputs, ...Object.values(grads)]);
    model.dispose();
  }
  return { numbers: [], state };
}

/**
 * The largest difference relative to max(1, |cpu value|), and where. A weight whose
 * gradient is ~0 on both backends (|Adam's first moment| < 1e-6: a bias that a following
 * normalization cancels, its gradient rounding noise) is not compared: Adam's first steps
 * turn such noise into ±lr of either sign (the PyTorch parity tests' rule too).
 */
function worst(cpu: Outcome, gpu: Outcome): { diff: number; where: string } {
  let diff = 0;
  let where = "";
  const see = (a: number, b: number, name: string) => {
    const d = Math.abs(a - b) / Math.max(1, Math.abs(a));
    if (!(d <= diff)) {
      diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
      where = `${name}: cpu ${a}, webgpu ${b}`;
    }
  };
  cpu.numbers.forEach((c, i) => {
    const g = gpu.numbers[i]!;
    see(c.loss, g.loss, `step ${i} loss`);
    assert.equal(g.nonFinite, c.nonFinite, `step ${i}: finite on one backend only`);
    for (const [k, v] of Object.entries(c.scores)) see(v, g.scores[k]!, `step ${i} score ${k}`);
    for (const [k, v] of Object.entries(c.parts ?? {})) see(v, g.parts?.[k] ?? Number.NaN, `step ${i} part ${k}`);
  });
  assert.deepEqual([...gpu.state.keys()].sort(), [...cpu.state.keys()].sort());
  for (const [name, a] of cpu.state) {
    const b = gpu.state.get(name)!;
    assert.equal(b.length, a.length, name);
    const [mA, mB] = [cpu.state.get(`exp_avg.${name}`), gpu.state.get(`exp_avg.${name}`)];
    for (let i = 0; i < a.length; i++) {
      if (mA !== undefined && mB !== undefined && Math.abs(mA[i]!) < 1e-6 && Math.abs(mB[i]!) < 1e-6) continue;
      see(a[i]!, b[i]!, `${name}[${i}]`);
    }
  }
  return { diff, where };
}

describe("the WebGPU backend", async () => {
  const why = await unavailable();
  const skip = why !== null && !required ? `WebGPU cannot run here: ${why}` : false;
  if (skip) console.log(`# ${skip}`);

  it("starts (GAN_REQUIRE_WEBGPU=1 makes a missing WebGPU a failure)", { skip }, () => {
    assert.equal(why, null, `WebGPU is required here (GAN_REQUIRE_WEBGPU=1) but: ${why}`);
  });

  const specs = readdirSync("specs").filter((f) => f.endsWith(".gan")).sort();
  for (const spec of specs) {
    it(`${spec}: one iteration equals the cpu backend's within 1e-4`, { skip }, async () => {
      const code = await codeFor(`specs/${spec}`, SMALL_WIDTHS[spec] ?? {});
      await parity(spec, (seed, jitter) => oneIteration(code, seed, jitter));
    });
  }
  it("covers every spec", { skip }, () => assert.deepEqual(specs.filter((s) => SMALL_WIDTHS[s] === undefined), []));

  // The test specs: every training form (penalties, pools, averages, schedules, labels,
  // several outputs) and every layer kind, at once.
  const fixtures = readdirSync("test/fixtures/specs").filter((f) => f.endsWith(".gan") && !/three-mistakes|hostile/.test(f)).sort();
  for (const spec of fixtures) {
    const path = `test/fixtures/specs/${spec}`;
    const trains = /^train:/m.test(readFileSync(path, "utf8"));
    it(`${path}: ${trains ? "one iteration" : "every model's outputs and parameter gradients (training mode)"} equal the cpu backend's within 1e-4`, { skip }, async () => {
      const code = await codeFor(path, spec === "cycle-recipe.gan" ? SMALL_WIDTHS["cyclegan.gan"] : {});
      await parity(spec, (seed, jitter) => (trains ? oneIteration(code, seed, jitter) : modelsOnce(path, code, seed, jitter)));
    });
  }

  it("100 iterations leave tensors and GPU memory as they were", { skip }, async () => {
    const code = await codeFor("specs/dcgan.gan", SMALL_WIDTHS["dcgan.gan"]!);
    await startBackend("webgpu");
    try {
      const training = code.training!;
      const models = Object.fromEntries(Object.entries(code.models).map(([name, Cls]) => [name, new Cls({ seed: 1 })]));
      const optimizers = Object.fromEntries(training.steps.map((st) => [st.model, new Adam(models[st.model]!.parameters(), st.optimizer)]));
      const rng = new Rng(3);
      const counts: number[] = [];
      const bytes: number[] = [];
      let pending: Promise<StepNumbers>[] = [];
      for (let i = 0; i < 100; i++) {
        const inputs = noiseTensors(training.noise, rng, 4);
        inputs["real"] = tensorOf(rng.fillUniform(4 * 16 * 16 * 3, -1, 1), 4, [3, 16, 16]);
        const round = new Round(models, inputs, i);
        const results = training.steps.map((s) => s.run(round, optimizers[s.model]!));
        round.dispose();
        tf.dispose(Object.values(inputs));
        // read one iteration behind, as gan-train does
        await Promise.all(pending);
        pending = results.map((r) => r.read());
        const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
        counts.push(m.numTensors);
        bytes.push(m.numBytesInGPU ?? m.numBytes);
      }
      await Promise.all(pending);
      const drift = (xs: number[]) => xs.slice(5).some((x) => x !== xs[4]);
      assert.ok(!drift(counts), `tensor counts drift: ${counts.slice(0, 6).join(", ")} ... ${counts.slice(-5).join(", ")}`);
      assert.ok(!drift(bytes), `GPU bytes drift: ${bytes.slice(0, 6).join(", ")} ... ${bytes.slice(-5).join(", ")}`);
      for (const o of Object.values(optimizers)) o.dispose();
      for (const m of Object.values(models)) m.dispose();
    } finally {
      await startBackend("cpu");
    }
  });

  describe("gan-train and gan-sample with --backend webgpu", () => {
    let root = "";
    before(() => (root = mkdtempSync(join(tmpdir(), "gan-webgpu-"))));
    after(() => rmSync(root, { recursive: true, force: true }));

    it("gan-train specs/dcgan.gan --backend webgpu --iters 5, then gan-sample from its checkpoint (the commands as installed: bin/, their dist/ bundle when built)", { skip }, async () => {
      const out = join(root, "dcgan");
      const args = ["specs/dcgan.gan", "--set", "isize=16", "ngf=4", "ndf=4", "--backend", "webgpu", "--iters", "5", "--batch", "8", "--eval-every", "0", "--out", out, "--progress", "lines"];
      const train = spawnSync(process.execPath, ["bin/gan-train.js", ...args], { encoding: "utf8", timeout: 300_000 });
      assert.equal(train.status, 0, train.stderr);
      const [stdout, stderr] = [train.stdout, train.stderr];
      assert.match(stderr, /backend: TensorFlow\.js [\d.]+ WebGPU \(Dawn\) on /);
      assert.match(stdout, /finished: 5 of 5 iterations, \d+ ms per iteration on webgpu/);
      assert.equal(readSafetensorsMetadata(readFileSync(join(out, "checkpoints", "last.safetensors")))["iteration"], "5");
      const rows = readFileSync(join(out, "log.csv"), "utf8").trim().split("\n");
      assert.equal(rows.length, 6, "a header and a row per iteration");
      assert.ok(rows.slice(1).every((r) => !/NaN|,,/.test(r)), rows.join("\n"));
      const sample = spawnSync(process.execPath, ["bin/gan-sample.js", "--checkpoint", out, "--noise", "4", "--backend", "webgpu", "--out", join(out, "s.png")], { encoding: "utf8", timeout: 300_000 });
      assert.equal(sample.status, 0, sample.stderr);
      assert.match(sample.stderr, /backend webgpu/);
      assert.ok(readFileSync(join(out, "s.png")).length > 100);
    });
  });
});
