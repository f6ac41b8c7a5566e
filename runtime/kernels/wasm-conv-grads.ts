// The two convolution gradients for the wasm backend, written as forward convolutions so
// XNNPACK's fast SIMD Conv2D does the arithmetic (the wasm backend has no
// Conv2DBackpropFilter, and its Conv2DBackpropInput — also the forward pass of every
// transposed convolution — is a slow loop):
//   dX = conv(spread(dy) padded by K - 1 - p, W flipped and transposed), stride 1;
//   dW = conv(x^T [C, H, W, N] padded by p, dy^T [OH, OW, N, O] as the filter, dilation = stride),
//        then [C, KH, KW, O] -> [KH, KW, C, O].
// The rearrangements are plain JavaScript loops over the wasm heap.
import * as tf from "@tensorflow/tfjs";

interface WasmBackend {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: object): void;
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: object; attrs: object };

function forwardConv(): (args: KernelArgs) => tf.TensorInfo {
  const k = tf.getKernel("Conv2D", "wasm");
  if (!k) throw new Error("the wasm backend has no Conv2D kernel");
  return k.kernelFunc as unknown as (args: KernelArgs) => tf.TensorInfo;
}

/** Conv2DBackpropInput: dx [N, H, W, C] from dy [N, OH, OW, O] and the filter [KH, KW, C, O]. */
export function conv2dBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as ConvAttrs & { inputShape: [number, number, number, number] };
  if (attrs.dataFormat !== "NHWC") throw new Error("Conv2DBackpropInput: only NHWC is supported");
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, "channelsLast");
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: O } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const top = KH - 1 - info.padInfo.top;
  const left = KW - 1 - info.padInfo.left;
  const PH = H + KH - 1;
  const PW = W + KW - 1;
  // The spread, padded output gradient: dy[n, oh, ow] lands at (top + oh·SH, left + ow·SW).
  const spread = backend.makeOutput([N, PH, PW, O], "float32");
  const sp = backend.typedArrayFromHeap(spread);
  sp.fill(0);
  const dys = backend.typedArrayFromHeap(dy);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const r = top + oh * SH;
      if (r < 0 || r >= PH) continue;
      for (let ow = 0; ow < OW; ow++) {
        const c = left + ow * SW;
        if (c < 0 || c >= PW) continue;
        const src = ((n * OH + oh) * OW + ow) * O;
        sp.set(dys.subarray(src, src + O), ((n * PH + r) * PW + c) * O);
      }
    }
  }
  // The filter flipped in space with in and out swapped: [KH, KW, O, C].
  const flipped = backend.makeOutput([KH, KW, O, C], "float32");
  const fl = backend.typedArrayFromHeap(flipped);
  const ws = backend.typedArrayFromHeap(filter);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const src = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * C * O;
      const dst = (kh * KW + kw) * O * C;
      for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) fl[dst + o * C + c] = ws[src + c * O + o]!;
    }
  }
  const out = forwardConv()({ inputs: { x: spread, filter: flipped }, backend: args.backend, attrs: { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [1, 1] } });
  backend.disposeData(spread.dataId);
  backend.disposeData(flipped.dataId);
  return out;
}

/** Conv2DBackpropFilter: dW [KH, KW, C, O] from x [N, H, W, C] and dy [N, OH, OW, O]. */
export function conv2dBackpropFilterXnn(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as ConvAttrs & { filterShape: [number, number, number, number] };
  if (attrs.dataFormat !== "NHWC") throw new Error("Conv2DBackpropFilter: only NHWC is supported");
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, "channelsLast");
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: O } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // The rows and columns of the padded input that the kernel ever touches.
  const HN = (OH - 1) * SH + KH;
  const WN = (OW - 1) * SW + KW;
  // x as [C, HN, WN, N]: channels become the batch, the batch becomes the channels.
  const xt = backend.makeOutput([C, HN, WN, N], "float32");
  const xtv = backend.typedArrayFromHeap(xt);
  xtv.fill(0);
  const xs = backend.typedArrayFromHeap(x);
  for (let n = 0; n < N; n++) {
    for (let r = 0; r < HN; r++) {
      const ih = r - top;
      if (ih < 0 || ih >= H) continue;
      for (let col = 0; col < WN; col++) {
        const iw = col - left;
        if (iw < 0 || iw >= W) continue;
        const src = ((n * H + ih) * W + iw) * C;
        const dst = (r * WN + col) * N + n;
        for (let c = 0; c < C; c++) xtv[c * HN * WN * N + dst] = xs[src + c]!;
      }
    }
  }
  // dy as a filter [OH, OW, N, O].
  const f = backend.makeOutput([OH, OW, N, O], "float32");
  const fv = backend.typedArrayFromHeap(f);
  const dys = backend.typedArrayFromHeap(dy);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < OH * OW; p++) fv.set(dys.subarray((n * OH * OW + p) * O, (n * OH * OW + p + 1) * O), (p * N + n) * O);
  }
  const conv = forwardConv()({ inputs: { x: xt, filter: f }, backend: args.backend, attrs: { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [SH, SW] } });
  backend.disposeData(xt.dataId);
  backend.disposeData(f.dataId);
  // [C, KH, KW, O] -> [KH, KW, C, O].
  const out = backend.makeOutput([KH, KW, C, O], "float32");
  const ov = backend.typedArrayFromHeap(out);
  const cv = backend.typedArrayFromHeap(conv);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < KH * KW; k++) ov.set(cv.subarray((c * KH * KW + k) * O, (c * KH * KW + k + 1) * O), (k * C + c) * O);
  }
  backend.disposeData(conv.dataId);
  return out;
}
