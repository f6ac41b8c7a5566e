// UnsortedSegmentSum for the wasm backend, which has none: it is the gradient of gather,
// so without it nothing that upsamples (runtime/nn/functional.ts builds nearest and
// bilinear upsampling from gathers) can train on wasm.
//   out[s, ...] = sum of x[i, ...] over the i with segmentIds[i] = s (ids outside
//   [0, numSegments) are dropped, as TensorFlow does).
import * as tf from "@tensorflow/tfjs";

interface WasmBackend {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function unsortedSegmentSum(args: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  if (x.dtype !== "float32" && x.dtype !== "int32") throw new Error(`UnsortedSegmentSum: ${x.dtype} is not supported on wasm`);
  const idRank = segmentIds.shape.length;
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(idRank).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idRank)], x.dtype);
  const ov = backend.typedArrayFromHeap(out);
  const xv = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  ov.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) ov[dst + j]! += xv[src + j]!;
  }
  return out;
}

export function registerWasmSegmentSum(): void {
  if (tf.getKernel("UnsortedSegmentSum", "wasm")) return;
  tf.registerKernel({ kernelName: "UnsortedSegmentSum", backendName: "wasm", kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc });
}
