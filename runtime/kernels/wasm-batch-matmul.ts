// BatchMatMul for the wasm backend: XNNPACK multiplies untransposed operands fast
// (64x784 by 784x1024: 4.6 ms) but a transposed one slowly (69-199 ms), and every
// Linear's forward (x W^T) and both of its gradients ask for one. So transpose first (the
// wasm Transpose kernel, ~1 ms) and multiply untransposed: the same numbers, ~10x faster.
import * as tf from "@tensorflow/tfjs";

interface WasmBackend {
  disposeData(dataId: object): void;
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
      const r = x.shape.length;
      const perm = [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
      const out = transpose.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm } } as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
      temporary.push(out);
      return out;
    };
    const out = original.kernelFunc({
      inputs: { a: attrs.transposeA ? flip(a) : a, b: attrs.transposeB ? flip(b) : b },
      backend: args.backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    } as Parameters<tf.KernelFunc>[0]);
    for (const t of temporary) (args.backend as WasmBackend).disposeData(t.dataId);
    return out;
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...original, kernelFunc: kernelFunc as tf.KernelFunc, ganSpec: true } as tf.KernelConfig);
}
