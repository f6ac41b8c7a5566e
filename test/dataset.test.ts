// gan-train's data pipelines (runtime/data/dataset.ts): MNIST at its own size and resized,
// the built-in colour scenes, seed 003's Lab outputs, image folders (bad files skipped or
// fatal), random flips, and the per-epoch shuffle.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import sharp from "sharp";
import type { DataPlan, DataSource } from "../contracts/train-plan.ts";
import { colourPicture } from "../runtime/data/colour.ts";
import { epochOrder, openDataset, pilResize } from "../runtime/data/dataset.ts";
import { DataError } from "../runtime/data/image-folder.ts";
import { normalisedLabToRgb } from "../runtime/data/lab.ts";
import { loadMnist, mnistBatch } from "../runtime/data/mnist.ts";
import { Rng } from "../runtime/random.ts";

function plan(source: DataSource, more: Partial<DataPlan> = {}): DataPlan {
  const S = source.size;
  const outputs = more.lab
    ? [
        { name: "L", shape: [1, S, S] },
        { name: "ab", shape: [2, S, S] },
      ]
    : [{ name: "x", shape: [source.channels, S, S] }];
  return { source, lab: false, flip: false, resize: "short-side-crop", outputs, line: 1, col: 1, ...more };
}

const range = (a: Float32Array) => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi] as const;
};

/** Half-pixel bilinear with clamped edges, in floats: what PIL's upscaling computes, before rounding. */
function bilinearRef(src: Uint8Array, n: number, m: number): Float64Array {
  const out = new Float64Array(m * m);
  const at = (x: number, y: number) => src[Math.min(n - 1, Math.max(0, y)) * n + Math.min(n - 1, Math.max(0, x))]!;
  const s = n / m;
  for (let y = 0; y < m; y++) {
    const fy = (y + 0.5) * s - 0.5;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    for (let x = 0; x < m; x++) {
      const fx = (x + 0.5) * s - 0.5;
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      out[y * m + x] =
        (1 - ty) * ((1 - tx) * at(x0, y0) + tx * at(x0 + 1, y0)) + ty * ((1 - tx) * at(x0, y0 + 1) + tx * at(x0 + 1, y0 + 1));
    }
  }
  return out;
}

describe("MNIST", () => {
  const m = loadMnist("all");
  const idx = [0, 1, 59_999, 60_000, 69_999];

  it("at 28x28 gives exactly mnistBatch's numbers, grey or repeated in RGB", async () => {
    const ref = mnistBatch(m, idx);
    const grey = await openDataset(plan({ kind: "mnist", size: 28, channels: 1, channelsGiven: true }));
    assert.equal(grey.size, 70_000);
    assert.match(grey.description, /MNIST, 70,000 embedded images, 28x28 grey/);
    const [g] = await grey.load(idx, new Rng(1));
    assert.deepEqual(g, ref);
    const rgb = await openDataset(plan({ kind: "mnist", size: 28, channels: 3, channelsGiven: true }));
    const [c] = await rgb.load(idx, new Rng(1));
    assert.equal(c!.length, idx.length * 3 * 784);
    for (let k = 0; k < idx.length; k++) {
      for (let ch = 0; ch < 3; ch++) {
        assert.deepEqual(c!.subarray((k * 3 + ch) * 784, (k * 3 + ch + 1) * 784), ref.subarray(k * 784, (k + 1) * 784));
      }
    }
  });

  it("resized to 64x64 like a PIL bilinear resize, grey or RGB", async () => {
    const ds = await openDataset(plan({ kind: "mnist", size: 64, channels: 1, channelsGiven: true }));
    assert.match(ds.description, /resized to 64x64/);
    const [g] = await ds.load(idx, new Rng(1));
    assert.equal(g!.length, idx.length * 64 * 64);
    const [lo, hi] = range(g!);
    assert.ok(lo >= -1 && hi <= 1 && lo < -0.99 && hi > 0.9, `${lo} ${hi}`);
    idx.forEach((i, k) => {
      const ref = bilinearRef(m.images.subarray(i * 784, i * 784 + 784), 28, 64);
      for (let p = 0; p < 64 * 64; p++) {
        const v = (g![k * 4096 + p]! + 1) * 127.5;
        assert.ok(Math.abs(v - ref[p]!) <= 1.01, `image ${i} pixel ${p}: ${v} vs ${ref[p]}`);
      }
    });
    const [c] = await (await openDataset(plan({ kind: "mnist", size: 64, channels: 3, channelsGiven: true }))).load(idx, new Rng(1));
    assert.equal(c!.length, idx.length * 3 * 4096);
    for (let k = 0; k < idx.length; k++) {
      for (let ch = 0; ch < 3; ch++) assert.deepEqual(c!.subarray((k * 3 + ch) * 4096, (k * 3 + ch + 1) * 4096), g!.subarray(k * 4096, (k + 1) * 4096));
    }
  });

  it("bicubic resize keeps ramps and overshoots at edges (Keys, a = -0.5)", () => {
    const ramp = new Uint8Array(28 * 28);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) ramp[y * 28 + x] = 20 + 8 * x;
    const up = pilResize(ramp, 28, 28, 56, 56, "bicubic");
    // Interior output x samples input position (x + 0.5) / 2 - 0.5, where the ramp is linear.
    for (let x = 4; x < 52; x++) assert.ok(Math.abs(up[10 * 56 + x]! - (20 + 8 * ((x + 0.5) / 2 - 0.5))) <= 1, `x ${x}: ${up[10 * 56 + x]}`);
    const step = new Uint8Array(28 * 28);
    for (let y = 0; y < 28; y++) for (let x = 14; x < 28; x++) step[y * 28 + x] = 200;
    assert.ok(Math.max(...pilResize(step, 28, 28, 64, 64, "bicubic")) > 200, "bicubic rings past the edge");
    assert.equal(Math.max(...pilResize(step, 28, 28, 64, 64, "bilinear")), 200, "bilinear does not");
  });

  it("outputs that the source can't fill are an error", async () => {
    const bad = { ...plan({ kind: "mnist", size: 28, channels: 1, channelsGiven: true }), outputs: [{ name: "x", shape: [3, 28, 28] }] };
    await assert.rejects(openDataset(bad), (e: unknown) => e instanceof DataError && /\[1, 28, 28\]/.test(e.message));
    const wrongSize = { ...plan({ kind: "mnist", size: 28, channels: 1, channelsGiven: true }), outputs: [{ name: "x", shape: [1, 32, 32] }] };
    await assert.rejects(openDataset(wrongSize), DataError);
  });
});

describe("colour scenes", () => {
  it("are deterministic per index, differ between indices, and look like sky over ground", () => {
    const S = 64;
    for (let i = 0; i < 20; i++) {
      const a = colourPicture(i, S);
      assert.equal(a.length, S * S * 3);
      assert.deepEqual(colourPicture(i, S), a);
      const mean = (y: number, c: number) => {
        let s = 0;
        for (let x = 0; x < S; x++) s += a[(y * S + x) * 3 + c]!;
        return s / S;
      };
      assert.ok(mean(0, 2) > mean(0, 0) + 40, `picture ${i}: the top row is blue sky`);
      assert.ok(mean(S - 1, 2) < mean(S - 1, 1), `picture ${i}: the bottom row is ground`);
      let lo = 255;
      let hi = 0;
      for (const v of a) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      assert.ok(hi - lo > 100, `picture ${i} has contrast`);
    }
    assert.notDeepEqual(colourPicture(0, S), colourPicture(1, S));
  });

  it("as a dataset: [3,S,S] in [-1, 1], the pictures' bytes", async () => {
    const ds = await openDataset(plan({ kind: "colour", size: 32, channels: 3, count: 500 }));
    assert.equal(ds.size, 500);
    assert.equal(ds.skipped, 0);
    const [x] = await ds.load([7, 499], new Rng(3));
    assert.equal(x!.length, 2 * 3 * 32 * 32);
    const [lo, hi] = range(x!);
    assert.ok(lo >= -1 && hi <= 1 && hi - lo > 0.5);
    const pic = colourPicture(499, 32);
    for (let p = 0; p < 32 * 32; p++) for (let c = 0; c < 3; c++) assert.equal(x![(3 + c) * 1024 + p], Math.fround(pic[p * 3 + c]! / 127.5 - 1));
    assert.deepEqual((await ds.load([7, 499], new Rng(3)))[0], x);
    await assert.rejects(ds.load([500], new Rng(3)), RangeError);
  });
});

describe("Lab outputs (seed 003)", () => {
  it("L/50 - 1 [1,S,S] and ab/110 [2,S,S] that round-trip to the RGB bytes", async () => {
    const S = 32;
    const p = plan({ kind: "colour", size: S, channels: 3, count: 100 }, { lab: true });
    // Bound in the opposite order too: the arrays follow the names' shapes.
    const swapped = { ...p, outputs: [p.outputs[1]!, p.outputs[0]!] };
    const ds = await openDataset(p);
    assert.match(ds.description, /Lab/);
    const idx = [3, 42];
    const [L, ab] = await ds.load(idx, new Rng(0));
    const [ab2, L2] = await (await openDataset(swapped)).load(idx, new Rng(0));
    assert.deepEqual(L2, L);
    assert.deepEqual(ab2, ab);
    assert.equal(L!.length, 2 * S * S);
    assert.equal(ab!.length, 2 * 2 * S * S);
    const [llo, lhi] = range(L!);
    assert.ok(llo >= -1 && lhi <= 1 && lhi - llo > 0.5, `L ${llo}..${lhi}`);
    const [alo, ahi] = range(ab!);
    assert.ok(alo >= -1.2 && ahi <= 1.2 && ahi - alo > 0.2, `ab ${alo}..${ahi}`);
    idx.forEach((i, k) => {
      const plane = S * S;
      const inter = new Float32Array(2 * plane);
      for (let q = 0; q < plane; q++) {
        inter[2 * q] = ab![k * 2 * plane + q]!;
        inter[2 * q + 1] = ab![k * 2 * plane + plane + q]!;
      }
      const rgb = normalisedLabToRgb(L!.subarray(k * plane, (k + 1) * plane), inter);
      const want = colourPicture(i, S);
      let worst = 0;
      for (let q = 0; q < rgb.length; q++) worst = Math.max(worst, Math.abs(rgb[q]! * 255 - want[q]!));
      assert.ok(worst <= 1.5, `picture ${i}: off by ${worst} levels`);
    });
  });

  it("grey digits have no colour", async () => {
    const p = plan({ kind: "mnist", size: 28, channels: 1, channelsGiven: true }, { lab: true });
    const [L, ab] = await (await openDataset(p)).load([0], new Rng(0));
    const [lo, hi] = range(L!);
    assert.ok(lo < -0.99 && hi > 0.99);
    assert.ok(range(ab!).every((v) => Math.abs(v) < 0.01));
  });

  it("the wrong outputs for Lab are an error", async () => {
    const p = plan({ kind: "colour", size: 16, channels: 3, count: 10 }, { lab: true, outputs: [{ name: "x", shape: [3, 16, 16] }] });
    await assert.rejects(openDataset(p), (e: unknown) => e instanceof DataError && /Lab/.test(e.message));
  });
});

describe("random horizontal flip", () => {
  it("draws one number per example, mirrors exactly those under 0.5, and repeats with the same seed", async () => {
    const S = 16;
    const src = { kind: "colour", size: S, channels: 3, count: 64 } as const;
    const idx = Array.from({ length: 16 }, (_, i) => i * 3);
    const plain = (await (await openDataset(plan(src))).load(idx, new Rng(9)))[0]!;
    const ds = await openDataset(plan(src, { flip: true }));
    assert.match(ds.description, /flip/);
    const rng = new Rng(1234);
    const [a] = await ds.load(idx, rng);
    const [b] = await ds.load(idx, new Rng(1234));
    assert.deepEqual(a, b);
    const expectRng = new Rng(1234);
    const flips = idx.map(() => expectRng.next() < 0.5);
    assert.equal(rng.seedState, expectRng.seedState, "exactly one draw per example");
    assert.ok(flips.includes(true) && flips.includes(false));
    const per = 3 * S * S;
    flips.forEach((f, k) => {
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < S; y++) {
          for (let x = 0; x < S; x++) {
            const got = a![k * per + c * S * S + y * S + x];
            const src = plain[k * per + c * S * S + y * S + (f ? S - 1 - x : x)];
            if (got !== src) assert.fail(`example ${k} (flip ${f}) channel ${c} at ${x},${y}`);
          }
        }
      }
    });
    const still = new Rng(5);
    await (await openDataset(plan(src))).load(idx, still);
    assert.equal(still.seedState, new Rng(5).seedState, "no flip, no draws");
  });
});

describe("image folders", () => {
  const root = mkdtempSync(join(tmpdir(), "dataset-"));
  const dir = join(root, "photos");
  const colourBands: [number, number, number][] = [
    [0, 255, 0],
    [255, 0, 0],
    [0, 0, 255],
    [255, 255, 0],
  ];

  before(async () => {
    mkdirSync(join(dir, "sub"), { recursive: true });
    // 40x20: four 10-pixel bands, green | red | blue | yellow.
    const wide = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) wide.set(colourBands[Math.floor(x / 10)]!, (y * 40 + x) * 3);
    await sharp(wide, { raw: { width: 40, height: 20, channels: 3 } }).png().toFile(join(dir, "a.png"));
    const solid = Buffer.alloc(16 * 16 * 3);
    for (let p = 0; p < 256; p++) solid.set([200, 100, 50], p * 3);
    await sharp(solid, { raw: { width: 16, height: 16, channels: 3 } }).jpeg({ quality: 95 }).toFile(join(dir, "b.jpg"));
    writeFileSync(join(dir, "sub", "c.png"), "this is not a png");
  });

  const images = (size: number, channels: 1 | 3 = 3) => plan({ kind: "images", size, channels, channelsGiven: true });
  const bytes = (x: Float32Array, i: number) => Math.round((x[i]! + 1) * 127.5);

  it("skips an unreadable image with one warning, counts it, and keeps the batch full", async () => {
    const warnings: string[] = [];
    const ds = await openDataset(images(8), { dataDir: dir, warn: (m) => warnings.push(m) });
    assert.equal(ds.size, 3);
    assert.match(ds.description, /photos\/ \(3 images\), 8x8 RGB/);
    const [x] = await ds.load([2, 0, 1], new Rng(0));
    assert.equal(x!.length, 3 * 3 * 64);
    assert.equal(ds.skipped, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^skipping sub\/c\.png: cannot read this image/);
    // The bad one (sub/c.png, the last) is replaced by the next readable image, wrapping round: a.png.
    assert.deepEqual(x!.subarray(0, 192), x!.subarray(192, 384));
    const [again] = await ds.load([2, 2], new Rng(0));
    assert.deepEqual(again!.subarray(0, 192), x!.subarray(0, 192));
    assert.equal(ds.skipped, 1);
    assert.equal(warnings.length, 1, "warned once per file");
  });

  it("with strict, an unreadable image is a DataError naming it", async () => {
    const ds = await openDataset(images(8), { dataDir: dir, strict: true });
    await ds.load([0, 1], new Rng(0));
    await assert.rejects(
      ds.load([0, 2], new Rng(0)),
      (e: unknown) => e instanceof DataError && /sub\/c\.png: cannot read this image.*\(or run without --strict-data to skip unreadable images\)/.test(e.message),
    );
  });

  it("short side + centre crop, or the whole picture bicubic-resized to a square", async () => {
    const rgbAt = (x: Float32Array, px: number) => [0, 1, 2].map((c) => bytes(x, c * 64 + px));
    const near = (got: number[], want: readonly number[], tol: number) => got.every((v, c) => Math.abs(v - want[c]!) <= tol);
    // 40x20 -> 16x8, columns 4..11 kept (input x 10..30): red then blue, no green or yellow.
    const [crop] = await (await openDataset(images(8), { dataDir: dir })).load([0], new Rng(0));
    assert.ok(near(rgbAt(crop!, 4 * 8 + 1), colourBands[1]!, 12), String(rgbAt(crop!, 4 * 8 + 1)));
    assert.ok(near(rgbAt(crop!, 4 * 8 + 6), colourBands[2]!, 12), String(rgbAt(crop!, 4 * 8 + 6)));
    assert.ok(rgbAt(crop!, 4 * 8)[1]! < 128 && rgbAt(crop!, 4 * 8 + 7)[1]! < 128, "no green or yellow");
    const sq = { ...images(8), resize: "bicubic-square" as const };
    const ds = await openDataset(sq, { dataDir: dir });
    assert.match(ds.description, /bicubic/);
    const [whole] = await ds.load([0], new Rng(0));
    assert.ok(near(rgbAt(whole!, 4 * 8), colourBands[0]!, 12), String(rgbAt(whole!, 4 * 8)));
    assert.ok(near(rgbAt(whole!, 4 * 8 + 7), colourBands[3]!, 12), String(rgbAt(whole!, 4 * 8 + 7)));
  });

  it("one channel is PIL's convert('L') of the RGB picture", async () => {
    const [rgb] = await (await openDataset(images(8, 3), { dataDir: dir })).load([0, 1], new Rng(0));
    const ds = await openDataset(images(8, 1), { dataDir: dir });
    assert.match(ds.description, /8x8 grey/);
    const [grey] = await ds.load([0, 1], new Rng(0));
    assert.equal(grey!.length, 2 * 64);
    for (let k = 0; k < 2; k++) {
      for (let p = 0; p < 64; p++) {
        const c = (ch: number) => bytes(rgb!, k * 192 + ch * 64 + p);
        // ITU-R 601-2, rounded to the nearest level (Pillow's fixed point rounds; it never truncates).
        const want = (c(0) * 299 + c(1) * 587 + c(2) * 114) / 1000;
        const got = bytes(grey!, k * 64 + p);
        assert.ok(Math.abs(got - want) <= 0.5 + 1e-9, `image ${k} pixel ${p}: ${got} vs ${want}`);
      }
    }
  });

  it("a folder replaces the plan's MNIST when given", async () => {
    const ds = await openDataset(plan({ kind: "mnist", size: 8, channels: 3, channelsGiven: true }), { dataDir: dir, warn: () => undefined });
    assert.equal(ds.size, 3);
  });

  it("a folder where nothing can be read is an error", async () => {
    const broken = join(root, "broken");
    mkdirSync(broken);
    writeFileSync(join(broken, "x.jpg"), "no");
    writeFileSync(join(broken, "y.png"), "no");
    const warnings: string[] = [];
    const ds = await openDataset(images(8), { dataDir: broken, warn: (m) => warnings.push(m) });
    await assert.rejects(ds.load([0], new Rng(0)), (e: unknown) => e instanceof DataError && /none of its 2 images can be read/.test(e.message));
    assert.equal(warnings.length, 2);
  });

  it("a missing or empty folder, or no folder for an image spec, is an error", async () => {
    await assert.rejects(openDataset(images(8), { dataDir: join(root, "nope") }), (e: unknown) => e instanceof DataError && /nope: no such folder/.test(e.message));
    const empty = join(root, "empty");
    mkdirSync(empty);
    await assert.rejects(openDataset(images(8), { dataDir: empty }), (e: unknown) => e instanceof DataError && /no \.jpg, \.png or \.webp images/.test(e.message));
    await assert.rejects(openDataset(images(8)), (e: unknown) => e instanceof DataError && /--data DIR/.test(e.message));
  });
});

describe("epochOrder", () => {
  it("is a permutation, the same for the same epoch and seed, different between epochs", () => {
    const n = 1000;
    const a = epochOrder(n, 0, 7);
    assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i));
    assert.deepEqual(epochOrder(n, 0, 7), a);
    const b = epochOrder(n, 1, 7);
    assert.deepEqual([...b].sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i));
    assert.notDeepEqual(b, a);
    assert.notDeepEqual(epochOrder(n, 0, 8), a);
    let fixed = 0;
    for (let i = 0; i < n; i++) if (a[i] === i) fixed++;
    assert.ok(fixed < 20, `${fixed} fixed points: shuffled`);
    assert.deepEqual([...epochOrder(1, 3, 7)], [0]);
    assert.equal(epochOrder(0, 3, 7).length, 0);
  });
});

describe("labels with the digits (`real, y = mnist`)", () => {
  it("each example's class, in the order of the pictures, and only with the embedded digits", async () => {
    const m = loadMnist("all");
    const p = plan({ kind: "mnist", size: 28, channels: 1, channelsGiven: false }, { outputs: [{ name: "real", shape: [1, 28, 28] }, { name: "y", shape: [], classes: 10 }] });
    const ds = await openDataset(p);
    assert.equal(ds.size, 70000);
    const idx = [0, 1, 59999, 60000, 69999];
    const [px, y] = await ds.load(idx, new Rng(1));
    assert.deepEqual([...y!], idx.map((i) => m.labels[i]!));
    const plain = (await (await openDataset(plan({ kind: "mnist", size: 28, channels: 1, channelsGiven: false }))).load(idx, new Rng(1)))[0]!;
    assert.deepEqual(px, plain);
    await assert.rejects(openDataset(p, { dataDir: tmpdir() }), (e: Error) => e instanceof DataError && /only the embedded MNIST digits have/.test(e.message));
  });
});

describe("unpaired data (`A, B = unpaired(...)`)", () => {
  const unpaired = (size: number, load: number, flip = false, count = 20): DataPlan =>
    plan({ kind: "unpaired", size, load, channels: 3, count }, { flip, resize: "bicubic-square", outputs: [{ name: "A", shape: [3, size, size] }, { name: "B", shape: [3, size, size] }] });

  it("built in: summer scenes (the colour set) for A, winter ones from other indices for B", async () => {
    const { seasonPicture } = await import("../runtime/data/colour.ts");
    assert.deepEqual(seasonPicture(3, 16, "summer"), colourPicture(3, 16));
    const winter = seasonPicture(3, 16, "winter");
    assert.notDeepEqual(winter, colourPicture(3, 16));
    // winter is paler: less saturated on average than summer
    const sat = (px: Uint8Array) => {
      let s = 0;
      for (let i = 0; i < px.length; i += 3) s += Math.max(px[i]!, px[i + 1]!, px[i + 2]!) - Math.min(px[i]!, px[i + 1]!, px[i + 2]!);
      return s / (px.length / 3);
    };
    let summer = 0;
    let cold = 0;
    for (let i = 0; i < 20; i++) {
      summer += sat(seasonPicture(i, 16, "summer"));
      cold += sat(seasonPicture(i, 16, "winter"));
    }
    assert.ok(cold < 0.6 * summer, `winter saturation ${cold / 20}, summer ${summer / 20}`);
    const ds = await openDataset(unpaired(16, 16));
    assert.equal(ds.size, 20);
    const [a, b] = await ds.load([0, 5], new Rng(2));
    const expectA = Float32Array.from([...colourPicture(0, 16), ...colourPicture(5, 16)].map((v) => v / 127.5 - 1));
    // NCHW: compare picture 0's first channel plane with the HWC bytes' red values
    for (let p = 0; p < 256; p++) assert.equal(a![p], expectA[p * 3]);
    assert.equal(b!.length, 2 * 3 * 256);
  });

  it("random crops of load x load, random flips, drawn from the rng (the same rng, the same batch)", async () => {
    const ds = await openDataset(unpaired(12, 16, true));
    const one = await ds.load([1, 2, 3], new Rng(9));
    const two = await ds.load([1, 2, 3], new Rng(9));
    assert.deepEqual(one, two);
    const other = await ds.load([1, 2, 3], new Rng(10));
    assert.notDeepEqual(one[0], other[0]);
    // every A crop is a 12 x 12 window of the 16 x 16 picture, maybe mirrored
    const full = colourPicture(1, 16);
    const a = one[0]!.subarray(0, 3 * 144);
    let found = false;
    for (let y = 0; y <= 4 && !found; y++) {
      for (let x = 0; x <= 4 && !found; x++) {
        for (const mirror of [false, true]) {
          let same = true;
          for (let r = 0; r < 12 && same; r++) {
            for (let c = 0; c < 12 && same; c++) {
              const sx = mirror ? x + 11 - c : x + c;
              same = a[r * 12 + c] === Math.fround(full[((y + r) * 16 + sx) * 3]! / 127.5 - 1);
            }
          }
          if (same) found = true;
        }
      }
    }
    assert.ok(found, "A's first picture is a (mirrored) 12 x 12 window of picture 1");
  });

  it("--data DIR: DIR/trainA and DIR/trainB, an epoch as long as the larger set; a missing set is an error naming it", async () => {
    const root = mkdtempSync(join(tmpdir(), "unpaired-"));
    mkdirSync(join(root, "trainA"));
    mkdirSync(join(root, "trainB"));
    const px = Buffer.alloc(8 * 8 * 3, 120);
    for (let i = 0; i < 3; i++) await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(root, "trainA", `a${i}.png`));
    for (let i = 0; i < 5; i++) await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(root, "trainB", `b${i}.png`));
    const ds = await openDataset(unpaired(8, 8), { dataDir: root });
    assert.equal(ds.size, 5);
    assert.match(ds.description, /trainA.*3 images.*trainB.*5 images/);
    const [a, b] = await ds.load([4], new Rng(1)); // A wraps round: picture 4 % 3
    assert.equal(a!.length, 192);
    assert.equal(b!.length, 192);
    const lonely = mkdtempSync(join(tmpdir(), "unpaired-"));
    mkdirSync(join(lonely, "trainA"));
    await sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(lonely, "trainA", "a.png"));
    await assert.rejects(openDataset(unpaired(8, 8), { dataDir: lonely }), (e: Error) => e instanceof DataError && e.message.includes("trainB"));
  });
});

describe("paired data (`A, B = paired(...)`)", () => {
  const paired = (size: number, load: number, flip = false, count = 10): DataPlan =>
    plan({ kind: "paired", size, load, channels: 3, count }, { flip, resize: "bicubic-square", outputs: [{ name: "A", shape: [3, size, size] }, { name: "B", shape: [3, size, size] }] });
  const byte = (x: Float32Array, i: number) => Math.round((x[i]! + 1) * 127.5);

  it("built in: each scene and its own winter, cropped at the same place and flipped together", async () => {
    const { winterOf } = await import("../runtime/data/colour.ts");
    const ds = await openDataset(paired(16, 16));
    const [a, b] = await ds.load([4], new Rng(1));
    const summer = colourPicture(4, 16);
    const winter = winterOf(summer);
    for (let p = 0; p < 256; p++) {
      assert.equal(byte(a!, p), summer[p * 3]);
      assert.equal(byte(b!, p), winter[p * 3]);
    }
    // crops and flips: B stays the winter of A, pixel for pixel
    const cropped = await openDataset(paired(12, 16, true));
    for (const seed of [1, 2, 3, 4]) {
      const [ca, cb] = await cropped.load([0, 1, 2], new Rng(seed));
      const again = winterOf(
        Uint8Array.from(
          Array.from({ length: ca!.length / 3 }, (_, j) => {
            const k = Math.floor(j / 144);
            const p = j % 144;
            return [byte(ca!, k * 432 + p), byte(ca!, k * 432 + 144 + p), byte(ca!, k * 432 + 288 + p)];
          }).flat(),
        ),
      );
      for (let j = 0; j < ca!.length / 3; j++) {
        const k = Math.floor(j / 144);
        const p = j % 144;
        assert.equal(byte(cb!, k * 432 + p), again[j * 3], `seed ${seed}, example ${k}, pixel ${p}`);
      }
    }
  });

  it("--data DIR with A/ and B/: the pictures of the same names; a missing pair is an error naming it", async () => {
    const root = mkdtempSync(join(tmpdir(), "paired-"));
    mkdirSync(join(root, "A"));
    mkdirSync(join(root, "B"));
    const solid = (v: number) => sharp(Buffer.alloc(8 * 8 * 3, v), { raw: { width: 8, height: 8, channels: 3 } }).png();
    await solid(10).toFile(join(root, "A", "x.png"));
    await solid(200).toFile(join(root, "B", "x.png"));
    await solid(60).toFile(join(root, "A", "y.png"));
    await solid(90).toFile(join(root, "B", "y.png"));
    const ds = await openDataset(paired(8, 8), { dataDir: root });
    assert.equal(ds.size, 2);
    const [a, b] = await ds.load([0, 1], new Rng(1));
    assert.deepEqual([byte(a!, 0), byte(b!, 0), byte(a!, 192), byte(b!, 192)], [10, 200, 60, 90]);
    await solid(30).toFile(join(root, "A", "z.png"));
    await assert.rejects(openDataset(paired(8, 8), { dataDir: root }), (e: Error) => e instanceof DataError && /B\/z\.png: no such picture, the pair of A\/z\.png/.test(e.message));
  });

  it("--data DIR of side-by-side pictures (DIR/train when there is one): A the left half, B the right", async () => {
    const root = mkdtempSync(join(tmpdir(), "aligned-"));
    mkdirSync(join(root, "train"));
    const w = 16;
    const px = Buffer.alloc(w * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < w; x++) px.set(x < 8 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
    await sharp(px, { raw: { width: w, height: 8, channels: 3 } }).png().toFile(join(root, "train", "ab.png"));
    const ds = await openDataset(paired(8, 8), { dataDir: root });
    assert.equal(ds.size, 1);
    assert.match(ds.description, /train\/ \(1 pictures, A \| B side by side\)/);
    const [a, b] = await ds.load([0], new Rng(1));
    // NCHW: the red plane of A is 255, of B 0; blue the other way round
    assert.deepEqual([byte(a!, 0), byte(a!, 128), byte(b!, 0), byte(b!, 128)], [255, 0, 0, 255]);
  });
});
