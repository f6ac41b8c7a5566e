// Image grids like torchvision's make_grid(padding=2, pad_value=0): a batch [N, C, H, W]
// in [-1, 1] (tanh outputs) tiled 8 per row, written as PNG with sharp.
import sharp from "sharp";

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

export async function writeGrid(path: string, b: Batch, perRow = 8, padding = 2): Promise<void> {
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
  await sharp(pixels, { raw: { width: W, height: H, channels: 3 } }).png().toFile(path);
}
