// gan-sample as a user runs it: PyTorch weights in, the model's output out, compared with
// what PyTorch computed (test/fixtures/reference/), and clear errors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import type { TrainPlan } from "../contracts/train-plan.ts";
import { main } from "../cli/gan-sample.ts";
import { generatorOf, interpolate, latentWalk } from "../cli/sample-latent.ts";
import { readSafetensors, writeSafetensors } from "../runtime/io/safetensors.ts";
import { Rng } from "../runtime/random.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const ref = "test/fixtures/reference";
const out = mkdtempSync(join(tmpdir(), "gan-sample-"));

function run(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "bin", "gan-sample.js"), ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

function tensor(file: string, name: string): { shape: readonly number[]; data: Float32Array } {
  const t = readSafetensors(readFileSync(resolve(root, file))).find((x) => x.name === name);
  assert.ok(t, `${file}:${name}`);
  return t;
}

function assertClose(actual: { shape: readonly number[]; data: Float32Array }, expected: { shape: readonly number[]; data: Float32Array }): void {
  // The same elements in the same order (PyTorch's G_z is G(z) viewed as images).
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  assert.equal(actual.shape[0], expected.shape[0]);
  assert.equal(size(actual.shape), size(expected.shape));
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
  assert.ok(worst <= 1e-4, `max abs difference ${worst}`);
}

describe("gan-sample", () => {
  it("MLP G with PyTorch's weights (by name) reproduces PyTorch's G(z)", () => {
    const file = join(out, "gz.safetensors");
    const r = run("specs/mnist-gan.gan", "--model", "G", "--weights", `${ref}/mnist_mlp_forward.safetensors`, "--prefix", "G.main.", "--input", `${ref}/mnist_mlp_forward.safetensors:z`, "--out", file);
    assert.equal(r.status, 0, r.stderr);
    assertClose(tensor(file, "output"), tensor(`${ref}/mnist_mlp_forward.safetensors`, "G_z"));
  });

  it("MLP D on G_z given as [N, 784] and weights saved from a `main` submodule, with --prefix D.", () => {
    const file = join(out, "dgz.safetensors");
    // G now ends in reshape([1, 28, 28]); give D its output flattened, as x.view(-1, 784) leaves it.
    const gz = tensor(join(out, "gz.safetensors"), "output");
    writeFileSync(join(out, "gz784.safetensors"), writeSafetensors([{ name: "output", shape: [gz.shape[0]!, 784], data: gz.data }]));
    const r = run("specs/mnist-gan.gan", "--model", "D", "--weights", `${ref}/mnist_mlp_forward.safetensors`, "--prefix", "D.", "--input", `${out}/gz784.safetensors:output`, "--out", file);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /viewing output \[8, 784\] as \[8, 1, 28, 28\]/);
    assertClose(tensor(file, "output"), tensor(`${ref}/mnist_mlp_forward.safetensors`, "D_G_z"));
  });

  it("the same on the wasm backend (--backend wasm)", () => {
    const file = join(out, "gz-wasm.safetensors");
    const r = run("specs/mnist-gan.gan", "--backend", "wasm", "--model", "G", "--weights", `${ref}/mnist_mlp_forward.safetensors`, "--prefix", "G.main.", "--input", `${ref}/mnist_mlp_forward.safetensors:z`, "--out", file);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /backend wasm/);
    assertClose(tensor(file, "output"), tensor(`${ref}/mnist_mlp_forward.safetensors`, "G_z"));
  });

  it("Pix2Pix G at width 8 with the seed's module names (--by-order) reproduces fake_ab", () => {
    const file = join(out, "ab.safetensors");
    const r = run("specs/pix2pix.gan", "--set", "ngf=8", "ndf=8", "--model", "G", "--weights", `${ref}/pix2pix_w8_forward.safetensors`, "--prefix", "G.", "--by-order", "--input", `${ref}/pix2pix_w8_forward.safetensors:L`, "--out", file);
    assert.equal(r.status, 0, r.stderr);
    assertClose(tensor(file, "output"), tensor(`${ref}/pix2pix_w8_forward.safetensors`, "fake_ab"));
  });

  it("--train-mode uses batch statistics: DCGAN G(noise) equals PyTorch's training-mode fake batch", () => {
    const file = join(out, "fake.safetensors");
    const w = `${ref}/dcgan_w8_step.safetensors`;
    const r = run("specs/dcgan.gan", "--set", "ngf=8", "--model", "G", "--weights", w, "--prefix", "before.G.main.", "--input", `${w}:noise`, "--train-mode", "--out", file);
    assert.equal(r.status, 0, r.stderr);
    assertClose(tensor(file, "output"), tensor(w, "fake"));
  });

  it("DCGAN G from noise writes an 8-per-row image grid", async () => {
    const file = join(out, "grid.png");
    const r = run("specs/dcgan.gan", "--set", "ngf=8", "--model", "G", "--weights", `${ref}/dcgan_w8_step.safetensors`, "--prefix", "before.G.main.", "--noise", "10", "--seed", "3", "--out", file);
    assert.equal(r.status, 0, r.stderr);
    const meta = await sharp(file).metadata();
    assert.equal(meta.format, "png");
    assert.equal(meta.width, 8 * 66 + 2);
    assert.equal(meta.height, 2 * 66 + 2);
    assert.match(r.stderr, /backend cpu/);
  });

  it("weights that do not fit name the first offending tensors and both shapes (exit 2)", () => {
    const r = run("specs/pix2pix.gan", "--model", "G", "--weights", `${ref}/pix2pix_w8_forward.safetensors`, "--prefix", "G.", "--by-order", "--input", `${ref}/pix2pix_w8_forward.safetensors:L`, "--out", join(out, "x.safetensors"));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /#1: G\.input_layer\.0\.weight is \[8, 1, 4, 4\], but 0\.weight is \[64, 1, 4, 4\]/);
    const byName = run("specs/mnist-gan.gan", "--model", "G", "--weights", `${ref}/mnist_mlp_forward.safetensors`, "--prefix", "D.main.", "--noise", "2", "--out", join(out, "y.safetensors"));
    assert.equal(byName.status, 2);
    assert.match(byName.stderr, /D\.main\.0\.weight is \[1024, 784\], but the model's is \[256, 100\]/);
  });

  it("usage errors exit 2 with one line; spec errors exit 1", () => {
    const w = `${ref}/mnist_mlp_forward.safetensors`;
    const cases: [string[], RegExp][] = [
      [["specs/mnist-gan.gan", "--model", "Q", "--weights", w, "--noise", "2", "--out", "a.png"], /has no such model \(it has G, D\)/],
      [["specs/mnist-gan.gan", "--model", "G", "--weights", w, "--out", "a.png"], /either --input .* or --noise/],
      [["specs/mnist-gan.gan", "--model", "G", "--weights", w, "--noise", "2", "--out", "a.jpg"], /write OUT\.png or OUT\.safetensors/],
      [["specs/mnist-gan.gan", "--model", "G", "--weights", "nope.safetensors", "--noise", "2", "--out", "a.png"], /cannot read nope\.safetensors/],
      [["specs/mnist-gan.gan", "--model", "G", "--weights", w, "--set", "zz=1", "--noise", "2", "--out", "a.png"], /GAN0902/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      assert.equal(r.status, 2, args.join(" "));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    const bad = run("specs/errors/pix2pix-seed003-d.gan", "--model", "D", "--weights", w, "--noise", "1", "--out", "a.png");
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /GAN0101/);
  });
});

// In process (main with captured output) where the CLI's start-up would cost seconds a call.
async function sample(...args: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = "";
  const status = await main(args, { stdout: () => {}, stderr: (x) => void (stderr += x) });
  return { status, stderr };
}

function output(file: string): { shape: readonly number[]; data: Float32Array } {
  return tensor(file, "output");
}

/** Sample i of a batch (shape [N, ...]). */
function item(t: { shape: readonly number[]; data: Float32Array }, i: number): Float32Array {
  const n = t.data.length / t.shape[0]!;
  assert.ok(i < t.shape[0]!, `sample ${i} of ${t.shape[0]}`);
  return t.data.subarray(i * n, (i + 1) * n);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe("gan-sample --checkpoint and --interpolate (a 2-iteration tiny-gan run)", () => {
  const dir = mkdtempSync(join(tmpdir(), "gan-sample-run-"));
  const runDir = join(dir, "run");
  const file = (name: string) => join(dir, name);

  before(() => {
    const r = spawnSync(process.execPath, [join(root, "bin", "gan-train.js"), "test/fixtures/specs/tiny-gan.gan", "--out", runDir, "--backend", "cpu", "--progress", "none", "--iters", "2"], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
  });

  it("--checkpoint RUN_DIR --noise 16 writes an 8-per-row grid of G's 16x16 images, saying which iteration", async () => {
    const png = file("ckpt.png");
    const r = run("--checkpoint", runDir, "--noise", "16", "--seed", "2", "--out", png);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /--model G \(it draws the sample `fake` from noise\)/);
    assert.match(r.stderr, /G from .*last\.safetensors, iteration 2\n/);
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, "png");
    assert.equal(meta.width, 8 * 18 + 2);
    assert.equal(meta.height, 2 * 18 + 2);
  });

  it("gives what SPEC --weights last.safetensors --prefix G. gives; a spec that does not fit the checkpoint is refused", async () => {
    const a = await sample("--checkpoint", runDir, "--noise", "4", "--seed", "1", "--out", file("ckpt.safetensors"));
    assert.equal(a.status, 0, a.stderr);
    const b = await sample(join(runDir, "spec.gan"), "--model", "G", "--weights", join(runDir, "checkpoints", "last.safetensors"), "--prefix", "G.", "--noise", "4", "--seed", "1", "--out", file("weights.safetensors"));
    assert.equal(b.status, 0, b.stderr);
    const x = output(file("ckpt.safetensors"));
    assert.deepEqual(x.shape, [4, 1, 16, 16]);
    assert.deepEqual(x.data, output(file("weights.safetensors")).data);
    // The trained weights, not a fresh initialisation (which --seed would change):
    const d = await sample("--checkpoint", runDir, "--model", "D", "--input", `${file("ckpt.safetensors")}:output`, "--out", file("d.safetensors"));
    assert.equal(d.status, 0, d.stderr);
    assert.deepEqual(output(file("d.safetensors")).shape, [4, 1]);

    // The run's --set values are used: a copy whose spec says w = 2 but whose run.json sets w = 4 still fits.
    const copy = join(dir, "copy");
    cpSync(runDir, copy, { recursive: true });
    writeFileSync(join(copy, "spec.gan"), readFileSync(join(runDir, "spec.gan"), "utf8").replace(/^w = 4$/m, "w = 2"));
    const runJson = JSON.parse(readFileSync(join(runDir, "run.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(copy, "run.json"), JSON.stringify({ ...runJson, set: { w: 4 } }));
    const withSet = await sample("--checkpoint", copy, "--noise", "4", "--seed", "1", "--out", file("copy.safetensors"));
    assert.equal(withSet.status, 0, withSet.stderr);
    assert.deepEqual(output(file("copy.safetensors")).data, x.data);
    writeFileSync(join(copy, "run.json"), JSON.stringify({ ...runJson, set: {} }));
    const without = await sample("--checkpoint", copy, "--noise", "4", "--out", file("bad.safetensors"));
    assert.equal(without.status, 2);
    assert.match(without.stderr, /error GAN0915: .*last\.safetensors does not fit G of .*spec\.gan: the weights do not match the model by name: G\.0\.weight is \[8, 16, 4, 4\], but the model's is \[8, 8, 4, 4\]/);
  });

  it("--interpolate S1,S2,S3: each row walks from one seed's --noise 1 sample to the next's; --slerp too", async () => {
    const plain = new Map<number, Float32Array>();
    for (const seed of [3, 5, 7]) {
      const r = await sample("--checkpoint", runDir, "--noise", "1", "--seed", String(seed), "--out", file(`seed${seed}.safetensors`));
      assert.equal(r.status, 0, r.stderr);
      plain.set(seed, item(output(file(`seed${seed}.safetensors`)), 0));
    }
    const walks: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
    for (const mode of ["linear", "slerp"]) {
      const f = file(`walk-${mode}.safetensors`);
      const r = await sample("--checkpoint", runDir, "--interpolate", "3,5,7", "--steps", "4", ...(mode === "slerp" ? ["--slerp"] : []), "--out", f);
      assert.equal(r.status, 0, r.stderr);
      const w = output(f);
      assert.deepEqual(w.shape, [2 * 4, 1, 16, 16]);
      const [s3, s5, s7] = [plain.get(3)!, plain.get(5)!, plain.get(7)!];
      // After 2 iterations G depends little on z (samples differ by ~1e-3), but it does.
      const apart = maxDiff(s3, s5);
      assert.ok(apart > 1e-4, `different seeds, different samples (${apart})`);
      for (const [i, want] of [[0, s3], [3, s5], [4, s5], [7, s7]] as const) assert.ok(maxDiff(item(w, i), want) <= 1e-6, `${mode} walk, sample ${i}: ${maxDiff(item(w, i), want)}`);
      for (const i of [1, 2]) {
        const [d3, d5] = [maxDiff(item(w, i), s3), maxDiff(item(w, i), s5)];
        assert.ok(d3 > apart / 10 && d5 > apart / 10, `${mode} walk, sample ${i} lies between the ends (${d3}, ${d5} from them)`);
      }
      walks[mode] = w;
    }
    assert.ok(maxDiff(item(walks["linear"]!, 1), item(walks["slerp"]!, 1)) > 1e-6, "--slerp is not the linear walk");

    const png = file("walk.png");
    const r = await sample("--checkpoint", runDir, "--interpolate", "1,2,3,4", "--out", png);
    assert.equal(r.status, 0, r.stderr);
    const meta = await sharp(png).metadata();
    assert.equal(meta.width, 8 * 18 + 2);
    assert.equal(meta.height, 3 * 18 + 2);
    const sized = await sample("--checkpoint", runDir, "--interpolate", "1,2", "--steps", "5", "--out", png);
    assert.equal(sized.status, 0, sized.stderr);
    assert.equal((await sharp(png).metadata()).width, 5 * 18 + 2);
  });

  it("--interpolate with SPEC --weights equals the --checkpoint walk", async () => {
    const f = file("walk-weights.safetensors");
    const r = await sample(join(runDir, "spec.gan"), "--model", "G", "--weights", join(runDir, "checkpoints", "last.safetensors"), "--prefix", "G.", "--interpolate", "3,5,7", "--steps", "4", "--out", f);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(output(f).data, output(file("walk-linear.safetensors")).data);
  });

  it("usage errors exit 2 with a clear line", async () => {
    const notRun = mkdtempSync(join(tmpdir(), "gan-sample-notrun-"));
    writeFileSync(join(notRun, "spec.gan"), readFileSync(join(runDir, "spec.gan")));
    const cases: [string[], RegExp][] = [
      [["--checkpoint", join(dir, "missing"), "--noise", "1", "--out", "a.png"], /--checkpoint .*missing: no such folder/],
      [["--checkpoint", join(runDir, "run.json"), "--noise", "1", "--out", "a.png"], /run\.json: not a folder/],
      [["--checkpoint", notRun, "--noise", "1", "--out", "a.png"], /no run\.json, no checkpoints\/last\.safetensors in it; it is not a gan-train run folder/],
      [["specs/dcgan.gan", "--checkpoint", runDir, "--noise", "1", "--out", "a.png"], /takes the spec from the run folder; drop specs\/dcgan\.gan/],
      [["--checkpoint", runDir, "--weights", "w.safetensors", "--noise", "1", "--out", "a.png"], /--checkpoint RUN_DIR and --weights FILE are alternatives/],
      [["--checkpoint", runDir, "--interpolate", "1,2", "--noise", "2", "--out", "a.png"], /--interpolate .*drop --noise/],
      [["--checkpoint", runDir, "--interpolate", "1,2", "--input", "x.safetensors", "--out", "a.png"], /--interpolate .*drop --input/],
      [["--checkpoint", runDir, "--interpolate", "1,2", "--steps", "1", "--out", "a.png"], /--steps 1: .*at least 2/],
      [["--checkpoint", runDir, "--interpolate", "1", "--out", "a.png"], /at least two seeds/],
      [["--checkpoint", runDir, "--interpolate", "1,x", "--out", "a.png"], /"x" is not a seed/],
      [["--checkpoint", runDir, "--noise", "2", "--steps", "4", "--out", "a.png"], /--steps goes with --interpolate/],
      [["specs/mnist-gan.gan", "--weights", "w.safetensors", "--noise", "2", "--out", "a.png"], /no --model given/],
      [["--noise", "2", "--out", "a.png"], /no spec given \(give SPEC\.gan, or --checkpoint RUN_DIR\)/],
    ];
    for (const [args, message] of cases) {
      const r = await sample(...args);
      assert.equal(r.status, 2, args.join(" "));
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });
});

describe("latent walks and the run's generator", () => {
  it("slerp keeps a Gaussian latent's norm where lerp shrinks it; nearly parallel vectors fall back to lerp", () => {
    const a = new Float32Array([3, 0]);
    const b = new Float32Array([0, 3]);
    const norm = (v: Float32Array) => Math.hypot(...v);
    assert.ok(Math.abs(norm(interpolate(a, b, 0.5, true)) - 3) < 1e-5);
    assert.ok(Math.abs(norm(interpolate(a, b, 0.5, false)) - 3 / Math.SQRT2) < 1e-5);
    const c = new Float32Array([1, 1e-7]);
    const mid = interpolate(new Float32Array([1, 0]), c, 0.5, true);
    assert.ok(mid.every((x) => Number.isFinite(x)));
    assert.deepEqual(interpolate(a, b, 1, true), b);
    const [z] = latentWalk([4, 9], [[8, 1, 1]], 3, false);
    assert.deepEqual(z!.shape, [3, 8, 1, 1]);
    assert.deepEqual(z!.data.subarray(0, 8), new Rng(4).fillNormal(8, 0, 1));
    assert.deepEqual(z!.data.subarray(16, 24), new Rng(9).fillNormal(8, 0, 1));
  });

  it("the generator is the outermost call on noise in the sample value, through named values", () => {
    const z = { kind: "noise", name: "z", shape: [4] } as const;
    const real = { kind: "data", name: "x", shape: [2] } as const;
    const models = [
      { name: "D", inputs: [{ shape: [2] }] },
      { name: "E", inputs: [{ shape: [2] }] },
      { name: "G", inputs: [{ shape: [4] }] },
    ];
    const plan = (sample: string, bindings: TrainPlan["bindings"]) => ({ sample, bindings, noise: [z] }) as unknown as TrainPlan;
    const fake = { name: "fake", value: { kind: "call", model: "G", args: [z], shape: [2] } } as const;
    assert.equal(generatorOf(plan("fake", [fake]), models)?.model, "G");
    const refined = { name: "out", value: { kind: "call", model: "E", args: [{ kind: "ref", name: "fake", shape: [2] }], shape: [2] } } as const;
    assert.equal(generatorOf(plan("out", [fake, refined]), models)?.model, "G");
    // No call on noise: the first model whose inputs are noise-shaped.
    const enc = { name: "enc", value: { kind: "call", model: "E", args: [real], shape: [2] } } as const;
    assert.equal(generatorOf(plan("enc", [enc]), models)?.model, "G");
    assert.equal(generatorOf({ ...plan("enc", [enc]), noise: [] } as TrainPlan, models)?.model, "E");
  });
});
