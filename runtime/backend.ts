// Picks and starts the TF.js backend. For now the stock `cpu` backend (the GPU paths and
// faster kernels are planned); says which one runs and why.
import * as tf from "@tensorflow/tfjs";

export interface BackendInfo {
  readonly name: string;
  readonly why: string;
}

export async function startBackend(): Promise<BackendInfo> {
  // Production mode: no debug checks, and no "install tfjs-node" banner on stderr.
  tf.enableProdMode();
  await tf.setBackend("cpu");
  await tf.ready();
  return { name: tf.getBackend(), why: `TensorFlow.js ${tf.version.tfjs}, the portable CPU backend` };
}
