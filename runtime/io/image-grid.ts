// Image grids like torchvision's make_grid(padding=2, pad_value=0): a batch [N, C, H, W]
// in [-1, 1] (tanh outputs) tiled 8 per row, written as PNG with sharp.
import sharp from "sharp";
import { writeFileAtomic } from "./atomic.ts";

export class ImageGridError extends Error {
  override name = "ImageGridError";
}

export interface Batch {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A vector batch [N, F] as images when F is C·S·S for C in 1 or 3 (e.g. MNIST's 784). */
export function asImages(b: Batch): { n: number; c: number; h: number; w: number } {
  if (b.shape.length === 4) {
    const [n, c, h, w] = b.shape as [number, number, number, number];
    if (c !== 1 && c !== 3) throw new ImageGridError(`the output has ${c} channels; only 1 (grey) or 3 (RGB) can be shown as a picture: write .safetensors instead`);
    return { n, c, h, w };
  }
  if (b.shape.length === 2) {
    const [n, f] = b.shape as [number, number];
    for (const c of [1, 3]) {
      const s = Math.round(Math.sqrt(f / c));
      if (s * s * c === f) return { n, c, h: s, w: s };
    }
  }
  throw new ImageGridError(`an output of shape [${b.shape.join(", ")}] is not a batch of images: write .safetensors instead`);
}

/** The grid's pixels: interleaved RGB bytes, W x H. */
export function gridPixels(b: Batch, perRow = 8, padding = 2): { pixels: Uint8Array; width: number; height: number } {
  const { n, c, h, w } = asImages(b);
  const cols = Math.min(perRow, n);
  const rows = Math.ceil(n / cols);
  const W = cols * (w + padding) + padding;
  const H = rows * (h + padding) + padding;
  const pixels = new Uint8Array(W * H * 3);
  for (let i = 0; i < n; i++) {
    const x0 = padding + (i % cols) * (w + padding);
    const y0 = padding + Math.floor(i / cols) * (h + padding);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < 3; ch++) {
          const v = b.data[((i * c + (c === 1 ? 0 : ch)) * h + y) * w + x]!;
          const u = Math.min(1, Math.max(0, (v + 1) / 2));
          pixels[((y0 + y) * W + x0 + x) * 3 + ch] = Math.round(u * 255);
        }
      }
    }
  }
  return { pixels, width: W, height: H };
}

/** Writes the grid as a PNG, atomically (a reader never sees half a file). */
export async function writeGrid(path: string, b: Batch, perRow = 8, padding = 2): Promise<void> {
  const { pixels, width, height } = gridPixels(b, perRow, padding);
  const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
  writeFileAtomic(path, png);
}

/** Two grids side by side with a gap (seed 001's "real images" | "fake images"). */
export async function writeSideBySide(path: string, left: Batch, right: Batch, perRow = 8): Promise<void> {
  const a = gridPixels(left, perRow);
  const b = gridPixels(right, perRow);
  const gap = 16;
  const width = a.width + gap + b.width;
  const height = Math.max(a.height, b.height);
  const png = await sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite([
      { input: Buffer.from(a.pixels), raw: { width: a.width, height: a.height, channels: 3 }, left: 0, top: 0 },
      { input: Buffer.from(b.pixels), raw: { width: b.width, height: b.height, channels: 3 }, left: a.width + gap, top: 0 },
    ])
    .png()
    .toBuffer();
  writeFileAtomic(path, png);
}
