// The two convolution gradients for the wasm backend, written as forward convolutions so
// XNNPACK's fast SIMD Conv2D does the arithmetic (the wasm backend has no
// Conv2DBackpropFilter, and its Conv2DBackpropInput — also the forward pass of every
// transposed convolution — is a slow loop):
//   dX = S·S stride-1 convolutions of dy with flipped sub-kernels, one per output phase;
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

/**
 * Conv2DBackpropInput: dx [N, H, W, C] from dy [N, OH, OW, O] and the filter [KH, KW, C, O].
 * Split by output phase (sub-pixel): the rows of dx with (ih + padTop) mod S = r only meet
 * the kernel rows r, r + S, r + 2S, ..., so each of the S·S phases is one stride-1 forward
 * convolution of dy itself (padded by XNNPACK, not copied) with a small flipped sub-kernel,
 * and no multiply-add is spent on the zeros a stride-S spread would insert.
 */
export function conv2dBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as ConvAttrs & { inputShape: [number, number, number, number] };
  if (attrs.dataFormat !== "NHWC") throw new Error("Conv2DBackpropInput: only NHWC is supported");
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, "channelsLast");
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: O } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const conv = forwardConv();
  const dx = backend.makeOutput([N, H, W, C], "float32");
  backend.typedArrayFromHeap(dx).fill(0);
  for (let rh = 0; rh < SH; rh++) {
    const MH = Math.max(0, Math.ceil((KH - rh) / SH));
    if (MH === 0) continue;
    const th0 = Math.max(0, Math.ceil((pt - rh) / SH));
    const th1 = Math.floor((H - 1 + pt - rh) / SH);
    if (th1 < th0) continue;
    for (let rw = 0; rw < SW; rw++) {
      const MW = Math.max(0, Math.ceil((KW - rw) / SW));
      if (MW === 0) continue;
      const tw0 = Math.max(0, Math.ceil((pl - rw) / SW));
      const tw1 = Math.floor((W - 1 + pl - rw) / SW);
      if (tw1 < tw0) continue;
      // Sub-kernel [MH, MW, O, C]: taps (rh + (MH-1-i)·SH, rw + (MW-1-j)·SW), in and out swapped.
      const sub = backend.makeOutput([MH, MW, O, C], "float32");
      const sv = backend.typedArrayFromHeap(sub);
      const ws = backend.typedArrayFromHeap(filter);
      for (let i = 0; i < MH; i++) {
        for (let j = 0; j < MW; j++) {
          const src = ((rh + (MH - 1 - i) * SH) * KW + (rw + (MW - 1 - j) * SW)) * C * O;
          const dst = (i * MW + j) * O * C;
          for (let c = 0; c < C; c++) {
            const s0 = src + c * O;
            for (let o = 0; o < O; o++) sv[dst + o * C + c] = ws[s0 + o]!;
          }
        }
      }
      // Output rows t = 0 .. TH-1 cover [th0, th1]; dy is padded by MH-1 on top.
      const TH = Math.max(OH, th1 + 1);
      const TW = Math.max(OW, tw1 + 1);
      const pad = [[0, 0], [MH - 1, TH - OH], [MW - 1, TW - OW], [0, 0]] as tf.backend_util.ExplicitPadding;
      const y = conv({ inputs: { x: dy, filter: sub }, backend: args.backend, attrs: { strides: [1, 1], pad, dataFormat: "NHWC", dilations: [1, 1] } });
      backend.disposeData(sub.dataId);
      const yv = backend.typedArrayFromHeap(y);
      const dv = backend.typedArrayFromHeap(dx);
      for (let n = 0; n < N; n++) {
        for (let th = th0; th <= th1; th++) {
          const ih = th * SH + rh - pt;
          for (let tw = tw0; tw <= tw1; tw++) {
            const iw = tw * SW + rw - pl;
            const src = ((n * TH + th) * TW + tw) * C;
            dv.set(yv.subarray(src, src + C), ((n * H + ih) * W + iw) * C);
          }
        }
      }
      backend.disposeData(y.dataId);
    }
  }
  return dx;
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
