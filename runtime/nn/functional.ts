// PyTorch's layer semantics on TensorFlow.js tensors. Activations inside the runtime are
// channels-last (images NHWC, [C, L] as [N, L, C], vectors [N, F]); weights keep PyTorch's
// layout (conv [out, in, kH, kW], convT [in, out, kH, kW], linear [out, in]) so that loading
// and saving state_dicts needs no transposes. Every function here is differentiable with
// TF.js's autodiff and uses only ops whose gradients TF.js supports (no dilated conv2d,
// no conv2dTranspose with padding): dilation and transposition are expressed exactly as
// zero-insertion, padding or cropping, and a stride-1 or strided plain convolution.
import * as tf from "@tensorflow/tfjs";
import { backendHas, BN_APPLY, BN_GRAD, BN_STATS, CONV, CONV_DX, DROPOUT_MASK, LINEAR } from "../kernels/native-kernels.ts";
import "../kernels/register.ts";
import { dropoutMaskValues } from "../random.ts";

export type Pair = readonly [number, number];

export interface ConvOptions {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
}

export interface ConvTransposeOptions extends ConvOptions {
  readonly outputPadding: Pair;
}

/** [kH, kW, in, out] with D-1 zeros between taps: a dilated kernel as a plain one. */
function dilateKernel(w: tf.Tensor4D, d: Pair): tf.Tensor4D {
  if (d[0] === 1 && d[1] === 1) return w;
  const [kh, kw, ci, co] = w.shape;
  return spreadMiddle(w.reshape([1, kh, kw, ci * co]), d).reshape([(kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1, ci, co]);
}

/**
 * [A, H, W, B] -> [A, (H-1)S+1, (W-1)S+1, B] with S-1 zeros between neighbours of H and of
 * W. Pads of rank 4 only (TF.js's WebGPU backend cannot compile a pad of rank 6).
 */
function spreadMiddle(x: tf.Tensor4D, s: Pair): tf.Tensor4D {
  const [a, h, w, b] = x.shape;
  const rows = x
    .reshape([a, h, 1, w * b])
    .pad([
      [0, 0],
      [0, 0],
      [0, s[0] - 1],
      [0, 0],
    ])
    .reshape([a * h * s[0], w, 1, b])
    .pad([
      [0, 0],
      [0, 0],
      [0, s[1] - 1],
      [0, 0],
    ])
    .reshape([a, h * s[0], w * s[1], b]);
  return rows.slice([0, 0, 0, 0], [a, (h - 1) * s[0] + 1, (w - 1) * s[1] + 1, b]) as tf.Tensor4D;
}

/** Pads (positive) or crops (negative) H and W of an NHWC tensor, per side. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let y = x;
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = y.pad([
      [0, 0],
      [Math.max(top, 0), Math.max(bottom, 0)],
      [Math.max(left, 0), Math.max(right, 0)],
      [0, 0],
    ]);
  }
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = y.shape;
    const t = Math.max(-top, 0);
    const l = Math.max(-left, 0);
    y = y.slice([0, t, l, 0], [n, h - t - Math.max(-bottom, 0), w - l - Math.max(-right, 0), c]);
  }
  return y;
}

/**
 * The geometry of the native kernels' convolution x [N, H, W, C] -> y [N, OH, OW, O] with
 * the filter [O, C, KH, KW] (runtime/kernels/native-kernels.ts, CONV).
 */
function convGeometry(x: readonly number[], y: readonly number[], filter: readonly number[], o: ConvOptions): number[] {
  return [x[0]!, x[1]!, x[2]!, x[3]!, y[1]!, y[2]!, y[3]!, filter[2]!, filter[3]!, o.stride[0], o.stride[1], o.padding[0], o.padding[1], o.dilation[0], o.dilation[1]];
}

/** Conv2d: x NHWC, weight [out, in, kH, kW], bias [out] or null. */
export function conv2d(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D | null, o: ConvOptions): tf.Tensor4D {
  return tf.tidy(() => {
    if (backendHas(CONV) && x.dtype === "float32" && weight.dtype === "float32") {
      // The native kernels read the weight in PyTorch's layout, dilation included.
      const [n, h, w] = x.shape;
      const [co, , kh, kw] = weight.shape;
      const out = (size: number, k: number, i: 0 | 1) => Math.floor((size + 2 * o.padding[i] - o.dilation[i] * (k - 1) - 1) / o.stride[i]) + 1;
      const geometry = convGeometry(x.shape, [n, out(h, kh, 0), out(w, kw, 1), co], weight.shape, o);
      const y = tf.engine().runKernel(CONV, { x, w: weight }, { geometry }) as tf.Tensor4D;
      return bias ? y.add(bias) : y;
    }
    const w = dilateKernel(weight.transpose<tf.Tensor4D>([2, 3, 1, 0]), o.dilation);
    // Zero padding as the convolution's own explicit padding: no padded copy of x, and
    // no slice of the gradient back to x's size.
    const [ph, pw] = o.padding;
    const pad: tf.backend_util.ExplicitPadding = [[0, 0], [ph, ph], [pw, pw], [0, 0]];
    const y = tf.conv2d(x, w, [o.stride[0], o.stride[1]], ph === 0 && pw === 0 ? "valid" : pad);
    return bias ? y.add(bias) : y;
  });
}

/** Inserts S-1 zeros between pixels: [N, H, W, C] -> [N, (H-1)S+1, (W-1)S+1, C]. */
function spreadPixels(x: tf.Tensor4D, s: Pair): tf.Tensor4D {
  if (s[0] === 1 && s[1] === 1) return x;
  return spreadMiddle(x, s);
}

/**
 * ConvTranspose2d: x NHWC, weight [in, out, kH, kW]. The transposed convolution is a plain
 * stride-1 convolution of the zero-spread input with the flipped kernel, padded by
 * D(K-1) - P on each side and by the output padding at the bottom and right (negative
 * amounts crop): out = (H-1)S - 2P + D(K-1) + OP + 1, exactly PyTorch's size and values.
 */
export function convTranspose2d(
  x: tf.Tensor4D,
  weight: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  o: ConvTransposeOptions,
): tf.Tensor4D {
  if (backendHas(CONV_DX) && x.dtype === "float32" && weight.dtype === "float32") {
    // The gradient of the convolution that maps the output back to x, whose filter
    // [in, out, kH, kW] is exactly this weight; every tap lands where PyTorch puts it
    // (output row = input row · S - P + kh · D), so output padding and dilation need nothing.
    return tf.tidy(() => {
      const [n, h, w] = x.shape;
      const [, co, kh, kw] = weight.shape;
      const out = (size: number, k: number, i: 0 | 1) => (size - 1) * o.stride[i] - 2 * o.padding[i] + o.dilation[i] * (k - 1) + o.outputPadding[i] + 1;
      const yShape = [n, out(h, kh, 0), out(w, kw, 1), co];
      const y = tf.engine().runKernel(CONV_DX, { dy: x, w: weight }, { geometry: convGeometry(yShape, x.shape, weight.shape, o) }) as tf.Tensor4D;
      return bias ? y.add(bias) : y;
    });
  }
  if (o.dilation[0] === 1 && o.dilation[1] === 1) return convTranspose2dUndilated(x, weight, bias, o);
  return tf.tidy(() => {
    // Flip kH and kW with one gather over the flattened taps (TF.js's CPU reverse is slow).
    const [ci, co, kh0, kw0] = weight.shape;
    const taps = kh0 * kw0;
    const reversed = tf.tensor1d(Array.from({ length: taps }, (_, i) => taps - 1 - i), "int32");
    const flipped = tf.gather(weight.transpose([2, 3, 0, 1]).reshape([taps, ci, co]), reversed).reshape([kh0, kw0, ci, co]) as tf.Tensor4D;
    const w = dilateKernel(flipped, o.dilation);
    const kh = w.shape[0];
    const kw = w.shape[1];
    const spread = spreadPixels(x, o.stride);
    const ph = kh - 1 - o.padding[0];
    const pw = kw - 1 - o.padding[1];
    const padded = padOrCrop(spread, ph, ph + o.outputPadding[0], pw, pw + o.outputPadding[1]);
    const y = tf.conv2d(padded, w, 1, "valid");
    return bias ? y.add(bias) : y;
  });
}

/**
 * Without dilation, TF.js's own transposed convolution (Conv2DBackpropInput; its
 * gradients are conv2d and Conv2DBackpropFilter) gives the full output
 * (H-1)S + K; PyTorch's is that cropped by P on each side and extended by OP at the end.
 */
function convTranspose2dUndilated(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D | null, o: ConvTransposeOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const [, co, kh, kw] = weight.shape;
    const filter = weight.transpose<tf.Tensor4D>([2, 3, 1, 0]); // [kH, kW, out, in]
    const [ph, pw] = o.padding;
    const [oph, opw] = o.outputPadding;
    if (ph - oph >= 0 && pw - opw >= 0) {
      // The crop as the transposed convolution's own padding (P before, P - OP after):
      // the output comes out at PyTorch's size, with no slice and no pad in the gradient.
      const outShape: [number, number, number, number] = [n, (h - 1) * o.stride[0] - 2 * ph + kh + oph, (w - 1) * o.stride[1] - 2 * pw + kw + opw, co];
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [ph, ph - oph], [pw, pw - opw], [0, 0]];
      const y = tf.conv2dTranspose(x, filter, outShape, [o.stride[0], o.stride[1]], ph === 0 && pw === 0 && oph === 0 && opw === 0 ? "valid" : pad);
      return bias ? y.add(bias) : y;
    }
    const full: [number, number, number, number] = [n, (h - 1) * o.stride[0] + kh, (w - 1) * o.stride[1] + kw, co];
    const y = tf.conv2dTranspose(x, filter, full, [o.stride[0], o.stride[1]], "valid");
    const cropped = padOrCrop(y, -o.padding[0], o.outputPadding[0] - o.padding[0], -o.padding[1], o.outputPadding[1] - o.padding[1]);
    return bias ? cropped.add(bias) : cropped;
  });
}

/** Linear: x [N, in], weight [out, in]. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor2D {
  if (bias && backendHas(LINEAR) && x.dtype === "float32" && weight.dtype === "float32" && bias.dtype === "float32") {
    return tf.engine().runKernel(LINEAR, { x, w: weight, b: bias }, {}) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    const y = tf.matMul(x, weight, false, true);
    return (bias ? y.add(bias) : y) as tf.Tensor2D;
  });
}

export interface BatchNormState {
  readonly weight: tf.Tensor1D;
  readonly bias: tf.Tensor1D;
  readonly runningMean: tf.Tensor1D;
  readonly runningVar: tf.Tensor1D;
}

export interface BatchNormResult {
  readonly y: tf.Tensor;
  /** New running statistics (training mode only). */
  readonly runningMean?: tf.Tensor1D;
  readonly runningVar?: tf.Tensor1D;
}

/**
 * BatchNorm over the last (channel) axis. Training: normalise with the batch mean and the
 * biased variance; running_var moves towards the *unbiased* variance (n / (n - 1)), as
 * PyTorch does. Eval: the running statistics.
 */
export function batchNorm(
  x: tf.Tensor,
  s: BatchNormState,
  o: { readonly training: boolean; readonly momentum: number; readonly eps: number },
): BatchNormResult {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  if (!o.training) {
    const y = tf.tidy(() => x.sub(s.runningMean).div(s.runningVar.add(o.eps).sqrt()).mul(s.weight).add(s.bias));
    return { y };
  }
  const n = x.size / (x.shape[x.rank - 1] as number);
  if (backendHas(BN_APPLY) && x.dtype === "float32" && n > 0 && twiceDifferentiable === 0) return batchNormNative(x, s, o, n);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, axes);
    const y = x.sub(mean).div(variance.add(o.eps).sqrt()).mul(s.weight).add(s.bias);
    return { y, ...runningStats(s, mean as tf.Tensor1D, variance as tf.Tensor1D, n, o.momentum) };
  });
}

/** > 0 while a gradient penalty runs: layers use only ops whose gradients have gradients. */
let twiceDifferentiable = 0;

/**
 * Runs `f` with every layer differentiable twice (a gradient penalty differentiates the
 * critic's input gradient again): BatchNorm then takes TF.js's own ops instead of the
 * native kernels, whose one-kernel gradient has no gradient of its own.
 */
export function differentiableTwice<T>(f: () => T): T {
  twiceDifferentiable++;
  try {
    return f();
  } finally {
    twiceDifferentiable--;
  }
}

/**
 * The running statistics after a training step: they move towards the batch mean and the
 * *unbiased* batch variance (n / (n - 1)), as PyTorch's do. They never reach a loss, so no
 * gradient flows through them.
 */
function runningStats(s: BatchNormState, mean: tf.Tensor1D, variance: tf.Tensor1D, n: number, momentum: number): { runningMean: tf.Tensor1D; runningVar: tf.Tensor1D } {
  return tf.tidy(() => {
    const unbiased = n > 1 ? variance.mul(n / (n - 1)) : variance;
    return {
      runningMean: s.runningMean.mul(1 - momentum).add(mean.mul(momentum)) as tf.Tensor1D,
      runningVar: s.runningVar.mul(1 - momentum).add(unbiased.mul(momentum)) as tf.Tensor1D,
    };
  });
}

/**
 * Training-mode BatchNorm on the native kernels: statistics (double accumulators), the
 * normalisation and its full gradient (through the batch statistics) are one kernel each,
 * instead of about twelve TF.js ops per pass. Same formulas as PyTorch's CPU kernels.
 */
function batchNormNative(x: tf.Tensor, s: BatchNormState, o: { readonly momentum: number; readonly eps: number }, n: number): BatchNormResult {
  const stats: tf.Tensor[] = [];
  const eps = o.eps;
  const apply = tf.customGrad(((xi: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [mean, variance] = tf.engine().runKernel(BN_STATS, { x: xi }, {}) as [tf.Tensor1D, tf.Tensor1D];
    const y = tf.engine().runKernel(BN_APPLY, { x: xi, mean, variance, w, b }, { eps }) as tf.Tensor;
    save([xi, w, mean, variance]);
    stats.push(tf.keep(mean), tf.keep(variance)); // for the running statistics, below
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sm, sv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(BN_GRAD, { dy, x: sx, mean: sm, variance: sv, w: sw }, { eps }) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = apply(x, s.weight, s.bias);
  const [m, v] = stats as [tf.Tensor1D, tf.Tensor1D];
  const running = runningStats(s, m, v, n, o.momentum);
  tf.dispose(stats);
  return { y, ...running };
}

/** LeakyReLU; a negative slope (its gradient needs the input's sign, not the output's) as x > 0 ? x : slope·x. */
export function leakyRelu(x: tf.Tensor, slope: number): tf.Tensor {
  if (slope < 0) return tf.tidy(() => tf.where(tf.greater(x, 0), x, x.mul(slope)));
  return tf.leakyRelu(x, slope);
}

/** Dropout: zero with probability p, scale the rest by 1 / (1 - p); p = 1 gives zeros. */
export function dropout(x: tf.Tensor, p: number, training: boolean, seed: number): tf.Tensor {
  if (!training || p === 0) return x.clone(); // a tensor of its own (a clone shares the data): generated code disposes each value after its last use
  if (p >= 1) return tf.zerosLike(x);
  // PyTorch's: input · noise, noise = bernoulli(1 - p) / (1 - p) in float32.
  const scale = Math.fround(1 / Math.fround(1 - p));
  return tf.tidy(() => {
    if (backendHas(DROPOUT_MASK) && x.dtype === "float32") {
      // One native pass (TF.js's seeded randomUniform costs ~1 ms per 65,536 numbers).
      const mask = tf.engine().runKernel(DROPOUT_MASK, {}, { shape: x.shape, p, scale, seed }) as tf.Tensor;
      return x.mul(mask);
    }
    // The same mask elsewhere (a GPU, no addon): the kernel's numbers, drawn here.
    return x.mul(tf.tensor(dropoutMaskValues(x.size, p, scale, seed), x.shape, "float32"));
  });
}

/**
 * Dropout2d: whole channels of each example zeroed with probability p (one draw per example
 * and channel, broadcast over H and W), the rest scaled by 1 / (1 - p), as PyTorch's.
 */
export function dropout2d(x: tf.Tensor4D, p: number, training: boolean, seed: number): tf.Tensor4D {
  if (!training || p === 0) return x.clone();
  if (p >= 1) return tf.zerosLike(x);
  const scale = Math.fround(1 / Math.fround(1 - p));
  return tf.tidy(() => {
    const [n, , , c] = x.shape;
    const keep = tf.randomUniform([n, 1, 1, c], 0, 1, "float32", seed).greaterEqual(p).cast("float32");
    return x.mul(keep.mul(scale));
  });
}

/**
 * torch.nn.utils.spectral_norm's weight: weight_orig / sigma, sigma = u · (W v) with W the
 * weight as a matrix (output channels by the rest: `dim` 0, or 1 for a transposed conv's
 * [in, out, kH, kW]). With `iterate` (a training forward) one power iteration first moves
 * v = normalize(Wᵀu) and u = normalize(W v) (eps 1e-12) into the buffers; sigma then reads
 * the buffers, which the gradient treats as constants, as PyTorch's no_grad iteration.
 */
export function spectralWeight(weightOrig: tf.Tensor, u: tf.Variable, v: tf.Variable, dim: 0 | 1, iterate: boolean): tf.Tensor {
  return tf.tidy(() => {
    const perm = weightOrig.shape.map((_, i) => i);
    const t = dim === 0 ? weightOrig : weightOrig.transpose([1, 0, ...perm.slice(2)]);
    const W = t.reshape([t.shape[0] as number, -1]) as tf.Tensor2D;
    const normalize = (x: tf.Tensor1D) => x.div(tf.maximum(x.norm(), 1e-12)) as tf.Tensor1D;
    if (iterate) {
      const vNew = normalize(tf.matMul(W, u.reshape([-1, 1]) as tf.Tensor2D, true, false).reshape([-1]) as tf.Tensor1D);
      const uNew = normalize(tf.matMul(W, vNew.reshape([-1, 1]) as tf.Tensor2D).reshape([-1]) as tf.Tensor1D);
      v.assign(vNew);
      u.assign(uNew);
    }
    const sigma = tf.dot(u as tf.Tensor1D, tf.matMul(W, v.reshape([-1, 1]) as tf.Tensor2D).reshape([-1]) as tf.Tensor1D);
    return weightOrig.div(sigma);
  });
}

export interface NormState {
  readonly weight: tf.Tensor | null;
  readonly bias: tf.Tensor | null;
}

/**
 * InstanceNorm2d on NHWC: each example's channels normalised over H and W (biased variance).
 * With running statistics (track_running_stats): in training they move towards the mean over
 * the batch of each example's mean and unbiased variance, as PyTorch's (instance_norm is
 * batch_norm over N*C channels, then averaged over N); in eval they are used instead.
 */
export function instanceNorm(
  x: tf.Tensor4D,
  s: NormState & { readonly runningMean: tf.Tensor1D | null; readonly runningVar: tf.Tensor1D | null },
  o: { readonly training: boolean; readonly momentum: number; readonly eps: number },
): { y: tf.Tensor4D; runningMean?: tf.Tensor1D; runningVar?: tf.Tensor1D } {
  return tf.tidy(() => {
    const affine = (t: tf.Tensor4D) => (s.weight && s.bias ? (t.mul(s.weight).add(s.bias) as tf.Tensor4D) : t);
    if (!o.training && s.runningMean && s.runningVar) {
      return { y: affine(x.sub(s.runningMean).div(s.runningVar.add(o.eps).sqrt())) };
    }
    const { mean, variance } = tf.moments(x, [1, 2], true);
    const y = affine(x.sub(mean).div(variance.add(o.eps).sqrt()));
    if (!o.training || !s.runningMean || !s.runningVar) return { y };
    const hw = (x.shape[1] as number) * (x.shape[2] as number);
    const m = o.momentum;
    const batchMean = mean.mean([0, 1, 2]) as tf.Tensor1D;
    const batchVar = (hw > 1 ? variance.mul(hw / (hw - 1)) : variance).mean([0, 1, 2]) as tf.Tensor1D;
    return { y, runningMean: s.runningMean.mul(1 - m).add(batchMean.mul(m)) as tf.Tensor1D, runningVar: s.runningVar.mul(1 - m).add(batchVar.mul(m)) as tf.Tensor1D };
  });
}

/** GroupNorm on NHWC: channels in `groups` groups, each normalised over H, W and its channels. */
export function groupNorm(x: tf.Tensor4D, groups: number, s: NormState, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const g = x.reshape([n, h, w, groups, c / groups]);
    const { mean, variance } = tf.moments(g, [1, 2, 4], true);
    let y = g.sub(mean).div(variance.add(eps).sqrt()).reshape([n, h, w, c]) as tf.Tensor4D;
    if (s.weight && s.bias) y = y.mul(s.weight).add(s.bias) as tf.Tensor4D;
    return y;
  });
}

/**
 * LayerNorm over every axis but the batch. `weight` and `bias` have PyTorch's layout of the
 * normalised shape ([C, H, W] for an image, which is channels-last here: transposed to [H, W, C]).
 */
export function layerNorm(x: tf.Tensor, s: NormState, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
    const { mean, variance } = tf.moments(x, axes, true);
    let y = x.sub(mean).div(variance.add(eps).sqrt());
    if (s.weight && s.bias) {
      const layout = (t: tf.Tensor) => (t.rank === 3 ? t.transpose([1, 2, 0]) : t);
      y = y.mul(layout(s.weight)).add(layout(s.bias));
    }
    return y;
  });
}

/** The rows and columns of an NHWC picture at these indices: gathers, whose gradient TF.js has right. */
function gatherGrid(x: tf.Tensor4D, rows: readonly number[], cols: readonly number[]): tf.Tensor4D {
  return tf.gather(tf.gather(x, [...rows], 1), [...cols], 2);
}

/** ZeroPad2d / ReflectionPad2d / ReplicationPad2d on NHWC; `p` is PyTorch's [left, right, top, bottom]. */
export function pad2d(x: tf.Tensor4D, p: readonly number[], mode: "zeros" | "reflect" | "replicate"): tf.Tensor4D {
  const [l, r, t, b] = p as [number, number, number, number];
  const paddings: [number, number][] = [[0, 0], [t, b], [l, r], [0, 0]];
  if (mode === "zeros") return tf.pad(x, paddings);
  if (mode === "reflect") {
    // Gathers of the reflected rows and columns: TF.js's mirrorPad has a wrong gradient.
    const [, h, w] = x.shape;
    const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
    const rows = Array.from({ length: h + t + b }, (_, i) => reflect(i - t, h));
    const cols = Array.from({ length: w + l + r }, (_, i) => reflect(i - l, w));
    return tf.tidy(() => gatherGrid(x, rows, cols));
  }
  // replicate: the edge rows and columns repeated (slices, tiles and a concat: all have gradients)
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const edge = (v: tf.Tensor4D, axis: 1 | 2, at: number, times: number) => {
      const begin = [0, 0, 0, 0];
      const size = [-1, -1, -1, -1];
      begin[axis] = at;
      size[axis] = 1;
      const reps = [1, 1, 1, 1];
      reps[axis] = times;
      return tf.tile(tf.slice(v, begin, size), reps) as tf.Tensor4D;
    };
    let y = x;
    if (t > 0 || b > 0) y = tf.concat([...(t > 0 ? [edge(y, 1, 0, t)] : []), y, ...(b > 0 ? [edge(y, 1, h - 1, b)] : [])], 1);
    if (l > 0 || r > 0) y = tf.concat([...(l > 0 ? [edge(y, 2, 0, l)] : []), y, ...(r > 0 ? [edge(y, 2, w - 1, r)] : [])], 2);
    return y;
  });
}

/** AvgPool2d(k, s, p) with PyTorch's defaults: the zero padding counts in each average, floor mode. */
export function avgPool2d(x: tf.Tensor4D, k: readonly number[], s: readonly number[], p: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const padded = p[0]! > 0 || p[1]! > 0 ? tf.pad(x, [[0, 0], [p[0]!, p[0]!], [p[1]!, p[1]!], [0, 0]]) : x;
    return tf.avgPool(padded, [k[0]!, k[1]!], [s[0]!, s[1]!], "valid");
  });
}

/**
 * MaxPool2d(k, s, p): the padding never wins (-infinity), floor mode. The maximum over the
 * window's taps (each a gather of strided rows and columns), so the gradient is gather's and
 * max's (the wasm backend's MaxPoolGrad is wrong for strides above 1; TF.js's stridedSlice
 * has no gradient).
 */
export function maxPool2d(x: tf.Tensor4D, k: readonly number[], s: readonly number[], p: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const padded = p[0]! > 0 || p[1]! > 0 ? tf.pad(x, [[0, 0], [p[0]!, p[0]!], [p[1]!, p[1]!], [0, 0]], -Infinity) : x;
    const [, h, w] = padded.shape;
    const oh = Math.floor((h - k[0]!) / s[0]!) + 1;
    const ow = Math.floor((w - k[1]!) / s[1]!) + 1;
    const taps: tf.Tensor4D[] = [];
    for (let i = 0; i < k[0]!; i++) {
      for (let j = 0; j < k[1]!; j++) {
        const rows = Array.from({ length: oh }, (_, o) => i + s[0]! * o);
        const cols = Array.from({ length: ow }, (_, o) => j + s[1]! * o);
        taps.push(gatherGrid(padded, rows, cols));
      }
    }
    return taps.length === 1 ? taps[0]! : (tf.max(tf.stack(taps), 0) as tf.Tensor4D);
  });
}

/**
 * Linear interpolation along one spatial axis (1 = H, 2 = W) of an NHWC tensor, as PyTorch's
 * bilinear with align_corners=False: source (dst + 0.5) / S - 0.5, clamped at 0, taps
 * floor(src) and min(floor(src) + 1, size - 1).
 */
function lerpAxis(x: tf.Tensor4D, axis: 1 | 2, scale: number): tf.Tensor4D {
  const size = x.shape[axis];
  const lo: number[] = [];
  const hi: number[] = [];
  const frac: number[] = [];
  for (let o = 0; o < size * scale; o++) {
    const src = Math.max((o + 0.5) / scale - 0.5, 0);
    const i0 = Math.min(Math.floor(src), size - 1);
    lo.push(i0);
    hi.push(Math.min(i0 + 1, size - 1));
    frac.push(src - i0);
  }
  const shape = [1, 1, 1, 1];
  shape[axis] = size * scale;
  const a = tf.gather(x, tf.tensor1d(lo, "int32"), axis);
  const b = tf.gather(x, tf.tensor1d(hi, "int32"), axis);
  return a.add(b.sub(a).mul(tf.tensor(frac, shape))) as tf.Tensor4D;
}

/**
 * Upsample by a whole factor: nearest (PyTorch's floor(dst / S): each pixel repeated S×S) or
 * bilinear with align_corners=False (half-pixel centres, source clamped at 0), both as
 * gathers along H then W rather than tf.image.resize*: in TF.js 4.22 (CPU),
 * ResizeBilinearGrad ignores halfPixelCenters and fails when H != W, and
 * ResizeNearestNeighborGrad is wrong for batches larger than 1.
 */
export function upsample(x: tf.Tensor4D, scale: number, mode: "nearest" | "bilinear"): tf.Tensor4D {
  if (scale === 1) return x.clone();
  return tf.tidy(() => {
    if (mode === "bilinear") return lerpAxis(lerpAxis(x, 1, scale), 2, scale);
    const repeat = (t: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D => {
      const src = Array.from({ length: t.shape[axis] * scale }, (_, o) => Math.floor(o / scale));
      return tf.gather(t, tf.tensor1d(src, "int32"), axis);
    };
    return repeat(repeat(x, 1), 2);
  });
}

// --- layout changes -----------------------------------------------------------------------

/** Internal (channels-last) -> PyTorch order, keeping the batch first. */
export function toTorchOrder(x: tf.Tensor): tf.Tensor {
  if (x.rank === 4) return x.transpose([0, 3, 1, 2]);
  if (x.rank === 3) return x.transpose([0, 2, 1]);
  return x;
}

/** PyTorch order -> internal (channels-last). */
export function fromTorchOrder(x: tf.Tensor): tf.Tensor {
  if (x.rank === 4) return x.transpose([0, 2, 3, 1]);
  if (x.rank === 3) return x.transpose([0, 2, 1]);
  return x;
}

/** Flatten as PyTorch does ([C, H, W] -> C·H·W, channel-major). */
export function flatten(x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => toTorchOrder(x).reshape([x.shape[0] as number, -1]));
}

/** view(-1, *dims) in PyTorch order, returned channels-last. */
export function reshape(x: tf.Tensor, dims: readonly number[]): tf.Tensor {
  return tf.tidy(() => fromTorchOrder(toTorchOrder(x).reshape([x.shape[0] as number, ...dims])));
}

/** torch.cat(values, dim=1): the channel axis, last inside the runtime. */
export function cat(values: readonly tf.Tensor[]): tf.Tensor {
  return tf.concat([...values], -1);
}

// --- losses (mean reduction) ------------------------------------------------------------------

/**
 * BCELoss on probabilities, as PyTorch computes it: the logs are clamped at -100, and the
 * gradient is PyTorch's closed form (p - y) / max((1 - p)·p, 1e-12) rather than the chain
 * rule through the clamp (which gives 0/0 = NaN once a sigmoid saturates to exactly 0 or 1).
 */
export function bce(p: tf.Tensor, target: tf.Tensor | number): tf.Scalar {
  return tf.tidy(() => {
    const y = typeof target === "number" ? tf.fill(p.shape, target) : target;
    const n = p.size;
    const f = tf.customGrad(((x: tf.Tensor, t: tf.Tensor, save: tf.GradSaveFunc) => {
      const logP = tf.log(x).maximum(-100);
      const log1mP = tf.log(tf.sub(1, x)).maximum(-100);
      save([x, t, logP, log1mP]);
      return {
        value: t.mul(logP).add(tf.sub(1, t).mul(log1mP)).mean().neg() as tf.Scalar,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, st, slogP, slog1mP] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const scale = dy.div(n);
          const dx = sx.sub(st).div(tf.maximum(tf.sub(1, sx).mul(sx), 1e-12)).mul(scale);
          const dt = slog1mP.sub(slogP).mul(scale);
          return [dx, dt];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(p, y) as tf.Scalar;
  });
}

/** BCEWithLogitsLoss: max(x, 0) - x·y + log(1 + exp(-|x|)), stable for large logits. */
export function bceWithLogits(x: tf.Tensor, target: tf.Tensor | number): tf.Scalar {
  return tf.tidy(() => {
    const y = typeof target === "number" ? tf.fill(x.shape, target) : target;
    return tf.relu(x).sub(x.mul(y)).add(tf.log1p(tf.exp(tf.abs(x).neg()))).mean() as tf.Scalar;
  });
}

/** L1Loss: mean absolute difference. */
export function l1(a: tf.Tensor, b: tf.Tensor | number): tf.Scalar {
  return tf.tidy(() => a.sub(b).abs().mean() as tf.Scalar);
}

/**
 * Cross-entropy of class scores [N, K] against labels [N] (int32): F.cross_entropy on
 * logits; on probabilities (a model ending with softmax) F.nll_loss of their log, the
 * probabilities clamped at 1e-7 first (Keras' sparse categorical cross-entropy does the same).
 */
export function crossEntropy(x: tf.Tensor, labels: tf.Tensor, probabilities = false): tf.Scalar {
  return tf.tidy(() => {
    const k = x.shape[x.rank - 1]!;
    const logp = probabilities ? tf.log(tf.maximum(x, 1e-7)) : tf.logSoftmax(x);
    const hot = tf.oneHot(labels.cast("int32"), k).cast("float32");
    return logp.mul(hot).sum(-1).mean().neg() as tf.Scalar;
  });
}

/** The hinge loss of a critic's outputs: mean(relu(1 - x)) for real (target 1), mean(relu(1 + x)) for fake (-1). */
export function hinge(x: tf.Tensor, target: 1 | -1): tf.Scalar {
  return tf.tidy(() => tf.relu(tf.sub(1, x.mul(target))).mean() as tf.Scalar);
}

/** mean(x): the Wasserstein critic's terms (`mean(D(fake)) - mean(D(real))`). */
export function meanOf(x: tf.Tensor): tf.Scalar {
  return x.mean() as tf.Scalar;
}

/** mean(softplus(x)): the non-saturating loss written as StudioGAN does (`softplus(-D(fake))`). */
export function softplusMean(x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.softplus(x).mean() as tf.Scalar);
}

/** MSELoss: mean squared difference (LSGAN); a number target is broadcast. */
export function mse(a: tf.Tensor, b: tf.Tensor | number): tf.Scalar {
  return tf.tidy(() => tf.squaredDifference(a, typeof b === "number" ? tf.scalar(b) : b).mean() as tf.Scalar);
}
