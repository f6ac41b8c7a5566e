// The project's CPU kernels against the definition they implement, on small random cases
// (strides, explicit padding, zeros in the input).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import "../runtime/kernels/register.ts";
import { Rng } from "../runtime/random.ts";

/** dW[kh, kw, c, o] = sum over n, oh, ow of x[n, oh*s - pad + kh, ow*s - pad + kw, c] * dy[n, oh, ow, o]. */
function reference(x: tf.Tensor4D, dy: tf.Tensor4D, k: [number, number], s: number, pad: number): Float32Array {
  const [N, H, W, C] = x.shape;
  const [, OH, OW, O] = dy.shape;
  const xs = x.dataSync();
  const dys = dy.dataSync();
  const out = new Float32Array(k[0] * k[1] * C * O);
  for (let a = 0; a < k[0]; a++)
    for (let b = 0; b < k[1]; b++)
      for (let c = 0; c < C; c++)
        for (let o = 0; o < O; o++) {
          let sum = 0;
          for (let n = 0; n < N; n++)
            for (let i = 0; i < OH; i++)
              for (let j = 0; j < OW; j++) {
                const h = i * s - pad + a;
                const w = j * s - pad + b;
                if (h < 0 || h >= H || w < 0 || w >= W) continue;
                sum += xs[((n * H + h) * W + w) * C + c]! * dys[((n * OH + i) * OW + j) * O + o]!;
              }
          out[((a * k[1] + b) * C + c) * O + o] = sum;
        }
  return out;
}

describe("Conv2DBackpropFilter (cpu)", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("matches the definition on 40 random cases", () => {
    const rng = new Rng(9);
    const pick = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
    for (let t = 0; t < 40; t++) {
      const k: [number, number] = [pick(1, 4), pick(1, 4)];
      const s = pick(1, 3);
      const pad = pick(0, 2);
      const shape: [number, number, number, number] = [pick(1, 3), pick(6, 10), pick(6, 10), pick(1, 4)];
      const O = pick(1, 4);
      tf.tidy(() => {
        const data = rng.fillNormal(shape.reduce((a, b) => a * b, 1), 0, 1).map((v, i) => (i % 3 === 0 ? 0 : v));
        const x = tf.tensor4d(data, shape);
        const w = tf.tensor4d(rng.fillNormal(k[0] * k[1] * shape[3] * O, 0, 1), [k[0], k[1], shape[3], O]);
        const padding: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [pad, pad], [pad, pad], [0, 0]];
        const y = tf.conv2d(x, w, s, padding);
        const dy = tf.tensor4d(rng.fillNormal(y.size, 0, 1), y.shape);
        // The weight gradient of a convolution, through autodiff (which calls the kernel).
        const g = tf.grad((ww: tf.Tensor) => tf.conv2d(x, ww as tf.Tensor4D, s, padding).mul(dy).sum())(w).dataSync();
        const ref = reference(x, dy, k, s, pad);
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(g[i]! - ref[i]!));
        assert.ok(worst < 1e-4, `case ${t}: k ${k} s ${s} pad ${pad} shape ${shape}: ${worst}`);
      });
    }
  });
});
