// BatchMatMul for the wasm backend: XNNPACK multiplies untransposed operands fast
// (64x784 by 784x1024: 4.6 ms) but a transposed one slowly (69-199 ms), and every
// Linear's forward (x W^T) and both of its gradients ask for one. So transpose first (the
// wasm Transpose kernel, ~1 ms) and multiply untransposed: the same numbers, ~10x faster.
import * as tf from "@tensorflow/tfjs";

interface WasmBackend {
  disposeData(dataId: object): void;
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/**
 * The last two dimensions swapped, in JavaScript on the wasm heap, tile by tile (the wasm
 * Transpose kernel takes ~13 ms for a 1024 x 784 weight; this ~2 ms).
 */
function transposeLast2(x: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const r = x.shape.length;
  const rows = x.shape[r - 2]!;
  const cols = x.shape[r - 1]!;
  const batches = x.shape.slice(0, r - 2).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([...x.shape.slice(0, r - 2), cols, rows], "float32");
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const T = 32;
  for (let b = 0; b < batches; b++) {
    const base = b * rows * cols;
    for (let i0 = 0; i0 < rows; i0 += T) {
      const i1 = Math.min(rows, i0 + T);
      for (let j0 = 0; j0 < cols; j0 += T) {
        const j1 = Math.min(cols, j0 + T);
        for (let i = i0; i < i1; i++) {
          const s = base + i * cols;
          for (let j = j0; j < j1; j++) dst[base + j * rows + i] = src[s + j]!;
        }
      }
    }
  }
  return out;
}

export function registerWasmBatchMatMul(): void {
  const original = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (!original || !transpose || (original as { ganSpec?: boolean }).ganSpec) return;
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }): tf.TensorInfo | tf.TensorInfo[] => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args as Parameters<tf.KernelFunc>[0]);
    const temporary: tf.TensorInfo[] = [];
    const flip = (x: tf.TensorInfo): tf.TensorInfo => {
      let out: tf.TensorInfo;
      if (x.dtype === "float32") out = transposeLast2(x, args.backend as WasmBackend);
      else {
        const r = x.shape.length;
        const perm = [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
        out = transpose.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm } } as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
      }
      temporary.push(out);
      return out;
    };
    const plain = (x: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo =>
      original.kernelFunc({ inputs: { a: x, b: y }, backend: args.backend, attrs: { ...attrs, transposeA: false, transposeB: false } } as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    const size = (x: tf.TensorInfo) => x.shape.reduce((p, d) => p * d, 1);
    const r = a.shape.length;
    const m = attrs.transposeA ? a.shape[r - 1]! : a.shape[r - 2]!;
    const n = attrs.transposeB ? b.shape[r - 2]! : b.shape[r - 1]!;
    const batch = a.shape.slice(0, r - 2).reduce((p, d) => p * d, 1);
    // y = op(a) op(b) directly (transpose the flagged operands), or as (op(b)^T op(a)^T)^T,
    // which transposes the other operands and the result: whichever moves fewer numbers.
    // For a Linear layer (x W^T, and the gradients) that keeps the weight untransposed.
    const direct = (attrs.transposeA ? size(a) : 0) + (attrs.transposeB ? size(b) : 0);
    const swapped = (attrs.transposeA ? 0 : size(a)) + (attrs.transposeB ? 0 : size(b)) + batch * m * n;
    let out: tf.TensorInfo;
    if (swapped < direct) {
      const yT = plain(attrs.transposeB ? b : flip(b), attrs.transposeA ? a : flip(a));
      out = flip(yT);
      temporary.splice(temporary.indexOf(out), 1);
      temporary.push(yT);
    } else {
      out = plain(attrs.transposeA ? flip(a) : a, attrs.transposeB ? flip(b) : b);
    }
    for (const t of temporary) (args.backend as WasmBackend).disposeData(t.dataId);
    return out;
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...original, kernelFunc: kernelFunc as tf.KernelFunc, ganSpec: true } as tf.KernelConfig);
}
