// An image folder as torchvision's ImageFolder + Resize(S) + CenterCrop(S) + ToTensor +
// Normalize(0.5, 0.5) sees it (seed 001): every jpg / jpeg / png / webp below the folder,
// in sorted path order; each image is turned RGB (grey repeated, alpha dropped, CMYK
// converted), its short side resized to S, centre-cropped to S x S, and scaled to [-1, 1].
// Images are decoded on demand (sharp), a batch at a time, so a 200,000-image folder
// never has to fit in memory; `prefetch` decodes the next batch while one is in use.
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import sharp from "sharp";

export const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp)$/i;

export class DataError extends Error {}

/** Every image file below `root`, sorted; an error names the folder and the fix. */
export function listImages(root: string): string[] {
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new DataError(`${root}: no such folder (give --data a folder of .jpg, .png or .webp images)`);
  }
  if (!st.isDirectory()) throw new DataError(`${root}: not a folder (give --data a folder of .jpg, .png or .webp images)`);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (IMAGE_EXTENSIONS.test(e.name)) out.push(p);
    }
  };
  walk(root);
  out.sort();
  if (out.length === 0) throw new DataError(`${root}: no .jpg, .png or .webp images in this folder or below it`);
  return out;
}

/**
 * Which pictures a folder holds, as "N pictures, HASH" (a hash of their names below it),
 * so that a run can tell its data folder again after it has moved, and notice when
 * pictures were added or removed.
 */
export function picturesFingerprint(root: string, paths: readonly string[] = listImages(root)): string {
  const hash = createHash("sha256");
  for (const p of paths) hash.update(`${relative(root, p)}\n`);
  return `${paths.length} pictures, ${hash.digest("hex").slice(0, 16)}`;
}

/** torchvision's Resize(S) size for a W x H image: the short side becomes S. */
export function resizedSize(w: number, h: number, s: number): [number, number] {
  return w <= h ? [s, Math.floor((s * h) / w)] : [Math.floor((s * w) / h), s];
}

/**
 * One image -> S x S x 3 bytes (HWC), or a DataError naming the file. "short-side-crop":
 * Resize(S) + CenterCrop(S) (bilinear); "bicubic-square": the whole picture to S x S,
 * bicubic, as Resize((S, S), BICUBIC) in seed 003.
 */
export async function loadImage(path: string, size: number, root = "", resize: "short-side-crop" | "bicubic-square" = "short-side-crop"): Promise<Uint8Array> {
  const name = root ? relative(root, path) : path;
  try {
    const img = sharp(path, { failOn: "error" });
    if (resize === "bicubic-square") img.resize(size, size, { fit: "fill", kernel: "cubic" });
    else {
      const meta = await img.metadata();
      if (!meta.width || !meta.height) throw new Error("no size");
      const [w, h] = resizedSize(meta.width, meta.height, size);
      const left = Math.round((w - size) / 2);
      const top = Math.round((h - size) / 2);
      img.resize(w, h, { fit: "fill", kernel: "linear" }).extract({ left, top, width: size, height: size });
    }
    const { data } = await img.toColourspace("srgb").removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (data.length !== size * size * 3) throw new Error(`decoded ${data.length} bytes`);
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (e) {
    throw new DataError(`${name}: cannot read this image (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * One half of a side-by-side pair (pix2pix's aligned pictures, A | B): with w the picture's
 * width, A is columns [0, w / 2) and B [w / 2, w) (w / 2 rounded down, as junyanz's
 * aligned_dataset), resized to size x size (bicubic), RGB bytes HWC.
 */
export async function loadImageHalf(path: string, half: "A" | "B", size: number, root = ""): Promise<Uint8Array> {
  const name = root ? relative(root, path) : path;
  try {
    const meta = await sharp(path, { failOn: "error" }).metadata();
    if (!meta.width || !meta.height) throw new Error("no size");
    if (meta.width < 2) throw new Error(`${meta.width} pixel wide: no A | B halves`);
    const w2 = Math.floor(meta.width / 2);
    const region = half === "A" ? { left: 0, top: 0, width: w2, height: meta.height } : { left: w2, top: 0, width: meta.width - w2, height: meta.height };
    const { data } = await sharp(path, { failOn: "error" })
      .extract(region)
      .resize(size, size, { fit: "fill", kernel: "cubic" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (data.length !== size * size * 3) throw new Error(`decoded ${data.length} bytes`);
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (e) {
    throw new DataError(`${name}: cannot read this picture's ${half} half (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** A batch as NCHW floats in [-1, 1]. */
export function toNchw(images: readonly Uint8Array[], size: number): Float32Array {
  const plane = size * size;
  const out = new Float32Array(images.length * 3 * plane);
  images.forEach((img, n) => {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) out[(n * 3 + c) * plane + p] = img[p * 3 + c]! / 127.5 - 1;
    }
  });
  return out;
}

/** Yields what `next(i)` makes for i = 0, 1, ..., working on the next one in advance. */
export async function* prefetch<T>(count: number, next: (i: number) => Promise<T>): AsyncGenerator<T> {
  let pending: Promise<T> | undefined = count > 0 ? next(0) : undefined;
  for (let i = 0; i < count; i++) {
    const current = pending!;
    pending = i + 1 < count ? next(i + 1) : undefined;
    // Keep a rejection of the prefetched item from surfacing before its turn.
    pending?.catch(() => undefined);
    yield await current;
  }
}
