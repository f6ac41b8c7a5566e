// Registers this project's CPU kernels in place of TF.js's slow ones. Imported for its
// effect by runtime/nn/functional.ts, so any use of the runtime gets them.
import * as tf from "@tensorflow/tfjs";
import { conv2dBackpropFilter } from "./conv2d-backprop-filter.ts";

const kernels: tf.KernelConfig[] = [
  { kernelName: "Conv2DBackpropFilter", backendName: "cpu", kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc },
];

for (const k of kernels) {
  const current = tf.getKernel(k.kernelName, k.backendName) as (tf.KernelConfig & { ganNative?: boolean }) | undefined;
  if (current?.ganNative) continue; // the native kernel (runtime/kernels/native-kernels.ts) is faster
  if (current) tf.unregisterKernel(k.kernelName, k.backendName);
  tf.registerKernel(k);
}
