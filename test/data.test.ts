// Data for training (groundwork for gan-train): the embedded MNIST and the seed's Lab colour
// pipeline, the latter against scikit-image (test/fixtures/reference/lab.safetensors).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { labToRgb, normalisedLabToRgb, rgbBytesToNormalisedLab, rgbToLab } from "../runtime/data/lab.ts";
import { loadMnist, mnistBatch } from "../runtime/data/mnist.ts";
import { readSafetensors } from "../runtime/io/safetensors.ts";

describe("embedded MNIST", () => {
  it("has the original 70,000 images and labels", () => {
    const all = loadMnist("all");
    assert.equal(all.count, 70_000);
    assert.equal(all.images.length, 70_000 * 784);
    const train = loadMnist("train");
    assert.equal(train.count, 60_000);
    // The well-known first training labels of the original MNIST.
    assert.deepEqual([...train.labels.subarray(0, 8)], [5, 0, 4, 1, 9, 2, 1, 3]);
    const counts = new Array<number>(10).fill(0);
    for (const l of all.labels) counts[l]!++;
    assert.ok(counts.every((c) => c > 6000 && c < 8000), String(counts));
  });

  it("batches are normalised to [-1, 1] like Normalize((0.5,), (0.5,))", () => {
    const m = loadMnist("test");
    const b = mnistBatch(m, [0, 1]);
    assert.equal(b.length, 2 * 784);
    assert.equal(Math.min(...b), -1);
    assert.equal(Math.max(...b), 1);
    assert.equal(b[0], m.images[0]! / 127.5 - 1);
  });
});

describe("Lab colour (scikit-image rgb2lab / lab2rgb, seed 003's normalisation)", () => {
  const t = new Map(readSafetensors(readFileSync(new URL("./fixtures/reference/lab.safetensors", import.meta.url))).map((x) => [x.name, x]));
  const rgb = t.get("rgb_uint8")!;
  const n = rgb.data.length / 3;

  it("rgb2lab and the round trip match scikit-image", () => {
    const lab = t.get("lab")!.data;
    const back = t.get("rgb_roundtrip_float")!.data;
    let worstLab = 0;
    let worstBack = 0;
    for (let p = 0; p < n; p++) {
      const [L, a, b] = rgbToLab(rgb.data[3 * p]! / 255, rgb.data[3 * p + 1]! / 255, rgb.data[3 * p + 2]! / 255);
      worstLab = Math.max(worstLab, Math.abs(L - lab[3 * p]!), Math.abs(a - lab[3 * p + 1]!), Math.abs(b - lab[3 * p + 2]!));
      const [r, g, bl] = labToRgb(lab[3 * p]!, lab[3 * p + 1]!, lab[3 * p + 2]!);
      worstBack = Math.max(worstBack, Math.abs(r - back[3 * p]!), Math.abs(g - back[3 * p + 1]!), Math.abs(bl - back[3 * p + 2]!));
    }
    assert.ok(worstLab < 1e-3, `Lab differs by ${worstLab}`);
    assert.ok(worstBack < 1e-4, `round trip differs by ${worstBack}`);
  });

  it("L / 50 - 1 and ab / 110, and back to RGB", () => {
    const bytes = Uint8Array.from(rgb.data);
    const { L, ab } = rgbBytesToNormalisedLab(bytes);
    const Lref = t.get("L_norm")!.data;
    const abRef = t.get("ab_norm")!.data;
    let worst = 0;
    for (let p = 0; p < n; p++) worst = Math.max(worst, Math.abs(L[p]! - Lref[p]!), Math.abs(ab[2 * p]! - abRef[2 * p]!), Math.abs(ab[2 * p + 1]! - abRef[2 * p + 1]!));
    assert.ok(worst < 1e-5, `normalised Lab differs by ${worst}`);
    const back = normalisedLabToRgb(L, ab);
    let worstRgb = 0;
    for (let i = 0; i < back.length; i++) worstRgb = Math.max(worstRgb, Math.abs(back[i]! * 255 - bytes[i]!));
    assert.ok(worstRgb < 0.5, `RGB round trip off by ${worstRgb} levels`);
  });
});
