// Table tests of the training section: `train:` lines -> the diagnostics they must produce
// (code and place), on a small spec: G makes 1x4x4 images in [-1, 1], D ends with sigmoid
// (probabilities), P does not (logits). Lines 1-8 are the models and the `train:` header.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { samplePlan } from "../compiler/train-plan.ts";
import { codes, compileText, rendered } from "./helpers.ts";

const base = "nz = 8\nG(z: [nz]) -> [1, 4, 4]:\n    linear(nz -> 16) tanh reshape([1, 4, 4])\nD(x: [1, 4, 4]) -> [1]:\n    flatten linear(16 -> 1) sigmoid\nP(x: [1, 4, 4]) -> [1]:\n    flatten linear(16 -> 1)\ntrain:\n";
const good = "    real = mnist(size = 4)\n    z = noise(nz)\n    fake = G(z)\n";

const rows: { name: string; train: string; expect: string[] }[] = [
  { name: "ok", train: good + "    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n", expect: [] },
  { name: "second section", train: good + "    step D = bce(D(real), 1)\n    step G = bce(D(fake), 1)\ntrain:\n    batch = 2\n", expect: ["GAN0401@14:1"] },
  { name: "arity", train: good + "    step D = bce(D(real, fake), 1)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0402@12:18"] },
  { name: "shape", train: "    real = mnist\n    z = noise(nz)\n    fake = G(z)\n    step D = bce(D(real), 1)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0403@12:20"] },
  { name: "bce on logits", train: good + "    step P = bce(P(real), 1) + bce(P(fake), 0)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0404@12:14","GAN0404@12:32","GAN0510@13:18"] },
  { name: "double sigmoid", train: good + "    step D = bce_logits(D(real), 1)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0509@12:14"] },
  { name: "loss on data", train: good + "    step D = bce(real, 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0405@12:18"] },
  { name: "l1 shapes", train: good + "    step D = bce(D(real), 1)\n    step G = l1(fake, z)\n", expect: ["GAN0406@13:14"] },
  { name: "label range", train: good + "    step D = bce(D(real), 2)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0407@12:27"] },
  { name: "not a loss", train: good + "    step D = D(real)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0408@12:14"] },
  { name: "not a model", train: good + "    step Q = bce(D(real), 1)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0409@12:10","GAN0510@12:18"] },
  { name: "loss ignores model", train: good + "    step D = bce(D(real), 1)\n    step G = bce(D(real), 1)\n", expect: ["GAN0501@11:5","GAN0411@13:14"] },
  { name: "duplicate step", train: good + "    step D = bce(D(real), 1)\n    step D = bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0412@13:10"] },
  { name: "missing data", train: "    z = noise(nz)\n    fake = G(z)\n    step G = bce(D(fake), 1)\n    step D = bce(D(fake), 0)\n", expect: ["GAN0413@8:1"] },
  { name: "missing step", train: good + "    batch = 4\n", expect: ["GAN0413@8:1","GAN0501@11:5"] },
  { name: "epochs and iters", train: good + "    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n    epochs = 2\n    iters = 5\n", expect: ["GAN0414@15:5"] },
  { name: "data names", train: "    L = lab(colour(size = 4))\n    z = noise(nz)\n    fake = G(z)\n    step D = bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0415@9:5"] },
  { name: "second data", train: good + "    more = mnist\n    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0416@12:12"] },
  { name: "bad sample", train: good + "    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n    sample = z\n", expect: ["GAN0418@14:14"] },
  { name: "optim without step", train: good + "    step D = bce(D(real), 1) + bce(D(fake), 0)\n    optim G = adam(lr = 1e-3)\n", expect: ["GAN0510@11:12","GAN0419@13:11"] },
  { name: "lab of grey", train: "    L, ab = lab(mnist(size = 4))\n    z = noise(nz)\n    fake = G(z)\n    step D = bce(D(L), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0420@9:17"] },
  { name: "model as value", train: good + "    step D = bce(D(G), 1)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0421@12:20"] },
  { name: "not trained", train: good + "    step G = bce(D(fake), 1)\n", expect: ["GAN0510@12:18"] },
  { name: "data channels", train: "    real = images(size = 4)\n    z = noise(nz)\n    fake = G(z)\n    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0403@12:20"] },
  { name: "unknown fn", train: good + "    step D = bce_logit(D(real), 1)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0218@12:14"] },
  { name: "unknown name", train: good + "    step D = bce(D(reel), 1)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0201@12:20"] },
  { name: "bad adam", train: good + "    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n    optim D = adam(lr = 0, betas = (0.5, 1.5))\n    optim G = sgd(lr = 1)\n", expect: ["GAN0206@14:25","GAN0223@15:15"] },
  { name: "bad batch", train: good + "    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n    batch = 2.5\n", expect: ["GAN0223@14:13"] },
  { name: "syntax", train: good + "    step D = bce(D(real), 1) +\n    step G = bce(D(fake), 1)\n", expect: ["GAN0003@12:31"] },
  { name: "stray", train: good + "    step D bce(D(real), 1)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0003@12:5"] },
  { name: "unused", train: good + "    extra = G(z)\n    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0501@12:5"] },
  { name: "a model without parameters can't be trained", train: good + "    step D = bce(D(real), 1)\n    step N = bce(D(N(fake)), 1)\n    step G = bce(D(fake), 1)\n", expect: ["GAN0410@15:10"] },
];

describe("training section: lines -> codes and places", () => {
  for (const row of rows) {
    it(row.name, () => {
      const extra = row.name.startsWith("a model without") ? "N(x: [1, 4, 4]) -> [1, 4, 4]:\n    tanh\n" : "";
      const text = extra ? base.replace("train:\n", `${extra}train:\n`) : base;
      const shift = extra ? 2 : 0;
      const expect = row.expect.map((c) => c.replace(/@(\d+):/, (_m, l: string) => `@${Number(l) > 8 ? Number(l) + shift : l}:`));
      assert.deepEqual(codes(text + row.train), extra ? row.expect : expect);
    });
  }
});

describe("training section: the plan", () => {
  it("a clean section gives the plan: data, noise, bindings, steps in order, settings", () => {
    const r = compileText(base + good + "    step D * 2 = 0.5 * (bce(D(real), 0.9) + bce(D(fake), 0))\n    step G = bce(D(fake), 1) + 10 * l1(fake, real)\n    optim G = adam(lr = 1 / 5000)\n    batch = 16\n    iters = 100\n");
    assert.deepEqual(r.diagnostics, []);
    const p = r.train!;
    assert.deepEqual(p.data.outputs, [{ name: "real", shape: [1, 4, 4] }]);
    assert.deepEqual(p.noise, [{ name: "z", shape: [8] }]);
    assert.deepEqual(p.steps.map((s) => [s.model, s.repeat]), [["D", 2], ["G", 1]]);
    assert.equal(p.steps[0]!.loss.kind, "scale");
    // PyTorch's Adam defaults where the call is silent; the seeds' recipe where there is no optim line.
    assert.deepEqual(p.steps[1]!.optimizer, { kind: "adam", lr: 1 / 5000, betas: [0.9, 0.999], eps: 1e-8 });
    assert.deepEqual(p.steps[0]!.optimizer.betas, [0.5, 0.999]);
    assert.equal(p.batch, 16);
    assert.equal(p.iters, 100);
    assert.equal(p.epochs, null);
    assert.equal(p.sample, "fake");
  });

  it("parameters used only by the training section are not reported unused", () => {
    assert.deepEqual(codes("k = 4\nG(z: [8]) -> [1, 4, 4]:\n    linear(8 -> 16) tanh reshape([1, 4, 4])\nD(x: [1, 4, 4]):\n    flatten linear(16 -> 1) sigmoid\ntrain:\n    real = mnist(size = k)\n    z = noise(8)\n    step D = bce(D(real), 1) + bce(D(G(z)), 0)\n    step G = bce(D(G(z)), 1)\n"), []);
  });

  it("exact text: bce on a model that outputs logits", () => {
    assert.equal(
      rendered(base + good + "    step P = bce_logits(P(real), 1) + bce(P(fake), 0)\n    step G = bce_logits(P(fake), 1)\n"),
      [
        "t.gan:12:39: error GAN0404: bce needs probabilities, but P does not end with sigmoid: its outputs are logits",
        "    step P = bce_logits(P(real), 1) + bce(P(fake), 0)",
        "                                      ^~~",
        "  hint: write bce_logits(...), which applies the sigmoid itself (and is numerically stabler), or end P with sigmoid",
      ].join("\n"),
    );
  });

  it("exact text: 3-channel data into a 1-channel model names both fixes", () => {
    assert.match(
      rendered(base + "    real = images(size = 4)\n    z = noise(nz)\n    fake = G(z)\n    step D = bce(D(real), 1) + bce(D(fake), 0)\n    step G = bce(D(fake), 1)\n"),
      /error GAN0403: D takes \[1, 4, 4\] as `x`, but gets \[3, 4, 4\] from real\n.*\n.*\n  hint: the data gives 3-channel images and D takes 1: write images\(\.\.\., channels = 1\) to convert the pictures, or give D 3 input channels/,
    );
  });
  it("a model with several outputs: bound by `src, cls = D(x)`, each usable in the losses, never as one tensor", () => {
    const models = "G(z: [8]) -> [1, 4, 4]:\n    linear(8 -> 16) tanh reshape([1, 4, 4])\nD(x: [1, 4, 4]) -> (src: [1], cls: [3]):\n    h = x flatten\n    src = h linear(16 -> 1) sigmoid\n    cls = h linear(16 -> 3) softmax\ntrain:\n    real = mnist(size = 4)\n    z = noise(8)\n    fake = G(z)\n";
    const ok = compileText(models + "    s, c = D(fake)\n    sr, cr = D(real)\n    step D = bce(sr, 1) + bce(s, 0) + mse(c, cr)\n    step G = bce(s, 1)\n");
    assert.deepEqual(ok.diagnostics.map((d) => d.code), []);
    const plan = ok.train!;
    assert.deepEqual(plan.bindings.map((b) => [b.name, b.value.kind]), [["fake", "call"], ["s, c", "call"], ["s", "output"], ["c", "output"], ["sr, cr", "call"], ["sr", "output"], ["cr", "output"]]);
    assert.equal(plan.sample, "fake");
    assert.deepEqual(codes(models + "    step D = bce(D(real), 1)\n    step G = bce(D(fake), 1)\n"), ["GAN0422@11:18", "GAN0422@12:18"]);
    assert.match(rendered(models + "    step D = bce(D(real), 1)\n    step G = bce(D(fake), 1)\n"), /error GAN0422: D returns 2 outputs \(src, cls\), so its call is not one tensor\n.*\n.*\n  hint: name them on a line of their own: `src, cls = D\(real\)`/);
    assert.deepEqual(codes(models + "    s, c, x = D(fake)\n    step D = bce(s, 0)\n    step G = bce(s, 1)\n"), ["GAN0415@11:5"]);
    assert.match(rendered(models + "    s = D(fake)\n    step D = bce(s, 0)\n    step G = bce(s, 1)\n"), /D\(\.\.\.\) gives 2 tensors \(src, cls\), but the line names 1/);
    // bce needs the head's sigmoid: cls ends with softmax
    assert.deepEqual(codes(models + "    s, c = D(fake)\n    step D = bce(c, 0)\n    step G = bce(s, 1)\n"), ["GAN0404@12:14"]);
  });
});

// The GAN zoo's recipes: labels, penalties, several models per step, averages, schedules.
// Lines 1-15 are the models (G and D conditional, P a critic, C a classifier, E a second
// generator) and the `train:` header; the section starts on line 16.
const zoo =
  "nz = 8\nG(z: [nz], y: label(10)) -> [1, 4, 4]:\n    e = y embedding(10, 4)\n    cat(z, e) linear(nz + 4 -> 16) tanh reshape([1, 4, 4])\n" +
  "D(x: [1, 4, 4], y: label(10)) -> [1]:\n    e = y embedding(10, 16)\n    f = x flatten\n    cat(f, e) linear(32 -> 1)\n" +
  "P(x: [1, 4, 4]) -> [1]:\n    flatten linear(16 -> 1)\nC(x: [1, 4, 4]) -> [10]:\n    flatten linear(16 -> 10)\n" +
  "E(x: [1, 4, 4]) -> [1, 4, 4]:\n    flatten linear(16 -> 16) tanh reshape([1, 4, 4])\ntrain:\n";
const labelled = "    real, y = mnist(size = 4)\n    z = noise(nz)\n    c = labels(10)\n    fake = G(z, c)\n";
const critic = "    step P = mean(P(fake)) - mean(P(real))\n    step G = -mean(P(fake))\n";

const zooRows: { name: string; train: string; expect: string[] }[] = [
  { name: "conditional: labels from the data and drawn", train: labelled + "    step D = bce_logits(D(real, y), 1) + bce_logits(D(fake, c), 0)\n    step G = bce_logits(D(fake, c), 1)\n", expect: [] },
  { name: "a tensor where labels go, labels where a picture goes", train: labelled + "    step D = bce_logits(D(real, z), 1) + bce_logits(D(fake, c), 0)\n    step G = bce_logits(D(fake, real), 1)\n", expect: ["GAN0423@20:33", "GAN0423@21:33"] },
  { name: "a penalty of a model with two inputs", train: labelled + "    step D = bce_logits(D(real, y), 1) + gp(D, real, fake)\n    step G = bce_logits(D(fake, c), 1)\n", expect: ["GAN0424@20:45"] },
  { name: "an optimizer for part of a step's models", train: labelled + "    step P = mean(P(fake)) - mean(P(real))\n    step G, E = -mean(P(E(fake)))\n    optim G = adam(lr = 1e-3)\n", expect: ["GAN0425@22:11"] },
  { name: "an average of a model no step trains", train: labelled + critic + "    ema E = 0.99\n", expect: ["GAN0426@22:9"] },
  { name: "an average's decay out of range", train: labelled + critic + "    ema G = 1.5\n", expect: ["GAN0206@22:13"] },
  { name: "an average's start must be a whole number", train: labelled + critic + "    ema G = (0.99, -5)\n", expect: ["GAN0206@22:20"] },
  { name: "hinge's target", train: labelled + "    step P = hinge(P(real), 0) + hinge(P(fake), -1)\n    step G = -mean(P(fake))\n", expect: ["GAN0427@20:29"] },
  { name: "ce against something that is not labels", train: labelled + "    step C = ce(C(real), z) + ce(C(fake), c)\n    step G = ce(C(fake), c)\n", expect: ["GAN0428@20:14"] },
  { name: "schedules: a missing length, an unknown kind", train: labelled + critic + "    optim P = adam(schedule = linear(keep = 10))\n    optim G = adam(schedule = cosine(10))\n", expect: ["GAN0210@22:31", "GAN0223@23:31"] },
  { name: "clip must be positive", train: labelled + critic + "    optim P = adam(clip = -1)\n", expect: ["GAN0206@22:27"] },
  { name: "labels are not a tensor to concatenate or pool", train: labelled + "    old = pool(c, 5)\n    step P = mean(P(fake)) - mean(P(old))\n    step G = -mean(P(E(cat(fake, c))))\n", expect: ["GAN0421@20:16", "GAN0421@22:34"] },
  { name: "a sample row of pictures only", train: labelled + critic + "    sample = (real, fake, z)\n", expect: ["GAN0418@22:27"] },
];

describe("training section: the zoo's recipes -> codes and places", () => {
  for (const row of zooRows) it(row.name, () => assert.deepEqual(codes(zoo + row.train), row.expect));

  it("exact text: a picture where G takes labels says how to get labels", () => {
    assert.match(
      rendered(zoo + labelled + "    step D = bce_logits(D(real, y), 1) + bce_logits(D(fake, c), 0)\n    step G = bce_logits(D(fake, real), 1)\n"),
      /error GAN0423: D takes class labels of 10 classes as `y`, but gets \[1, 4, 4\] from real\n.*\n.*\n  hint: draw labels with `c = labels\(10\)`, or read them with the data: `real, y = mnist`/,
    );
    assert.match(rendered(zoo + labelled + "    step P = mean(P(fake)) - mean(P(real))\n    step G, E = -mean(P(E(fake)))\n    optim G = adam(lr = 1e-3)\n"), /`optim G` does not match a step: the step trains G, E\n.*\n.*\n  hint: write `optim G, E = \.\.\.`/);
  });

  it("the plan of a recipe with every new form", () => {
    const r = compileText(
      zoo +
        labelled +
        "    rec = E(fake)\n    old = pool(fake, 50)\n" +
        "    step P * 5 = mean(P(old)) - mean(P(real)) + 10 * gp(P, real, fake) + r1(P, real) / 2\n" +
        "    step C = ce(C(real), y)\n" +
        "    step G, E = softplus(-P(fake)) + ce(C(fake), c) + hinge(P(rec), 1) - 0.1 * mean(P(rec))\n" +
        "    optim P = adam(lr = 1e-4, betas = (0, 0.9), clip = 0.01)\n" +
        "    optim G, E = adam(lr = 2e-4, schedule = linear(keep = 100, decay = 100))\n" +
        "    optim C = adam(schedule = step(every = 30, gamma = 0.1))\n" +
        "    ema G = 0.999\n    sample = (real, fake, rec)\n",
    );
    assert.deepEqual(r.diagnostics, []);
    const p = r.train!;
    assert.deepEqual(p.data.outputs, [{ name: "real", shape: [1, 4, 4] }, { name: "y", shape: [], classes: 10 }]);
    assert.deepEqual(p.noise, [{ name: "z", shape: [8] }, { name: "c", shape: [], classes: 10 }]);
    assert.deepEqual(p.steps.map((s) => [s.model, s.models, s.repeat]), [["P", ["P"], 5], ["C", ["C"], 1], ["G+E", ["G", "E"], 1]]);
    assert.equal(p.steps[0]!.optimizer.clip, 0.01);
    assert.deepEqual(p.steps[2]!.optimizer.schedule, { kind: "linear", keep: 100, decay: 100 });
    assert.deepEqual(p.steps[1]!.optimizer.schedule, { kind: "step", every: 30, gamma: 0.1 });
    assert.deepEqual(p.ema, [{ model: "G", decay: 0.999, start: 0 }]);
    assert.equal(p.sample, "fake");
    assert.deepEqual(p.sampleRow, ["real", "fake", "rec"]);
    const pool = p.bindings.find((b) => b.name === "old")!.value;
    assert.deepEqual(pool.kind === "pool" ? [pool.size, pool.value.kind] : [], [50, "ref"]);
    // P's loss: mean - mean (a sum with a scale of -1), then the penalties
    const d = p.steps[0]!.loss;
    assert.equal(d.kind, "sum");
    const terms = d.kind === "sum" ? d.terms : [];
    assert.deepEqual(terms.map((t) => (t.kind === "scale" ? `${t.factor}*${t.loss.kind === "penalty" ? t.loss.fn : t.loss.kind === "loss" ? t.loss.fn : ""}` : t.kind === "loss" ? t.fn : t.kind)), ["mean", "-1*mean", "10*gp", "0.5*r1"]);
  });
});

describe("training section: what the samples show and imitate", () => {
  const planOf = (file: string) => compileText(readFileSync(new URL(`../${file}`, import.meta.url), "utf8")).train!;
  it("CycleGAN: a row of A, fake_B, rec_A; fake_B is scored against B (what D_A sees in its place)", () => {
    const p = samplePlan(planOf("specs/cyclegan.gan"));
    assert.deepEqual(p, { value: "fake_B", reads: ["A"], row: ["A", "fake_B", "rec_A"], reference: "B" });
  });
  it("pix2pix on pairs: D(cat(A, fake_B)) against D(cat(A, B)) makes B the reference", () => {
    const p = samplePlan(planOf("test/fixtures/specs/paired.gan"));
    assert.equal(p.reference, "B");
    assert.deepEqual(p.row, ["A", "fake_B", "B"]);
  });
  it("DCGAN: real; conditional samples read their labels", () => {
    assert.equal(samplePlan(planOf("specs/dcgan.gan")).reference, "real");
    assert.deepEqual(samplePlan(planOf("specs/cgan.gan")), { value: "fake", reads: ["z", "c"], reference: "real" });
  });
});
