// TF.js kernels (Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter, BatchMatMul) that hand
// the arithmetic to the native addon (runtime/kernels/native.ts), for the wasm backend
// (the addon reads and writes the wasm heap in place) and the cpu backend (plain
// Float32Arrays). NCHW, integer tensors and batch broadcasts other than 1-to-many fall
// back to the kernel registered before.
import * as tf from "@tensorflow/tfjs";
import type { NativeKernels } from "./native.ts";

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };
type Kernel = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** How a backend's float32 tensors are reached as arrays. */
interface Store {
  /** A new float32 output; its values are written through `view` afterwards. */
  alloc(shape: number[]): tf.TensorInfo;
  /** The values of t (call after every alloc: a wasm allocation may move the heap). */
  view(t: tf.TensorInfo): Float32Array;
}

interface WasmBackend {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

interface CpuBackend {
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
  data: { get(dataId: object): { values: Float32Array } };
}

function storeOf(backendName: "wasm" | "cpu", backend: object): Store {
  if (backendName === "wasm") {
    const b = backend as WasmBackend;
    return { alloc: (shape) => b.makeOutput(shape, "float32"), view: (t) => b.typedArrayFromHeap(t) };
  }
  const b = backend as CpuBackend;
  return {
    alloc: (shape) => b.makeTensorInfo(shape, "float32", new Float32Array(shape.reduce((a, s) => a * s, 1))),
    view: (t) => b.data.get(t.dataId).values,
  };
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dilations?: [number, number] | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

function geometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  return new Int32Array([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.padInfo.top, info.padInfo.left, info.dilationHeight, info.dilationWidth,
  ]);
}

type Shape4 = [number, number, number, number];

function allFloat(inputs: tf.NamedTensorInfoMap): boolean {
  return Object.values(inputs).every((t) => t?.dtype === "float32");
}

function conv2d(native: NativeKernels, backendName: "wasm" | "cpu", fallback: Kernel): Kernel {
  return (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs;
    if (a.dataFormat !== "NHWC" || !allFloat(args.inputs)) return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, "channelsLast");
    const s = storeOf(backendName, args.backend);
    const y = s.alloc(info.outShape);
    native.conv(0, s.view(x), s.view(filter), s.view(y), geometry(info));
    return y;
  };
}

function conv2dBackpropInput(native: NativeKernels, backendName: "wasm" | "cpu", fallback: Kernel): Kernel {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { inputShape: Shape4 };
    if (a.dataFormat !== "NHWC" || !allFloat(args.inputs)) return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as Shape4, a.strides, 1, a.pad, a.dimRoundingMode, false, "channelsLast");
    const s = storeOf(backendName, args.backend);
    const dx = s.alloc([...a.inputShape]);
    native.conv(1, s.view(dy), s.view(filter), s.view(dx), geometry(info));
    return dx;
  };
}

function conv2dBackpropFilter(native: NativeKernels, backendName: "wasm" | "cpu", fallback: Kernel): Kernel {
  return (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
    if (a.dataFormat !== "NHWC" || !allFloat(args.inputs)) return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, "channelsLast");
    const s = storeOf(backendName, args.backend);
    const dw = s.alloc([...a.filterShape]);
    native.conv(2, s.view(x), s.view(dy), s.view(dw), geometry(info));
    return dw;
  };
}

function batchMatMul(native: NativeKernels, backendName: "wasm" | "cpu", fallback: Kernel): Kernel {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!allFloat(args.inputs) || a.shape.length < 2 || b.shape.length < 2) return fallback(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const [a0, a1] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
    const [b0, b1] = [b.shape[rb - 2]!, b.shape[rb - 1]!];
    const [M, K] = attrs.transposeA ? [a1, a0] : [a0, a1];
    const [K2, N] = attrs.transposeB ? [b1, b0] : [b0, b1];
    const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    if (K !== K2 || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return fallback(args);
    const outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    if (outBatch.reduce((p, d) => p * d, 1) !== batch) return fallback(args);
    const s = storeOf(backendName, args.backend);
    const out = s.alloc([...outBatch, M, N]);
    const av = s.view(a);
    const bv = s.view(b);
    const ov = s.view(out);
    // Element (i, k) of op(a) is a[i * rsA + k * csA].
    const sizes = new Int32Array([M, N, K, attrs.transposeA ? 1 : K, attrs.transposeA ? M : 1, attrs.transposeB ? 1 : N, attrs.transposeB ? K : 1, 0]);
    for (let i = 0; i < batch; i++) {
      const ai = batchA === 1 ? av : av.subarray(i * M * K, (i + 1) * M * K);
      const bi = batchB === 1 ? bv : bv.subarray(i * K * N, (i + 1) * K * N);
      native.gemm(ai, bi, batch === 1 ? ov : ov.subarray(i * M * N, (i + 1) * M * N), sizes);
    }
    return out;
  };
}

/**
 * Kernel name of Linear with its bias in one product (runtime/nn/functional.ts uses it when
 * registered): y [N, out] = x [N, in] · w [out, in]ᵀ + b [out], the product accumulated
 * onto the bias rows (as PyTorch's addmm), one kernel instead of a product and an add.
 */
export const LINEAR = "GanSpecLinear";

function linearBias(native: NativeKernels, backendName: "wasm" | "cpu"): Kernel {
  return (args) => {
    const { x, w, b } = args.inputs as Record<"x" | "w" | "b", tf.TensorInfo>;
    const [n, k] = x.shape as [number, number];
    const o = w.shape[0]!;
    const s = storeOf(backendName, args.backend);
    const y = s.alloc([n, o]);
    const yv = s.view(y);
    const bv = s.view(b);
    for (let i = 0; i < n; i++) yv.set(bv, i * o);
    native.gemm(s.view(x), s.view(w), yv, new Int32Array([n, o, k, k, 1, 1, k, 1]));
    return y;
  };
}

/** Sum or Mean over a contiguous run of axes (any other set falls back). */
function reduce(native: NativeKernels, backendName: "wasm" | "cpu", fallback: Kernel, mean: boolean): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = (args.attrs ?? {}) as { axis: number | number[]; keepDims?: boolean };
    if (x.dtype !== "float32") return fallback(args);
    const axes = tf.util.parseAxisParam(a.axis, x.shape).sort((p, q) => p - q);
    if (axes.some((ax, i) => i > 0 && ax !== axes[i - 1]! + 1)) return fallback(args);
    const first = axes[0] ?? 0;
    const last = axes.length ? axes[axes.length - 1]! + 1 : 0;
    const P = x.shape.slice(0, first).reduce((p, d) => p * d, 1);
    const R = x.shape.slice(first, last).reduce((p, d) => p * d, 1);
    const Q = x.shape.slice(last).reduce((p, d) => p * d, 1);
    const shape = a.keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const s = storeOf(backendName, args.backend);
    const out = s.alloc(shape);
    native.reduce(s.view(x), s.view(out), new Int32Array([P, R, Q]), mean ? 1 / R : 1);
    return out;
  };
}

function leakyRelu(native: NativeKernels, backendName: "wasm" | "cpu", fallback: Kernel): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== "float32") return fallback(args);
    const s = storeOf(backendName, args.backend);
    const out = s.alloc([...x.shape]);
    native.leaky(s.view(x), s.view(out), (args.attrs as { alpha: number }).alpha);
    return out;
  };
}

/** The gradient of LeakyRelu in one pass: x > 0 ? dy : alpha·dy. */
const LEAKY_GRAD = "GanSpecLeakyReluGrad";

function leakyReluGrad(native: NativeKernels, backendName: "wasm" | "cpu"): Kernel {
  return (args) => {
    const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    const s = storeOf(backendName, args.backend);
    const out = s.alloc([...x.shape]);
    native.leaky(s.view(dy), s.view(x), s.view(out), (args.attrs as { alpha: number }).alpha);
    return out;
  };
}

function transpose(native: NativeKernels, backendName: "wasm" | "cpu", fallback: Kernel): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const perm = (args.attrs as { perm: number[] }).perm;
    if (x.dtype !== "float32" || x.shape.length > 8 || x.shape.length === 0) return fallback(args);
    const s = storeOf(backendName, args.backend);
    const y = s.alloc(perm.map((p) => x.shape[p]!));
    native.transpose(s.view(x), s.view(y), new Int32Array(x.shape), new Int32Array(perm));
    return y;
  };
}

/**
 * Kernel names of the convolution on PyTorch's filter layout [O, C, KH, KW] (runtime/nn/
 * functional.ts uses them when registered): the filter is read and its gradient written in
 * that layout, with no transposed copy. All three take the forward convolution's geometry
 * (attr `geometry`: [N, H, W, C, OH, OW, O, KH, KW, SH, SW, PT, PL, DH, DW], x [N, H, W, C]
 * to y [N, OH, OW, O]): CONV (x, w) -> y, CONV_DX (dy, w) -> dx (a transposed
 * convolution), CONV_DW (x, dy) -> dw.
 */
export const CONV = "GanSpecConv2D";
export const CONV_DX = "GanSpecConv2DBackpropInput";
export const CONV_DW = "GanSpecConv2DBackpropFilter";

function convOihw(native: NativeKernels, backendName: "wasm" | "cpu", which: 3 | 4 | 5): Kernel {
  return (args) => {
    const i = args.inputs as Record<"x" | "w" | "dy", tf.TensorInfo>;
    const [p, q] = which === 3 ? [i.x, i.w] : which === 4 ? [i.dy, i.w] : [i.x, i.dy];
    const g = (args.attrs as { geometry: number[] }).geometry;
    const [N, H, W, C, OH, OW, O, KH, KW] = g as [number, number, number, number, number, number, number, number, number];
    const shape = which === 3 ? [N, OH, OW, O] : which === 4 ? [N, H, W, C] : [O, C, KH, KW];
    const s = storeOf(backendName, args.backend);
    const out = s.alloc(shape);
    native.conv(which, s.view(p), s.view(q), s.view(out), new Int32Array(g));
    return out;
  };
}

/** Concat of float32 tensors: one strided copy per input (TF.js's wasm kernel copies pixel by pixel from JavaScript). */
function concat(native: NativeKernels, backendName: "wasm" | "cpu", fallback: Kernel): Kernel {
  return (args) => {
    const inputs = (args.inputs as unknown as tf.TensorInfo[]).filter((t) => t.shape.every((d) => d > 0));
    const all = args.inputs as unknown as tf.TensorInfo[];
    if (inputs.length < 2 || !all.every((t) => t.dtype === "float32")) return fallback(args);
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, all[0]!.shape)[0]!;
    const outShape = tf.backend_util.computeOutShape(all.map((t) => t.shape), axis);
    const rows = tf.util.sizeFromShape(inputs[0]!.shape.slice(0, axis));
    const lens = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    const width = lens.reduce((a, b) => a + b, 0);
    const s = storeOf(backendName, args.backend);
    const out = s.alloc(outShape);
    let at = 0;
    inputs.forEach((t, i) => {
      native.copyRows(s.view(t), s.view(out), new Int32Array([rows, lens[i]!, 0, lens[i]!, at, width]));
      at += lens[i]!;
    });
    return out;
  };
}

/** SplitV of a float32 tensor (Concat's gradient): one strided copy per part. */
function splitV(native: NativeKernels, backendName: "wasm" | "cpu", fallback: Kernel): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    if (x.dtype !== "float32") return fallback(args);
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, a.numOrSizeSplits, axis);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axis));
    const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
    const width = x.shape[axis]! * inner;
    const s = storeOf(backendName, args.backend);
    let at = 0;
    return sizes.map((size) => {
      const part = s.alloc(x.shape.map((d, i) => (i === axis ? size : d)));
      if (size > 0 && rows > 0 && inner > 0) native.copyRows(s.view(x), s.view(part), new Int32Array([rows, size * inner, at, width, 0, size * inner]));
      at += size * inner;
      return part;
    });
  };
}

/** Kernel name of the dropout mask (runtime/nn/functional.ts uses it when registered). */
export const DROPOUT_MASK = "GanSpecDropoutMask";

function dropoutMask(native: NativeKernels, backendName: "wasm" | "cpu"): Kernel {
  return (args) => {
    const a = args.attrs as { shape: number[]; p: number; scale: number; seed: number };
    const s = storeOf(backendName, args.backend);
    const out = s.alloc([...a.shape]);
    native.dropoutMask(s.view(out), a.p, a.scale, Math.floor(a.seed / 2 ** 32) >>> 0, a.seed >>> 0);
    return out;
  };
}

/** Kernel names of training-mode BatchNorm (runtime/nn/functional.ts uses them when registered). */
export const BN_STATS = "GanSpecBatchNormStats";
export const BN_APPLY = "GanSpecBatchNorm";
export const BN_GRAD = "GanSpecBatchNormGrad";

/** x [..., C] -> [mean, var] over all but the last axis (biased variance). */
function bnStats(native: NativeKernels, backendName: "wasm" | "cpu"): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const C = x.shape[x.shape.length - 1]!;
    const s = storeOf(backendName, args.backend);
    const out = [s.alloc([C]), s.alloc([C])];
    native.batchNorm(0, C, 0, s.view(x), s.view(out[0]!), s.view(out[1]!));
    return out;
  };
}

function bnApply(native: NativeKernels, backendName: "wasm" | "cpu"): Kernel {
  return (args) => {
    const { x, mean, variance, w, b } = args.inputs as Record<"x" | "mean" | "variance" | "w" | "b", tf.TensorInfo>;
    const s = storeOf(backendName, args.backend);
    const y = s.alloc([...x.shape]);
    native.batchNorm(1, x.shape[x.shape.length - 1]!, (args.attrs as { eps: number }).eps, s.view(x), s.view(mean), s.view(variance), s.view(w), s.view(b), s.view(y));
    return y;
  };
}

function bnGrad(native: NativeKernels, backendName: "wasm" | "cpu"): Kernel {
  return (args) => {
    const { dy, x, mean, variance, w } = args.inputs as Record<"dy" | "x" | "mean" | "variance" | "w", tf.TensorInfo>;
    const C = x.shape[x.shape.length - 1]!;
    const s = storeOf(backendName, args.backend);
    const out = [s.alloc([...x.shape]), s.alloc([C]), s.alloc([C])];
    native.batchNorm(2, C, (args.attrs as { eps: number }).eps, s.view(dy), s.view(x), s.view(mean), s.view(variance), s.view(w), s.view(out[0]!), s.view(out[1]!), s.view(out[2]!));
    return out;
  };
}

/** Kernel name of the fused Adam step (runtime/optim/adam.ts uses it when registered). */
export const ADAM_STEP = "GanSpecAdamStep";

function adamStep(native: NativeKernels, backendName: "wasm" | "cpu"): Kernel {
  return (args) => {
    const { p, g, m, v } = args.inputs as Record<"p" | "g" | "m" | "v", tf.TensorInfo>;
    const c = (args.attrs as { constants: number[] }).constants;
    const s = storeOf(backendName, args.backend);
    const outs = [s.alloc([...p.shape]), s.alloc([...p.shape]), s.alloc([...p.shape])];
    native.adam(s.view(p), s.view(g), s.view(m), s.view(v), s.view(outs[0]!), s.view(outs[1]!), s.view(outs[2]!), new Float32Array(c));
    return outs;
  };
}

/** Kernel name of the NaN / Inf count over any number of float32 tensors (runtime/train/round.ts). */
export const COUNT_NON_FINITE = "GanSpecCountNonFinite";

function countNonFinite(native: NativeKernels, backendName: "wasm" | "cpu"): Kernel {
  return (args) => {
    const s = storeOf(backendName, args.backend);
    const out = s.alloc([]);
    let count = 0;
    for (const t of Object.values(args.inputs)) if (t) count += native.nonFinite(s.view(t));
    s.view(out)[0] = count;
    return out;
  };
}

/**
 * The gradients of LeakyRelu (slope >= 0: runtime/nn/functional.ts's leakyRelu takes
 * another path for a negative one) and Relu from their *output*, as PyTorch's in-place
 * activations do: y > 0 exactly where x > 0, so the values are the same, and the input (a
 * convolution's or BatchNorm's output) need not be kept for the backward pass: the output
 * is kept anyway, as the next layer's input. One kernel where this project registered it
 * for the backend in use, else dy · step(y) (1 where y > 0, else the slope).
 */
function registerActivationGradients(): void {
  const fromOutput = (dy: tf.Tensor, y: tf.Tensor, alpha: number): tf.Tensor =>
    backendHas(LEAKY_GRAD) && dy.dtype === "float32" && y.dtype === "float32"
      ? (tf.engine().runKernel(LEAKY_GRAD, { dy, x: y }, { alpha }) as tf.Tensor)
      : tf.mul(dy, tf.step(y, alpha)); // differentiable again (Step's gradient is 0)
  tf.registerGradient({
    kernelName: "LeakyRelu",
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [y] = saved as [tf.Tensor];
      return { x: () => fromOutput(dy as tf.Tensor, y, (attrs as { alpha: number }).alpha) };
    },
  });
  tf.registerGradient({
    kernelName: "Relu",
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [y] = saved as [tf.Tensor];
      return { x: () => fromOutput(dy as tf.Tensor, y, 0) };
    },
  });
  // The gradient's own gradient (gradient penalties differentiate a gradient again): the
  // map dy -> (x > 0 ? dy : alpha·dy) is linear in dy and flat in x.
  tf.registerGradient({
    kernelName: LEAKY_GRAD,
    inputsToSave: ["x"],
    gradFunc: (ddx, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const alpha = (attrs as { alpha: number }).alpha;
      const d = ddx as tf.Tensor;
      return {
        dy: () => tf.engine().runKernel(LEAKY_GRAD, { dy: d, x }, { alpha }) as tf.Tensor,
        x: () => tf.zerosLike(x),
      };
    },
  });
}

/** LINEAR's gradient in plain TF.js ops (differentiable again, for penalties). */
function registerLinearGradient(): void {
  tf.registerGradient({
    kernelName: LINEAR,
    inputsToSave: ["x", "w"],
    gradFunc: (dy, saved) => {
      const [x, w] = saved as [tf.Tensor2D, tf.Tensor2D];
      const d = dy as tf.Tensor2D;
      return { x: () => tf.matMul(d, w), w: () => tf.matMul(d, x, true, false), b: () => tf.sum(d, 0) };
    },
  });
}

/**
 * The gradients of CONV, CONV_DX and CONV_DW, in terms of one another with the same
 * geometry (each is linear in each input), so that gradient penalties can differentiate
 * a gradient again.
 */
function registerConvGradients(): void {
  const run = (name: string, inputs: tf.NamedTensorMap, geometry: number[]) => tf.engine().runKernel(name, inputs, { geometry }) as tf.Tensor;
  const geometryOf = (attrs: unknown) => (attrs as { geometry: number[] }).geometry;
  tf.registerGradient({
    kernelName: CONV,
    inputsToSave: ["x", "w"],
    gradFunc: (dy, saved, attrs) => {
      const [x, w] = saved as [tf.Tensor, tf.Tensor];
      const g = geometryOf(attrs);
      return { x: () => run(CONV_DX, { dy: dy as tf.Tensor, w }, g), w: () => run(CONV_DW, { x, dy: dy as tf.Tensor }, g) };
    },
  });
  tf.registerGradient({
    kernelName: CONV_DX,
    inputsToSave: ["dy", "w"],
    gradFunc: (ddx, saved, attrs) => {
      const [dy, w] = saved as [tf.Tensor, tf.Tensor];
      const g = geometryOf(attrs);
      return { dy: () => run(CONV, { x: ddx as tf.Tensor, w }, g), w: () => run(CONV_DW, { x: ddx as tf.Tensor, dy }, g) };
    },
  });
  tf.registerGradient({
    kernelName: CONV_DW,
    inputsToSave: ["x", "dy"],
    gradFunc: (ddw, saved, attrs) => {
      const [x, dy] = saved as [tf.Tensor, tf.Tensor];
      const g = geometryOf(attrs);
      return { x: () => run(CONV_DX, { dy, w: ddw as tf.Tensor }, g), dy: () => run(CONV, { x, w: ddw as tf.Tensor }, g) };
    },
  });
}

// Registered once, when this module loads, on every backend. TF.js's own LeakyRelu
// gradient (where(greater(x, 0), ...)) has no gradient of its own (Greater has none),
// which gradient penalties need; and both of TF.js's activation gradients keep the input.
registerActivationGradients();
registerConvGradients();
registerLinearGradient();

/** Registers the native kernels on one backend in place of the ones there now. */
export function registerNativeKernels(native: NativeKernels, backendName: "wasm" | "cpu"): void {
  if ((tf.getKernel("Conv2D", backendName) as { ganNative?: boolean } | undefined)?.ganNative) return;
  // The kernel registered now, for the inputs the native one leaves to it.
  const fallback = (name: string): Kernel =>
    (tf.getKernel(name, backendName)?.kernelFunc as Kernel | undefined) ??
    (() => {
      throw new Error(`${name}: no kernel for this input on the ${backendName} backend`);
    });
  const make: [string, Kernel][] = [
    ["Conv2D", conv2d(native, backendName, fallback("Conv2D"))],
    ["Conv2DBackpropInput", conv2dBackpropInput(native, backendName, fallback("Conv2DBackpropInput"))],
    ["Conv2DBackpropFilter", conv2dBackpropFilter(native, backendName, fallback("Conv2DBackpropFilter"))],
    ["BatchMatMul", batchMatMul(native, backendName, fallback("BatchMatMul"))],
    ["Sum", reduce(native, backendName, fallback("Sum"), false)],
    ["Mean", reduce(native, backendName, fallback("Mean"), true)],
    ["Transpose", transpose(native, backendName, fallback("Transpose"))],
    ["Concat", concat(native, backendName, fallback("Concat"))],
    ["SplitV", splitV(native, backendName, fallback("SplitV"))],
    ["LeakyRelu", leakyRelu(native, backendName, fallback("LeakyRelu"))],
    [LEAKY_GRAD, leakyReluGrad(native, backendName)],
    [ADAM_STEP, adamStep(native, backendName)],
    [COUNT_NON_FINITE, countNonFinite(native, backendName)],
    [DROPOUT_MASK, dropoutMask(native, backendName)],
    [LINEAR, linearBias(native, backendName)],
    [CONV, convOihw(native, backendName, 3)],
    [CONV_DX, convOihw(native, backendName, 4)],
    [CONV_DW, convOihw(native, backendName, 5)],
    [BN_STATS, bnStats(native, backendName)],
    [BN_APPLY, bnApply(native, backendName)],
    [BN_GRAD, bnGrad(native, backendName)],
  ];
  for (const [name, kernelFunc] of make) {
    if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
    tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc, ganNative: true } as tf.KernelConfig);
  }
}

/** Whether the backend in use has one of this project's kernels (GanSpec*: registered only with the addon). */
export function backendHas(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
