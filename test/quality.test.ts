// The quality score (runtime/eval/): the committed classifier's accuracy on the 10,000 test
// digits, real digits against real digits near 0, scores that rise with every step of
// noise, blur and cut-outs, the random-feature score for other pictures, and the same
// numbers from the PyTorch engine's copy (runtime/torch/gan_runtime.py).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startBackend } from "../runtime/backend.ts";
import { loadMnist } from "../runtime/data/mnist.ts";
import { CLASSIFIER_FILE, type Features, mnistClasses, mnistFeatures, type Pictures, randomFeatures, resizePictures } from "../runtime/eval/features.ts";
import { choose, frechetDistance, kid } from "../runtime/eval/scores.ts";
import { readSafetensors, readSafetensorsMetadata, writeSafetensors } from "../runtime/io/safetensors.ts";
import { Rng } from "../runtime/random.ts";
import { torchPython } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** MNIST digits [from, from + n) of a split as pictures in [-1, 1]. */
function digits(which: "train" | "test", from: number, n: number): Pictures {
  const m = loadMnist(which);
  return { data: Float32Array.from(m.images.subarray(from * 784, (from + n) * 784), (v) => v / 127.5 - 1), shape: [n, 1, 28, 28] };
}

function corrupt(p: Pictures, f: (plane: Float32Array, rng: Rng) => void, seed: number): Pictures {
  const data = p.data.slice();
  const rng = new Rng(seed);
  for (let i = 0; i < p.shape[0]; i++) f(data.subarray(i * 784, (i + 1) * 784), rng);
  return { data, shape: p.shape };
}

const noise = (sigma: number) => (x: Float32Array, rng: Rng) => {
  for (let k = 0; k < x.length; k++) x[k] = Math.max(-1, Math.min(1, x[k]! + sigma * rng.normal()));
};

/** A box blur of radius r along rows, then columns (edges clamped). */
const blur = (r: number) => (x: Float32Array) => {
  const pass = (get: (i: number, j: number) => number, set: (i: number, j: number, v: number) => void) => {
    const tmp = new Float32Array(784);
    for (let i = 0; i < 28; i++) {
      for (let j = 0; j < 28; j++) {
        let s = 0;
        for (let d = -r; d <= r; d++) s += get(i, Math.max(0, Math.min(27, j + d)));
        tmp[i * 28 + j] = s / (2 * r + 1);
      }
    }
    for (let i = 0; i < 28; i++) for (let j = 0; j < 28; j++) set(i, j, tmp[i * 28 + j]!);
  };
  pass((i, j) => x[i * 28 + j]!, (i, j, v) => (x[i * 28 + j] = v));
  pass((i, j) => x[j * 28 + i]!, (i, j, v) => (x[j * 28 + i] = v));
};

/** A square of side s, somewhere over the digit's middle, painted background. */
const cutout = (s: number) => (x: Float32Array, rng: Rng) => {
  const top = 4 + Math.floor(rng.next() * (20 - s + 1));
  const left = 4 + Math.floor(rng.next() * (20 - s + 1));
  for (let i = top; i < Math.min(28, top + s); i++) for (let j = left; j < Math.min(28, left + s); j++) x[i * 28 + j] = -1;
};

describe("the quality score", () => {
  let test: Pictures;
  let reference: Features;
  before(async () => {
    await startBackend("auto");
    test = digits("test", 0, 10000);
    reference = await mnistFeatures(test);
  });

  it("the committed classifier: at least 99 % of the 10,000 test digits right, as its file says", async () => {
    const labels = loadMnist("test").labels;
    const predicted = await mnistClasses(test);
    let right = 0;
    predicted.forEach((c, i) => (right += c === labels[i] ? 1 : 0));
    const accuracy = right / labels.length;
    assert.ok(accuracy >= 0.99, `test accuracy ${accuracy}`);
    const meta = readSafetensorsMetadata(readFileSync(CLASSIFIER_FILE));
    assert.equal(Number(meta["test_accuracy"]).toFixed(4), accuracy.toFixed(4), "the accuracy scripts/train-classifier.py measured");
    assert.ok(readFileSync(CLASSIFIER_FILE).length < 600_000, "well under 1 MB");
  });

  it("real digits against the test digits score near 0; every step of noise, blur and cut-outs scores worse", async () => {
    const clean = digits("train", 0, 2000);
    const score = async (p: Pictures) => {
      const f = await mnistFeatures(p);
      return { fld: frechetDistance(f, reference), kid: (await kid(f, reference, { subsets: 50 })).mean };
    };
    const base = await score(clean);
    assert.ok(base.fld < 0.25, `FLD of real digits ${base.fld}`);
    assert.ok(Math.abs(base.kid) < 0.01, `KID of real digits ${base.kid}`);
    const series = {
      noise: [0.15, 0.3, 0.6, 1.2].map((s) => corrupt(clean, noise(s), 1)),
      blur: [1, 2, 3].map((r) => corrupt(clean, blur(r), 2)),
      cutout: [6, 10, 14, 18].map((s) => corrupt(clean, cutout(s), 3)),
    };
    for (const [name, levels] of Object.entries(series)) {
      let last = base;
      for (const [i, p] of levels.entries()) {
        const s = await score(p);
        assert.ok(s.fld > last.fld, `${name} level ${i + 1}: FLD ${s.fld} after ${last.fld}`);
        assert.ok(s.kid > last.kid, `${name} level ${i + 1}: KID ${s.kid} after ${last.kid}`);
        last = s;
      }
    }
  });

  it("pictures that are not digits: the random-feature KID is near 0 for the same pictures and grows with noise", async () => {
    const a = digits("train", 0, 1000);
    const b = digits("test", 0, 1000);
    const colour = (p: Pictures): Pictures => {
      // three channels of different mixtures, at 32 x 32: a stand-in for colour pictures
      const q = resizePictures(p, 32, false);
      const data = new Float32Array(q.shape[0] * 3 * 32 * 32);
      for (let i = 0; i < q.shape[0]; i++) for (let c = 0; c < 3; c++) for (let k = 0; k < 1024; k++) data[(i * 3 + c) * 1024 + k] = q.data[i * 1024 + k]! * (1 - 0.3 * c);
      return { data, shape: [q.shape[0], 3, 32, 32] };
    };
    const ref = await randomFeatures(colour(b));
    const same = (await kid(await randomFeatures(colour(a)), ref, { subsets: 50, subsetSize: 500 })).mean;
    const noisy = (await kid(await randomFeatures(colour(corrupt(a, noise(0.5), 4))), ref, { subsets: 50, subsetSize: 500 })).mean;
    assert.ok(Math.abs(same) * 10 < noisy, `same pictures ${same}, noisy ${noisy}`);
  });

  it("choose draws distinct indices in range, the same for the same seed", () => {
    const a = choose(50, 20, new Rng(3));
    assert.equal(new Set(a).size, 20);
    assert.ok(a.every((i) => i >= 0 && i < 50));
    assert.deepEqual([...choose(50, 20, new Rng(3))], [...a]);
    assert.notDeepEqual([...choose(50, 20, new Rng(4))], [...a]);
  });

  describe("the PyTorch engine's copy", () => {
    const { python, whyNot } = torchPython();
    let dir = "";
    before(() => void (dir = mkdtempSync(join(tmpdir(), "gan-quality-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("gives the same features, FLD and KID (1e-3 relative), generator numbers and classes", { skip: python === undefined ? whyNot : false }, async () => {
      // 32 x 32 grey fakes (resized inside) with noise, 28 x 28 reals
      const fake = resizePictures(corrupt(digits("train", 0, 800), noise(0.3), 5), 32, false);
      const real = digits("test", 0, 800);
      const file = join(dir, "pictures.safetensors");
      writeFileSync(file, writeSafetensors([
        { name: "fake", shape: [...fake.shape], data: fake.data },
        { name: "real", shape: [...real.shape], data: real.data },
      ]));
      const out = join(dir, "out.safetensors");
      const r = spawnSync(python!, [join(root, "test/fixtures/torch/quality.py"), join(root, "runtime/torch"), CLASSIFIER_FILE, file, out], { encoding: "utf8", timeout: 600_000 });
      assert.equal(r.status, 0, r.stderr);
      const py = new Map(readSafetensors(readFileSync(out)).map((t) => [t.name, t.data]));
      const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-3 * Math.max(Math.abs(a), Math.abs(b), 1e-6), `${what}: ${a} here, ${b} in PyTorch`);
      const ff = await mnistFeatures(fake);
      const rf = await mnistFeatures(real);
      const maxDiff = (a: Float64Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
      assert.ok(maxDiff(ff.data, py.get("mnist.fake")!) < 1e-4, "classifier features");
      close(frechetDistance(ff, rf), py.get("fld")![0]!, "FLD");
      const k = await kid(ff, rf, { subsets: 20, subsetSize: 500 });
      close(k.mean, py.get("kid")![0]!, "KID");
      close(k.std, py.get("kid")![1]!, "KID's std");
      const rff = await randomFeatures(fake);
      assert.ok(maxDiff(rff.data, py.get("random.fake")!) < 1e-4, "random features");
      const rk = await kid(rff, await randomFeatures(real), { subsets: 20, subsetSize: 500 });
      close(rk.mean, py.get("random.kid")![0]!, "relative KID");
      assert.deepEqual([...(await mnistClasses(real))], [...py.get("classes")!]);
      const g = new Rng(12345);
      const next = Array.from({ length: 1000 }, () => g.next());
      const normal = Array.from({ length: 1000 }, () => g.normal());
      assert.ok(next.every((v, i) => Math.abs(v - py.get("rng.next")![i]!) < 1e-7), "Rng.next");
      assert.ok(normal.every((v, i) => Math.abs(v - py.get("rng.normal")![i]!) < 1e-6), "Rng.normal");
      assert.deepEqual([...choose(1000, 50, new Rng(7))], [...py.get("choose")!]);
    });
  });
});

describe("the quality score of samples asked for a class", () => {
  it("counts the samples the classifier puts in the class asked for: a G that draws the asked digit scores high, one that ignores it about 10 %", async () => {
    await startBackend("cpu");
    const tf = await import("@tensorflow/tfjs");
    const { evaluateRun } = await import("../runtime/eval/quality.ts");
    const { openDataset } = await import("../runtime/data/dataset.ts");
    const { Model } = await import("../runtime/nn/model.ts");
    const { fromTorchOrder } = await import("../runtime/nn/functional.ts");
    const m = loadMnist("test");
    // the first test digits of each class, as [-1, 1] pictures
    const byClass: number[][] = Array.from({ length: 10 }, () => []);
    for (let i = 0; i < m.count && byClass.some((l) => l.length < 40); i++) if (byClass[m.labels[i]!]!.length < 40) byClass[m.labels[i]!]!.push(i);
    const picture = (i: number) => Float32Array.from(m.images.subarray(i * 784, (i + 1) * 784), (v) => v / 127.5 - 1);
    class Fake extends Model {
      constructor(private readonly honest: boolean) {
        super();
      }
      forwardAll(inputs: readonly import("@tensorflow/tfjs").Tensor[]) {
        const asked = inputs[1]!.dataSync();
        const n = asked.length;
        const data = new Float32Array(n * 784);
        for (let k = 0; k < n; k++) data.set(picture(byClass[this.honest ? asked[k]! : 3]![k % 40]!), k * 784);
        return fromTorchOrder(tf.tensor(data, [n, 1, 28, 28]));
      }
    }
    const training = {
      data: { source: { kind: "mnist", size: 28, channels: 1, channelsGiven: false }, lab: false, flip: false, resize: "short-side-crop", outputs: [{ name: "real", shape: [1, 28, 28] }, { name: "y", shape: [], classes: 10 }] },
      noise: [{ name: "z", shape: [4] }, { name: "c", shape: [], classes: 10 }],
      values: { fake: (r: import("../runtime/train/round.ts").Round) => r.value("fake", ["G"], () => r.call("G", [r.input("z"), r.input("c")])) },
      sample: { value: "fake", reads: ["z", "c"] },
      steps: [],
      settings: { batch: 50, epochs: 1, iters: null, sampleEvery: 1, checkpointEvery: 1, logEvery: 1 },
    } as unknown as import("../runtime/train/training.ts").Training;
    const dataset = await openDataset(training.data);
    const score = async (honest: boolean) => {
      const r = await evaluateRun(training, dataset, { G: new Fake(honest) }, { seed: 1, batch: 50, n: 300 }, {});
      assert.ok(typeof r !== "string", String(r));
      return r.accuracy!;
    };
    const right = await score(true);
    const wrong = await score(false);
    assert.ok(right >= 0.95, `the asked digits: ${right}`);
    assert.ok(Math.abs(wrong - 0.1) < 0.02, `always a 3: ${wrong}`);
  });
});
