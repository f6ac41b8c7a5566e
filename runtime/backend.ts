// Picks and starts the TF.js backend: the stock `cpu` backend (with this project's faster
// kernels, registered by runtime/kernels/register.ts), or `wasm` (XNNPACK, SIMD; with the
// BatchMatMul fix of runtime/kernels/wasm-batch-matmul.ts), which is much faster for
// fully connected models. Says which one runs and why.
import * as tf from "@tensorflow/tfjs";

export type BackendName = "cpu" | "wasm";

export interface BackendInfo {
  readonly name: string;
  readonly why: string;
}

export async function startBackend(name: BackendName = "cpu"): Promise<BackendInfo> {
  // Production mode: no debug checks, and no "install tfjs-node" banner on stderr.
  tf.enableProdMode();
  if (name === "wasm") {
    await import("@tensorflow/tfjs-backend-wasm");
    await tf.setBackend("wasm");
    await tf.ready();
    const { registerWasmBatchMatMul } = await import("./kernels/wasm-batch-matmul.ts");
    registerWasmBatchMatMul();
    return { name: "wasm", why: `TensorFlow.js ${tf.version.tfjs} WebAssembly (XNNPACK), one thread` };
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return { name: tf.getBackend(), why: `TensorFlow.js ${tf.version.tfjs}, the portable CPU backend` };
}
