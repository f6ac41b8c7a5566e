import * as tf from "@tensorflow/tfjs";
import { startBackend } from "../runtime/backend.ts";
for (const b of ["cpu", "wasm"] as const) {
  const info = await startBackend(b);
  console.log(info.why);
  const w1 = tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 0.3, "float32", 1));
  const w2 = tf.variable(tf.randomNormal([4 * 4 * 4, 1], 0, 0.3, "float32", 2));
  const x = tf.randomNormal([2, 8, 8, 2], 0, 1, "float32", 3);
  const D = (x: tf.Tensor) => tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, "same"), 0.2).reshape([x.shape[0]!, -1]).matMul(w2);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const g = tf.grad((xx: tf.Tensor) => D(xx).sum())(x);
      const n = g.reshape([2, -1]).square().sum(1).add(1e-12).sqrt();
      return n.sub(1).square().mean() as tf.Scalar;
    });
    console.log(b, value.dataSync(), Object.values(grads).map((g) => g.abs().sum().dataSync()[0]));
  } catch (e) { console.log(b, "ERR", (e as Error).message.slice(0, 300)); }
}
