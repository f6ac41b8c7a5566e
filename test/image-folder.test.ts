// Image folders (groundwork for gan-train): listing, Resize + CenterCrop geometry as
// torchvision computes it, colour handling, [-1, 1] scaling, bad files named, prefetch.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import sharp from "sharp";
import { DataError, listImages, loadImage, prefetch, resizedSize, toNchw } from "../runtime/data/image-folder.ts";

const root = mkdtempSync(join(tmpdir(), "images-"));

before(async () => {
  mkdirSync(join(root, "cats", "deep"), { recursive: true });
  // A wide red image with a blue right half, a grey PNG, an RGBA webp, a text file.
  const wide = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) wide.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
  await sharp(wide, { raw: { width: 40, height: 20, channels: 3 } }).png().toFile(join(root, "cats", "a.png"));
  await sharp(Buffer.alloc(16 * 16, 128), { raw: { width: 16, height: 16, channels: 1 } }).jpeg().toFile(join(root, "cats", "deep", "b.jpg"));
  await sharp(Buffer.alloc(8 * 8 * 4, 200), { raw: { width: 8, height: 8, channels: 4 } }).webp().toFile(join(root, "c.webp"));
  writeFileSync(join(root, "notes.txt"), "not an image");
  writeFileSync(join(root, "broken.png"), "this is not a png");
});

describe("image folders", () => {
  it("lists images recursively, sorted, ignoring other files", () => {
    assert.deepEqual(listImages(root).map((p) => p.slice(root.length + 1)), ["broken.png", "c.webp", "cats/a.png", "cats/deep/b.jpg"]);
  });

  it("a missing or empty folder is an error naming it", () => {
    assert.throws(() => listImages(join(root, "nope")), (e: unknown) => e instanceof DataError && /nope: no such folder/.test(e.message));
    const empty = mkdtempSync(join(tmpdir(), "empty-"));
    assert.throws(() => listImages(empty), /no \.jpg, \.png or \.webp images/);
  });

  it("Resize(S) keeps the aspect ratio like torchvision (short side S, long side truncated)", () => {
    assert.deepEqual(resizedSize(40, 20, 8), [16, 8]);
    assert.deepEqual(resizedSize(178, 218, 64), [64, 78]);
  });

  it("resize + centre crop + RGB + [-1, 1]", async () => {
    const wide = await loadImage(join(root, "cats", "a.png"), 8);
    assert.equal(wide.length, 8 * 8 * 3);
    // 40x20 -> 16x8, centre crop 8x8 = columns 4..11: left half red, right half blue.
    assert.deepEqual([...wide.subarray(0, 3)], [255, 0, 0]);
    assert.deepEqual([...wide.subarray(7 * 3, 8 * 3)], [0, 0, 255]);
    const grey = await loadImage(join(root, "cats", "deep", "b.jpg"), 8);
    assert.ok(Math.abs(grey[0]! - grey[1]!) <= 1 && Math.abs(grey[0]! - 128) <= 3, "grey repeated in R, G and B");
    const rgba = await loadImage(join(root, "c.webp"), 8);
    assert.equal(rgba.length, 8 * 8 * 3, "alpha dropped");
    const x = toNchw([wide], 8);
    assert.equal(x[0], 1);
    assert.equal(x[64 * 2], -1);
  });

  it("an unreadable image is named", async () => {
    await assert.rejects(loadImage(join(root, "broken.png"), 8, root), (e: unknown) => e instanceof DataError && /^broken\.png: cannot read this image/.test(e.message));
  });

  it("prefetch yields in order and works one ahead", async () => {
    const started: number[] = [];
    const seen: number[] = [];
    for await (const v of prefetch(4, async (i) => {
      started.push(i);
      return i * 10;
    })) {
      seen.push(v);
      assert.ok(started.length >= Math.min(seen.length + 1, 4), "the next item is already being made");
    }
    assert.deepEqual(seen, [0, 10, 20, 30]);
  });
});
