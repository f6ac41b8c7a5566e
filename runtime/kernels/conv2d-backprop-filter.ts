// Conv2DBackpropFilter for TF.js's CPU backend: the weight gradient of a convolution.
// The stock kernel reads every operand through TensorBuffer.get() (about 20 s for one
// DCGAN layer); this one walks the flat arrays, accumulating the outer product of an input
// pixel's channels and an output gradient pixel's channels into each kernel tap, and skips
// zero inputs (transposed convolutions run on zero-spread inputs, 3/4 zeros at stride 2).
// Same result up to float32 summation order.
import * as tf from "@tensorflow/tfjs";

interface Attrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

interface Backend {
  readSync(dataId: object): Float32Array;
}

/** [N, C, H, W] values as [N, H, W, C]. */
function toChannelsLast(v: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const src = (n * C + c) * H * W;
      for (let p = 0; p < H * W; p++) out[(n * H * W + p) * C + c] = v[src + p]!;
    }
  return out;
}

/** The weight gradient [KH, KW, C, O] from the input and the output gradient (NHWC, or NCHW transposed first). */
function weightGradient(x: tf.TensorInfo, dy: tf.TensorInfo, backend: Backend, attrs: Attrs): { shape: [number, number, number, number]; values: Float32Array } {
  const channelsFirst = attrs.dataFormat === "NCHW";
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    channelsFirst ? "channelsFirst" : "channelsLast",
  );
  let xs = backend.readSync(x.dataId);
  let dys = backend.readSync(dy.dataId);
  if (channelsFirst) {
    xs = toChannelsLast(xs, info.batchSize, info.inChannels, info.inHeight, info.inWidth);
    dys = toChannelsLast(dys, info.batchSize, info.outChannels, info.outHeight, info.outWidth);
  }
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: O } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dw = new Float32Array(KH * KW * C * O);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * SH - top;
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * SW - left;
        const dyOff = ((n * OH + oh) * OW + ow) * O;
        for (let fh = 0; fh < KH; fh++) {
          const ih = ih0 + fh * DH;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < KW; fw++) {
            const iw = iw0 + fw * DW;
            if (iw < 0 || iw >= W) continue;
            const xOff = ((n * H + ih) * W + iw) * C;
            const wOff = (fh * KW + fw) * C * O;
            for (let c = 0; c < C; c++) {
              const xv = xs[xOff + c]!;
              if (xv === 0) continue;
              const base = wOff + c * O;
              for (let o = 0; o < O; o++) dw[base + o]! += xv * dys[dyOff + o]!;
            }
          }
        }
      }
    }
  }
  return { shape: [KH, KW, C, O], values: dw };
}

/** The kernel for the cpu backend. */
export function conv2dBackpropFilter(args: { inputs: { x: tf.TensorInfo; dy: tf.TensorInfo }; backend: object; attrs: object }): tf.TensorInfo {
  const backend = args.backend as Backend & { makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo };
  const { shape, values } = weightGradient(args.inputs.x, args.inputs.dy, backend, args.attrs as unknown as Attrs);
  return backend.makeTensorInfo(shape, "float32", values);
}
