// The feature extractors of the quality score: pictures (NCHW floats in [-1, 1], PyTorch
// order, any channel count and size) -> one feature vector per picture.
//  - `mnist`: the project's MNIST classifier (scripts/train-classifier.py trained it; its
//    weights are mnist-classifier.safetensors here): pictures made grey (the mean of their
//    channels) and resized to 28 x 28, its 64 penultimate features (after ReLU). Used when
//    the data is MNIST: FLD, KID and the class the classifier sees.
//  - `random`: a fixed, seeded random-weight conv net (three 4x4 stride-2 convolutions with
//    ReLU on pictures resized to 64 x 64, then the mean over positions: 128 features). Its
//    KID compares runs on the same data only: a relative score.
// gan_runtime.py (runtime/torch/) computes the same features with PyTorch.
import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { CLASSIFIER_FILE } from "./classifier-file.ts";
import { readSafetensors, readSafetensorsMetadata } from "../io/safetensors.ts";
import { conv2d, flatten, linear } from "../nn/functional.ts";
import { mixSeed } from "../train/round.ts";
import { Rng } from "../random.ts";

/** Pictures in PyTorch order: [n, C, H, W], values in [-1, 1]. */
export interface Pictures {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

export interface Features {
  /** n x dim, row-major, float64 (the statistics are taken in double precision). */
  readonly data: Float64Array;
  readonly n: number;
  readonly dim: number;
}

export { CLASSIFIER_FILE } from "./classifier-file.ts";

/** Pictures per forward pass: bounds the memory of scoring 10,000 samples. */
const CHUNK = 500;

/**
 * Bilinear resize to size x size (PyTorch's F.interpolate(mode="bilinear",
 * align_corners=False), no antialiasing): source (dst + 0.5) · in / out − 0.5, clamped at 0.
 * With `grey`, the channels are averaged first.
 */
export function resizePictures(p: Pictures, size: number, grey: boolean): Pictures {
  const [n, c0, h, w] = p.shape;
  const c = grey ? 1 : c0;
  const taps = (inSize: number) => {
    const lo = new Int32Array(size);
    const hi = new Int32Array(size);
    const f = new Float64Array(size);
    const scale = inSize / size;
    for (let o = 0; o < size; o++) {
      const src = Math.max((o + 0.5) * scale - 0.5, 0);
      const i0 = Math.min(Math.floor(src), inSize - 1);
      lo[o] = i0;
      hi[o] = Math.min(i0 + 1, inSize - 1);
      f[o] = src - i0;
    }
    return { lo, hi, f };
  };
  const ty = taps(h);
  const tx = taps(w);
  const out = new Float32Array(n * c * size * size);
  const plane = new Float64Array(h * w);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      if (grey) {
        plane.fill(0);
        for (let k = 0; k < c0; k++) {
          const base = (i * c0 + k) * h * w;
          for (let q = 0; q < h * w; q++) plane[q]! += p.data[base + q]! / c0;
        }
      } else {
        const base = (i * c0 + ch) * h * w;
        for (let q = 0; q < h * w; q++) plane[q] = p.data[base + q]!;
      }
      const dst = (i * c + ch) * size * size;
      if (h === size && w === size) {
        for (let q = 0; q < size * size; q++) out[dst + q] = plane[q]!;
        continue;
      }
      for (let y = 0; y < size; y++) {
        const r0 = ty.lo[y]! * w;
        const r1 = ty.hi[y]! * w;
        const fy = ty.f[y]!;
        for (let x = 0; x < size; x++) {
          const c0x = tx.lo[x]!;
          const c1x = tx.hi[x]!;
          const fx = tx.f[x]!;
          const top = plane[r0 + c0x]! + (plane[r0 + c1x]! - plane[r0 + c0x]!) * fx;
          const bottom = plane[r1 + c0x]! + (plane[r1 + c1x]! - plane[r1 + c0x]!) * fx;
          out[dst + y * size + x] = top + (bottom - top) * fy;
        }
      }
    }
  }
  return { data: out, shape: [n, c, size, size] };
}

/** Runs `net` over the pictures in chunks; collects its features as float64 rows (read without blocking a GPU). */
async function collect(p: Pictures, dim: number, net: (x: tf.Tensor4D) => Promise<tf.Tensor2D>): Promise<Features> {
  const [n, c, h, w] = p.shape;
  const data = new Float64Array(n * dim);
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    const x = tf.tidy(() => tf.tensor4d(p.data.subarray(i * c * h * w, (i + m) * c * h * w), [m, c, h, w]).transpose<tf.Tensor4D>([0, 2, 3, 1]));
    const rows = await net(x);
    x.dispose();
    data.set((await rows.data()) as Float32Array, i * dim);
    rows.dispose();
  }
  return { data, n, dim };
}

interface Classifier {
  readonly weights: Readonly<Record<string, tf.Tensor>>;
  /** The convolutions' biases as numbers, by layer index. */
  readonly biases: Readonly<Record<number, Float32Array>>;
  /** The root mean square of the test digits' features: the scores take features / rms. */
  readonly rms: number;
}

let loaded: Classifier | undefined;

/** The committed classifier (loaded once, kept for the process). */
function classifier(): Classifier {
  if (loaded === undefined) {
    const bytes = readFileSync(CLASSIFIER_FILE);
    const tensors = readSafetensors(bytes, CLASSIFIER_FILE);
    const rms = Number(readSafetensorsMetadata(bytes, CLASSIFIER_FILE)["feature_rms"]);
    if (!(rms > 0)) throw new Error(`${CLASSIFIER_FILE} has no feature_rms: rerun scripts/train-classifier.py`);
    const bias = (i: number) => tensors.find((t) => t.name === `${i}.bias`)!.data;
    loaded = { weights: Object.fromEntries(tensors.map((t) => [t.name, tf.keep(tf.tensor(t.data, [...t.shape]))])), biases: { 0: bias(0), 3: bias(3) }, rms };
  }
  return loaded;
}

/**
 * ReLU(MaxPool2d(2)(y) + bias) of a convolution's output y (NHWC, no bias yet): the same as
 * MaxPool2d(ReLU(y + bias)) (the bias is one number per channel, ReLU is monotone), in one
 * pass over y. Plain loops: TF.js's CPU backend takes ten times longer for ReLU and pooling
 * than the native convolutions that precede them.
 */
async function poolBiasRelu(y: tf.Tensor4D, bias: Float32Array): Promise<tf.Tensor4D> {
  const [n, h, w, c] = y.shape;
  const src = (await y.data()) as Float32Array;
  const oh = h >> 1;
  const ow = w >> 1;
  const out = new Float32Array(n * oh * ow * c);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < oh; r++) {
      const row0 = ((i * h + 2 * r) * w) * c;
      const row1 = row0 + w * c;
      for (let q = 0; q < ow; q++) {
        const a = row0 + 2 * q * c;
        const b = row1 + 2 * q * c;
        for (let k = 0; k < c; k++) {
          const m = Math.max(src[a + k]!, src[a + c + k]!, src[b + k]!, src[b + c + k]!) + bias[k]!;
          out[o++] = m > 0 ? m : 0;
        }
      }
    }
  }
  return tf.tensor4d(out, [n, oh, ow, c]);
}

/** The classifier on grey 28 x 28 pictures (NHWC): its 64 features (divided by their rms) and 10 class scores. */
async function classify(x: tf.Tensor4D): Promise<{ features: tf.Tensor2D; logits: tf.Tensor2D }> {
  const { weights: w, rms, biases } = classifier();
  const conv = async (t: tf.Tensor4D, i: number) => {
    const y = conv2d(t, w[`${i}.weight`] as tf.Tensor4D, null, { stride: [1, 1], padding: [2, 2], dilation: [1, 1] });
    try {
      return await poolBiasRelu(y, biases[i]!);
    } finally {
      y.dispose();
    }
  };
  const a = await conv(x, 0);
  const b = await conv(a, 3);
  a.dispose();
  const out = tf.tidy(() => {
    const features = tf.relu(linear(flatten(b), w["7.weight"] as tf.Tensor2D, w["7.bias"] as tf.Tensor1D));
    return { features: features.div<tf.Tensor2D>(rms), logits: linear(features, w["9.weight"] as tf.Tensor2D, w["9.bias"] as tf.Tensor1D) };
  });
  b.dispose();
  return out;
}

/** The classifier's features of MNIST-like pictures (any size and channel count). */
export function mnistFeatures(p: Pictures): Promise<Features> {
  return collect(resizePictures(p, 28, true), 64, async (x) => {
    const { features, logits } = await classify(x);
    logits.dispose();
    return features;
  });
}

/** The class the classifier sees in each picture. */
export async function mnistClasses(p: Pictures): Promise<Int32Array> {
  const q = resizePictures(p, 28, true);
  const scores = await collect(q, 10, async (x) => {
    const { features, logits } = await classify(x);
    features.dispose();
    return logits;
  });
  const out = new Int32Array(scores.n);
  for (let i = 0; i < scores.n; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (scores.data[i * 10 + k]! > scores.data[i * 10 + best]!) best = k;
    out[i] = best;
  }
  return out;
}

/** The random net's layers: [out, in] channels; 4x4 kernels, stride 2, padding 1. */
const RANDOM_LAYERS = [32, 64, 128] as const;
export const RANDOM_SIZE = 64;

/**
 * The random net's weights for `channels` input channels, in PyTorch's layout ([out, in,
 * 4, 4], filled in that order), uniform in ±sqrt(6 / fan_in) from the seeded generator;
 * biases 0. gan_runtime.random_net draws the same numbers.
 */
export function randomNetWeights(channels: number): Float32Array[] {
  const rng = new Rng(mixSeed(0, `random features ${channels}`));
  let cin = channels;
  return RANDOM_LAYERS.map((cout) => {
    const bound = Math.sqrt(6 / (cin * 16));
    const w = rng.fillUniform(cout * cin * 16, -bound, bound);
    cin = cout;
    return w;
  });
}

const randomNets = new Map<number, tf.Tensor4D[]>();

/** The random net's weights as tensors for `channels` input channels: drawn once per process. */
function randomNet(channels: number): tf.Tensor4D[] {
  let ws = randomNets.get(channels);
  if (ws === undefined) {
    let cin = channels;
    ws = randomNetWeights(channels).map((w, i) => {
      const t = tf.keep(tf.tensor4d(w, [RANDOM_LAYERS[i]!, cin, 4, 4]));
      cin = RANDOM_LAYERS[i]!;
      return t;
    });
    randomNets.set(channels, ws);
  }
  return ws;
}

/** Features of the fixed random-weight net: a relative score's features for any pictures. */
export function randomFeatures(p: Pictures): Promise<Features> {
  const ws = randomNet(p.shape[1]);
  return collect(resizePictures(p, RANDOM_SIZE, false), 128, async (x) =>
    tf.tidy(() => {
      let h = x;
      for (const w of ws) h = tf.relu(conv2d(h, w, null, { stride: [2, 2], padding: [1, 1], dilation: [1, 1] }));
      return h.mean([1, 2]) as tf.Tensor2D;
    }),
  );
}
