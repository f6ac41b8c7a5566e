// The data pipelines gan-train draws batches from: a DataPipeline (contracts/train-plan.ts) ->
// a Dataset whose `load` turns example indices into NCHW float batches, one array per
// output the spec binds.
//
// Every source yields size x size bytes per example (HWC, 1 or 3 channels), then:
//   channels  grey -> RGB repeats the plane (torchvision Grayscale(3) / convert('RGB'));
//             RGB -> grey is PIL's convert('L') (ITU-R 601-2 in 16-bit fixed point);
//   flip      RandomHorizontalFlip: one rng.next() per example, in batch order, flipped
//             when < 0.5 (drawn even for sources that ignore it, so rng use is constant);
//   lab       seed 003: RGB -> Lab (scikit-image) -> L/50 - 1 [1,S,S] and ab/110 [2,S,S];
//   otherwise ToTensor + Normalize(0.5, 0.5) into [-1, 1].
// Sources:
//   mnist     the embedded 70,000 digits; at another size each 28x28 digit is resized like
//             torchvision's Resize on a PIL 'L' image (Pillow's resampler, bit-exact:
//             bilinear, or bicubic for resize "bicubic-square"), a batch at a time;
//   images    a folder (--data DIR): listed up front, decoded per batch with sharp;
//             "short-side-crop" = Resize(S) + CenterCrop(S) (loadImage), "bicubic-square"
//             = Resize((S, S), BICUBIC) (sharp's cubic kernel). Unreadable files are skipped
//             with a warning and replaced by the next readable image, or fatal with strict;
//   colour    the built-in procedural pictures (colour.ts).
import { existsSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { DataPipeline } from "../../contracts/train-plan.ts";
import { Rng } from "../random.ts";
import { colourPicture, seasonPicture, winterOf } from "./colour.ts";
import { DataError, listImages, loadImage, loadImageHalf, toNchw } from "./image-folder.ts";
import { rgbBytesToNormalisedLab } from "./lab.ts";
import { loadMnist, type Mnist } from "./mnist.ts";

export interface Dataset {
  /** For the log, e.g. "MNIST, 70,000 embedded images, 28x28 grey". */
  readonly description: string;
  /** Examples per epoch. */
  readonly size: number;
  /** = plan.outputs (PyTorch [C, H, W]). */
  readonly outputs: readonly { name: string; shape: readonly number[] }[];
  /**
   * Examples `indices`, one Float32Array per output, NCHW, concatenated over the batch. rng
   * drives augmentation (flip); same indices + same rng state => same numbers.
   */
  load(indices: readonly number[], rng: Rng): Promise<Float32Array[]>;
  /** Number of unreadable images skipped so far (folder sources). */
  readonly skipped: number;
}

export interface OpenOptions {
  /** An image folder that replaces the plan's base source (--data DIR). */
  dataDir?: string;
  /** An unreadable image is an error instead of being skipped (--strict-data). */
  strict?: boolean;
  /** Where skipped images are reported (default: none). */
  warn?: (message: string) => void;
}

/** Where examples come from: `picture(i)` is size x size bytes, HWC, `channels` per pixel. */
interface Source {
  readonly description: string;
  readonly count: number;
  readonly channels: 1 | 3;
  /** byte -> float, the normalisation the source's reference uses. */
  readonly normalise: Float32Array;
  picture(index: number): Uint8Array | Promise<Uint8Array>;
  readonly skipped: number;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** ToTensor + Normalize(0.5, 0.5), as x / 127.5 - 1. */
const TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 127.5 - 1);
/** The same for MNIST, computed as mnistBatch does ((x / 255 - 0.5) / 0.5), for identical floats. */
const MNIST_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => (v / 255 - 0.5) / 0.5);

let mnistCache: Mnist | undefined;

export async function openDataset(plan: DataPipeline, options: OpenOptions = {}): Promise<Dataset> {
  const S = plan.source.size;
  if (!Number.isInteger(S) || S < 1) throw new DataError(`data size ${S} is not a positive whole number`);
  if (plan.source.kind === "unpaired") return unpairedDataset(plan, options);
  if (plan.source.kind === "paired") return pairedDataset(plan, options);
  const labels = plan.outputs.findIndex((o) => o.classes !== undefined);
  if (labels >= 0) return labelledDataset(plan, labels, options);
  const channels = checkOutputs(plan);
  const source = openSource(plan, options);
  // Lab needs RGB; otherwise the output's channel count.
  const want: 1 | 3 = plan.lab ? 3 : channels;
  const extras = [plan.lab ? "as Lab (L/50 - 1, ab/110)" : "", plan.flip ? "random horizontal flip" : ""].filter(Boolean);
  const colours = want === 1 ? "grey" : source.channels === 1 ? "RGB (grey repeated)" : "RGB";
  const description = [`${source.description} ${colours}`, ...extras].join(", ");
  const plane = S * S;
  const outputs = plan.outputs.map((o) => ({ name: o.name, shape: [...o.shape] }));

  return {
    description,
    size: source.count,
    outputs,
    get skipped() {
      return source.skipped;
    },
    async load(indices: readonly number[], rng: Rng): Promise<Float32Array[]> {
      for (const i of indices) {
        if (!Number.isInteger(i) || i < 0 || i >= source.count) throw new RangeError(`example ${i} is outside 0..${source.count - 1}`);
      }
      // Draw every flip before any decoding, so the rng advances the same whatever happens.
      const flips = indices.map(() => (plan.flip ? rng.next() < 0.5 : false));
      const pictures = await Promise.all(indices.map((i) => source.picture(i)));
      const n = indices.length;
      if (plan.lab) {
        const L = new Float32Array(n * plane);
        const ab = new Float32Array(n * 2 * plane);
        pictures.forEach((raw, k) => {
          let px = toChannels(raw, source.channels, 3);
          if (flips[k]) px = flipHorizontal(px, S, 3);
          const lab = rgbBytesToNormalisedLab(px);
          L.set(lab.L, k * plane);
          const a = k * 2 * plane;
          for (let p = 0; p < plane; p++) {
            ab[a + p] = lab.ab[2 * p]!;
            ab[a + plane + p] = lab.ab[2 * p + 1]!;
          }
        });
        return plan.outputs.map((o) => (o.shape[0] === 1 ? L : ab));
      }
      const out = new Float32Array(n * want * plane);
      const lut = source.normalise;
      pictures.forEach((raw, k) => {
        let px = toChannels(raw, source.channels, want);
        if (flips[k]) px = flipHorizontal(px, S, want);
        const base = k * want * plane;
        for (let c = 0; c < want; c++) {
          const o = base + c * plane;
          for (let p = 0; p < plane; p++) out[o + p] = lut[px[p * want + c]!]!;
        }
      });
      return [out];
    },
  };
}

/** The channel count of the (non-Lab) output; a DataError when the outputs don't fit the plan. */
function checkOutputs(plan: DataPipeline): 1 | 3 {
  const S = plan.source.size;
  const shapes = plan.outputs.map((o) => `${o.name} [${o.shape.join(", ")}]`).join(", ");
  const square = (shape: readonly number[]) => shape.length === 3 && shape[1] === S && shape[2] === S;
  if (plan.lab) {
    const cs = plan.outputs.map((o) => o.shape[0]).sort();
    if (plan.outputs.length !== 2 || cs[0] !== 1 || cs[1] !== 2 || !plan.outputs.every((o) => square(o.shape))) {
      throw new DataError(`Lab data yields L [1, ${S}, ${S}] and ab [2, ${S}, ${S}], but the spec binds ${shapes || "nothing"}`);
    }
    return 3;
  }
  const c = plan.source.channels;
  const only = plan.outputs[0];
  if (plan.outputs.length !== 1 || !only || !square(only.shape) || only.shape[0] !== c) {
    throw new DataError(`this data yields one [${c}, ${S}, ${S}] tensor per example, but the spec binds ${shapes || "nothing"}`);
  }
  return c;
}

function openSource(plan: DataPipeline, options: OpenOptions): Source {
  const src = plan.source;
  if (options.dataDir !== undefined) return folderSource(options.dataDir, plan, options);
  switch (src.kind) {
    case "images":
      throw new DataError("this spec trains on an image folder: pass --data DIR (a folder of .jpg, .png or .webp images)");
    case "mnist":
      return mnistSource(src.size, plan.resize);
    case "colour":
      return colourSource(src.size, src.count);
    case "unpaired":
    case "paired":
      throw new DataError(`${src.kind} data has two sources (openDataset opens them)`);
  }
}

/**
 * `real, y = mnist`: the pictures as the one-output pipeline gives them, and each example's
 * class as a number (a float here; the trainer makes the tensor int32).
 */
async function labelledDataset(plan: DataPipeline, labels: number, options: OpenOptions): Promise<Dataset> {
  if (options.dataDir !== undefined) throw new DataError(`--data ${options.dataDir}: this spec reads class labels (\`${plan.outputs[labels]!.name}\`), which only the embedded MNIST digits have; remove the labels from the data line to train on a folder`);
  const pictures = await openDataset({ ...plan, outputs: plan.outputs.filter((_, i) => i !== labels) }, options);
  const m = (mnistCache ??= loadMnist("all"));
  return {
    description: `${pictures.description}, with their labels`,
    size: pictures.size,
    outputs: plan.outputs.map((o) => ({ name: o.name, shape: [...o.shape] })),
    get skipped() {
      return pictures.skipped;
    },
    async load(indices, rng) {
      const [px] = await pictures.load(indices, rng);
      const y = Float32Array.from(indices, (i) => m.labels[i]!);
      return labels === 0 ? [y, px!] : [px!, y];
    },
  };
}

/**
 * `A, B = unpaired(size = S, load = L)`: CycleGAN's unaligned dataset. Example i is picture
 * i of A (wrapping round) and a random picture of B; each is resized to L x L (bicubic;
 * rendered at L for the built-in pair), cropped at a random place to S x S and flipped at
 * random, as junyanz's resize_and_crop + flip; an epoch is as long as the larger set. Per
 * example the rng gives: B's index, A's crop (x, y) and flip, B's crop and flip.
 */
function unpairedDataset(plan: DataPipeline, options: OpenOptions): Dataset {
  const src = plan.source as Extract<DataPipeline["source"], { kind: "unpaired" }>;
  const S = src.size;
  const L = src.load;
  const open = (domain: "A" | "B"): Source => {
    if (options.dataDir !== undefined) {
      const dir = join(options.dataDir, `train${domain}`);
      return folderSource(dir, { ...plan, source: { ...src, size: L }, resize: "bicubic-square" }, options);
    }
    const season = domain === "A" ? "summer" : "winter";
    return { description: `built-in ${season} scenes, ${fmt(src.count)} procedural pictures`, count: src.count, channels: 3, normalise: TO_UNIT, skipped: 0, picture: (i) => seasonPicture(i, L, season) };
  };
  const a = open("A");
  const b = open("B");
  return {
    description: `unpaired: A ${a.description}, B ${b.description}; ${L === S ? `${S}x${S}` : `resized to ${L}x${L}, random ${S}x${S} crops`}${plan.flip ? ", random horizontal flip" : ""}`,
    size: Math.max(a.count, b.count),
    outputs: plan.outputs.map((o) => ({ name: o.name, shape: [...o.shape] })),
    get skipped() {
      return a.skipped + b.skipped;
    },
    async load(indices, rng) {
      const draws = indices.map(() => {
        const j = Math.min(b.count - 1, Math.floor(rng.next() * b.count));
        return { j, pa: drawPlace(rng, L, S, plan.flip), pb: drawPlace(rng, L, S, plan.flip) };
      });
      const get = async (s: Source, i: number, p: Place) => placed(toChannels(await s.picture(i), s.channels, 3), L, S, p);
      const pa = await Promise.all(indices.map((i, k) => get(a, i % a.count, draws[k]!.pa)));
      const pb = await Promise.all(indices.map((_, k) => get(b, draws[k]!.j, draws[k]!.pb)));
      return [toNchw(pa, S), toNchw(pb, S)];
    },
  };
}

function mnistSource(size: number, resize: DataPipeline["resize"]): Source {
  const m = (mnistCache ??= loadMnist("all"));
  const filter = resize === "bicubic-square" ? BICUBIC : BILINEAR;
  return {
    description: `MNIST, ${fmt(m.count)} embedded images, ${size === 28 ? "28x28" : `resized to ${size}x${size} (${filter === BICUBIC ? "bicubic" : "bilinear"})`}`,
    count: m.count,
    channels: 1,
    normalise: MNIST_TO_UNIT,
    skipped: 0,
    picture(i) {
      const digit = m.images.subarray(i * 784, i * 784 + 784);
      return size === 28 ? digit : resample(digit, 28, 28, size, size, filter);
    },
  };
}

function colourSource(size: number, count: number): Source {
  if (!Number.isInteger(count) || count < 1) throw new DataError(`the colour set needs a positive picture count, not ${count}`);
  return {
    description: `built-in colour scenes, ${fmt(count)} procedural pictures, ${size}x${size}`,
    count,
    channels: 3,
    normalise: TO_UNIT,
    skipped: 0,
    picture: (i) => colourPicture(i, size),
  };
}

function folderSource(dir: string, plan: DataPipeline, options: OpenOptions): Source {
  const size = plan.source.size;
  const paths = listImages(dir);
  const bad = new Set<number>();
  let skipped = 0;
  const warn = options.warn ?? (() => undefined);
  const read = (path: string) => loadImage(path, size, dir, plan.resize);
  const label = dir.endsWith("/") ? dir : `${dir}/`;
  return {
    description: `${label} (${fmt(paths.length)} images), ${plan.resize === "bicubic-square" ? "bicubic resize to " : ""}${size}x${size}`,
    count: paths.length,
    channels: 3,
    normalise: TO_UNIT,
    get skipped() {
      return skipped;
    },
    async picture(i) {
      // Image i, or when it can't be read, the next readable one (wrapping round).
      for (let k = 0; k < paths.length; k++) {
        const j = (i + k) % paths.length;
        if (bad.has(j)) continue;
        const path = paths[j]!;
        try {
          return await read(path);
        } catch (e) {
          if (!(e instanceof DataError)) throw e;
          if (options.strict) throw new DataError(`${e.message} (or run without --strict-data to skip unreadable images)`);
          if (!bad.has(j)) {
            bad.add(j);
            skipped++;
            const name = relative(dir, path);
            const reason = e.message.startsWith(`${name}: `) ? e.message.slice(name.length + 2) : e.message;
            warn(`skipping ${name}: ${reason}`);
          }
        }
      }
      throw new DataError(`${dir}: none of its ${fmt(paths.length)} images can be read`);
    },
  };
}

/**
 * `A, B = paired(size = S, load = L)`: pix2pix's aligned data. Example i is pair i: the
 * built-in scene i and its winter (rendered at L), or with --data DIR the pictures of
 * DIR/A and DIR/B with the same name, or a picture of DIR with A and B side by side (A
 * the left half; DIR/train when there is one, as junyanz's layout). Both are resized to
 * L x L (bicubic), cropped at the same random place to S x S and flipped together; per
 * example the rng gives the crop (x, y), then the flip.
 */
function pairedDataset(plan: DataPipeline, options: OpenOptions): Dataset {
  const src = plan.source as Extract<DataPipeline["source"], { kind: "paired" }>;
  const S = src.size;
  const L = src.load;
  let count: number;
  let description: string;
  let pair: (i: number) => Promise<[Uint8Array, Uint8Array]>;
  const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
  if (options.dataDir === undefined) {
    count = src.count;
    description = `paired: built-in scenes and their winters, ${fmt(count)} pairs, ${L}x${L}`;
    pair = async (i) => {
      const summer = colourPicture(i, L);
      return [summer, winterOf(summer)];
    };
  } else if (isDir(join(options.dataDir, "A")) && isDir(join(options.dataDir, "B"))) {
    const dirA = join(options.dataDir, "A");
    const dirB = join(options.dataDir, "B");
    const paths = listImages(dirA);
    // every A needs its B: checked up front, so a missing one is named before training
    for (const p of paths) {
      const other = join(dirB, relative(dirA, p));
      if (!existsSync(other)) throw new DataError(`${relative(options.dataDir, other)}: no such picture, the pair of ${relative(options.dataDir, p)} (DIR/A and DIR/B hold pictures of the same names)`);
    }
    count = paths.length;
    description = `paired: ${options.dataDir.replace(/\/$/, "")}/A and /B (${fmt(count)} pairs of the same names), resized to ${L}x${L}`;
    pair = async (i) => [await loadImage(paths[i]!, L, options.dataDir, "bicubic-square"), await loadImage(join(dirB, relative(dirA, paths[i]!)), L, options.dataDir, "bicubic-square")];
  } else {
    const dir = isDir(join(options.dataDir, "train")) ? join(options.dataDir, "train") : options.dataDir;
    const paths = listImages(dir);
    count = paths.length;
    description = `paired: ${dir.replace(/\/$/, "")}/ (${fmt(count)} pictures, A | B side by side), resized to ${L}x${L}`;
    pair = async (i) => [await loadImageHalf(paths[i]!, "A", L, dir), await loadImageHalf(paths[i]!, "B", L, dir)];
  }
  return {
    description: `${description}${L === S ? "" : `, random ${S}x${S} crops`}${plan.flip ? ", random horizontal flip" : ""}`,
    size: count,
    outputs: plan.outputs.map((o) => ({ name: o.name, shape: [...o.shape] })),
    // a pair that can't be read is an error naming the file (a pair can't be replaced by another)
    skipped: 0,
    async load(indices, rng) {
      for (const i of indices) if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`example ${i} is outside 0..${count - 1}`);
      const places = indices.map(() => drawPlace(rng, L, S, plan.flip));
      const pairs = await Promise.all(indices.map((i) => pair(i)));
      // A and B at the same place
      return [0, 1].map((side) => toNchw(pairs.map((ab, k) => placed(ab[side]!, L, S, places[k]!)), S));
    },
  };
}

/** Where a random crop of an L x L picture to S x S lies, and whether it is flipped. */
interface Place {
  readonly x: number;
  readonly y: number;
  readonly flip: boolean;
}

/** A crop's place from the rng: x, y, then (with `flip`) the flip, as junyanz's transforms draw them. */
function drawPlace(rng: Rng, L: number, S: number, flip: boolean): Place {
  const x = Math.floor(rng.next() * (L - S + 1));
  const y = Math.floor(rng.next() * (L - S + 1));
  return { x, y, flip: flip ? rng.next() < 0.5 : false };
}

/** An L x L RGB picture (HWC bytes) cropped to S x S at `p`, mirrored when p.flip. */
function placed(px: Uint8Array, L: number, S: number, p: Place): Uint8Array {
  let out = px;
  if (L !== S) {
    out = new Uint8Array(S * S * 3);
    for (let y = 0; y < S; y++) out.set(px.subarray(((y + p.y) * L + p.x) * 3, ((y + p.y) * L + p.x + S) * 3), y * S * 3);
  }
  return p.flip ? flipHorizontal(out, S, 3) : out;
}

/** HWC bytes with `from` channels -> `to` channels: grey repeated, or PIL's convert('L'). */
export function toChannels(px: Uint8Array, from: 1 | 3, to: 1 | 3): Uint8Array {
  if (from === to) return px;
  if (from === 1) {
    const out = new Uint8Array(px.length * 3);
    for (let p = 0; p < px.length; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = px[p]!;
    return out;
  }
  const n = px.length / 3;
  const out = new Uint8Array(n);
  // Pillow's Convert.c: L24(rgb) = r*19595 + g*38470 + b*7471 + 0x8000, then >> 16.
  for (let p = 0; p < n; p++) out[p] = (px[3 * p]! * 19595 + px[3 * p + 1]! * 38470 + px[3 * p + 2]! * 7471 + 0x8000) >>> 16;
  return out;
}

/** A size x size HWC picture mirrored left-right (a new array). */
export function flipHorizontal(px: Uint8Array, size: number, channels: number): Uint8Array {
  const out = new Uint8Array(px.length);
  const row = size * channels;
  for (let y = 0; y < size; y++) {
    const r = y * row;
    for (let x = 0; x < size; x++) {
      const from = r + x * channels;
      const to = r + (size - 1 - x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = px[from + c]!;
    }
  }
  return out;
}

// ---- Pillow's resampler (libImaging/Resample.c) for one 8-bit band --------------------

interface Filter {
  readonly support: number;
  readonly f: (x: number) => number;
}
const BILINEAR: Filter = { support: 1, f: (x) => ((x = Math.abs(x)) < 1 ? 1 - x : 0) };
const BICUBIC: Filter = {
  support: 2,
  f: (x) => {
    const a = -0.5;
    x = Math.abs(x);
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
  },
};
const PRECISION_BITS = 32 - 8 - 2;

/** precompute_coeffs + normalize_coeffs_8bpc: per output pixel, the first input and fixed-point weights. */
function coefficients(inSize: number, outSize: number, filter: Filter): { ksize: number; bounds: Int32Array; kk: Int32Array } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = filter.f((x + xmin - center + 0.5) * ss);
      ww += w[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x]! / ww : w[x]!;
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(v: number): number {
  if (v >= 255 * (1 << PRECISION_BITS)) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** PIL Image.resize((outW, outH), BILINEAR or BICUBIC) of an 'L' image (w x h bytes, row-major). */
export function pilResize(src: Uint8Array, w: number, h: number, outW: number, outH: number, filter: "bilinear" | "bicubic" = "bilinear"): Uint8Array {
  return resample(src, w, h, outW, outH, filter === "bicubic" ? BICUBIC : BILINEAR);
}

/** Horizontal pass, then vertical, rounded to 8 bits in between, as Pillow does. */
function resample(src: Uint8Array, w: number, h: number, outW: number, outH: number, filter: Filter): Uint8Array {
  let cur = src;
  if (outW !== w) {
    const { ksize, bounds, kk } = coefficients(w, outW, filter);
    const tmp = new Uint8Array(outW * h);
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2]!;
        const n = bounds[xx * 2 + 1]!;
        let ss = 1 << (PRECISION_BITS - 1);
        for (let x = 0; x < n; x++) ss += cur[y * w + xmin + x]! * kk[xx * ksize + x]!;
        tmp[y * outW + xx] = clip8(ss);
      }
    }
    cur = tmp;
  }
  if (outH !== h) {
    const { ksize, bounds, kk } = coefficients(h, outH, filter);
    const tmp = new Uint8Array(outW * outH);
    for (let yy = 0; yy < outH; yy++) {
      const ymin = bounds[yy * 2]!;
      const n = bounds[yy * 2 + 1]!;
      for (let x = 0; x < outW; x++) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let y = 0; y < n; y++) ss += cur[(ymin + y) * outW + x]! * kk[yy * ksize + y]!;
        tmp[yy * outW + x] = clip8(ss);
      }
    }
    cur = tmp;
  }
  return cur === src ? src.slice() : cur;
}

/**
 * A shuffled order of 0..size-1 for one epoch (Fisher-Yates), the same for the same size,
 * epoch and seed, so a resumed run draws the same batches.
 */
export function epochOrder(size: number, epoch: number, seed: number): Uint32Array {
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  const rng = new Rng((seed ^ Math.imul(epoch, 0x9e3779b1)) >>> 0);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
