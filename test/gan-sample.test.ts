// gan-sample as a user runs it: PyTorch weights in, the model's output out, compared with
// what PyTorch computed (test/fixtures/reference/), and clear errors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { readSafetensors } from "../runtime/io/safetensors.ts";

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
    const r = run("specs/mnist-gan.gan", "--model", "D", "--weights", `${ref}/mnist_mlp_forward.safetensors`, "--prefix", "D.", "--input", `${out}/gz.safetensors:output`, "--out", file);
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
