// Identity for the wasm backend without a copy. TF.js clones every tensor an op saves for
// its gradient (engine.saveTensorsForBackwardMode), and the wasm backend's Identity copies
// the data each time: ~700 copies per DCGAN iteration. Tensors are immutable (a variable's
// assign swaps its data, never writes into it), so sharing the data, as the cpu backend's
// Identity does, gives the same values.
import * as tf from "@tensorflow/tfjs";

interface RefCounted {
  incRef(dataId: object): void;
}

export function registerWasmIdentity(): void {
  const original = tf.getKernel("Identity", "wasm") as (tf.KernelConfig & { ganSpec?: boolean }) | undefined;
  if (!original || original.ganSpec) return;
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: object }): tf.TensorInfo | tf.TensorInfo[] => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") return original.kernelFunc(args as Parameters<tf.KernelFunc>[0]);
    (args.backend as RefCounted).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({ kernelName: "Identity", backendName: "wasm", kernelFunc: kernelFunc as unknown as tf.KernelFunc, ganSpec: true } as tf.KernelConfig);
}
