// The layers of the GAN zoo, part 1, against PyTorch 1.13's own modules: outputs (1e-5),
// gradients of sum(y * g) for the input and every parameter (1e-4) and running statistics,
// on the cpu and wasm backends. Oracles: test/fixtures/reference/zoo_layers.* (recorded by
// test/fixtures/make_zoo_layers_torch.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { startBackend } from "../runtime/backend.ts";
import { readSafetensors } from "../runtime/io/safetensors.ts";
import * as F from "../runtime/nn/functional.ts";

interface Case {
  readonly name: string;
  readonly op: string;
  readonly mode: "train" | "eval";
  readonly shape: readonly number[];
  readonly [k: string]: unknown;
}

const ref = JSON.parse(readFileSync(new URL("./fixtures/reference/zoo_layers.json", import.meta.url), "utf8")) as { cases: Case[] };
const tensors = new Map(readSafetensors(readFileSync(new URL("./fixtures/reference/zoo_layers.safetensors", import.meta.url))).map((t) => [t.name, t]));
const get = (k: string) => tensors.get(k);
const torchTensor = (k: string) => {
  const t = get(k)!;
  return t.shape.length === 4 ? F.fromTorchOrder(tf.tensor(t.data, [...t.shape])) : tf.tensor(t.data, [...t.shape]);
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** The case's layer as a function of (x, weight, bias), channels-last; running statistics on the side. */
function layer(c: Case, running: { mean?: tf.Tensor1D; var?: tf.Tensor1D }): (x: tf.Tensor, w: tf.Tensor | null, b: tf.Tensor | null) => tf.Tensor {
  const training = c.mode === "train";
  switch (c.op) {
    case "pad":
      return (x) => F.pad2d(x as tf.Tensor4D, c["padding"] as number[], c["mode"] as "reflect");
    case "inorm":
      return (x, w, b) => {
        const rm = get(`${c.name}.before.running_mean`) ? (torchTensor(`${c.name}.before.running_mean`) as tf.Tensor1D) : null;
        const rv = get(`${c.name}.before.running_var`) ? (torchTensor(`${c.name}.before.running_var`) as tf.Tensor1D) : null;
        const r = F.instanceNorm(x as tf.Tensor4D, { weight: w, bias: b, runningMean: rm, runningVar: rv }, { training, momentum: c["momentum"] as number, eps: c["eps"] as number });
        if (r.runningMean) running.mean = tf.keep(r.runningMean);
        if (r.runningVar) running.var = tf.keep(r.runningVar);
        return r.y;
      };
    case "gn":
      return (x, w, b) => F.groupNorm(x as tf.Tensor4D, c["groups"] as number, { weight: w, bias: b }, c["eps"] as number);
    case "ln":
      return (x, w, b) => F.layerNorm(x, { weight: w, bias: b }, c["eps"] as number);
    case "bn":
      return (x, w, b) => {
        const r = F.batchNorm(x, { weight: w!, bias: b!, runningMean: torchTensor(`${c.name}.before.running_mean`), runningVar: torchTensor(`${c.name}.before.running_var`) } as never, { training, momentum: c["momentum"] as number, eps: c["eps"] as number });
        if (r.runningMean) running.mean = tf.keep(r.runningMean as tf.Tensor1D);
        if (r.runningVar) running.var = tf.keep(r.runningVar as tf.Tensor1D);
        return r.y;
      };
    case "avgpool":
      return (x) => F.avgPool2d(x as tf.Tensor4D, c["kernel"] as number[], c["stride"] as number[], c["padding"] as number[]);
    case "maxpool":
      return (x) => F.maxPool2d(x as tf.Tensor4D, c["kernel"] as number[], c["stride"] as number[], c["padding"] as number[]);
  }
  throw new Error(`no case for ${c.op}`);
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`zoo layers against PyTorch (${backend})`, () => {
    for (const c of ref.cases) {
      it(`${c.name}: output, gradients${c.mode === "train" && get(`${c.name}.after.running_mean`) ? ", running statistics" : ""}`, async () => {
        await startBackend(backend);
        const running: { mean?: tf.Tensor1D; var?: tf.Tensor1D } = {};
        const f = layer(c, running);
        const x = torchTensor(`${c.name}.x`);
        const w = get(`${c.name}.before.weight`) ? torchTensor(`${c.name}.before.weight`) : null;
        const b = get(`${c.name}.before.bias`) ? torchTensor(`${c.name}.before.bias`) : null;
        const g = tf.tensor(get(`${c.name}.g`)!.data, [...get(`${c.name}.g`)!.shape]);
        const out = (xx: tf.Tensor, ww: tf.Tensor | null, bb: tf.Tensor | null) => {
          const y = f(xx, ww, bb);
          return y.rank === 4 ? F.toTorchOrder(y) : y;
        };
        const y = out(x, w, b);
        assert.ok(maxDiff(y.dataSync(), get(`${c.name}.y`)!.data) <= 1e-5, `${c.name} output: ${maxDiff(y.dataSync(), get(`${c.name}.y`)!.data)}`);
        const args = [x, ...(w && b ? [w, b] : [])];
        const grads = tf.grads((...a: tf.Tensor[]) => out(a[0]!, a[1] ?? null, a[2] ?? null).mul(g).sum())(args);
        const names = ["dx", ...(w && b ? ["d.weight", "d.bias"] : [])];
        grads.forEach((gr, i) => {
          const want = get(`${c.name}.${names[i]}`)!;
          const mine = gr.rank === 4 ? F.toTorchOrder(gr) : gr;
          assert.ok(maxDiff(mine.dataSync(), want.data) <= 1e-4, `${c.name} ${names[i]}: ${maxDiff(mine.dataSync(), want.data)}`);
        });
        if (c.mode === "train" && get(`${c.name}.after.running_mean`)) {
          assert.ok(running.mean && running.var, `${c.name}: no running statistics`);
          assert.ok(maxDiff(running.mean.dataSync(), get(`${c.name}.after.running_mean`)!.data) <= 1e-6, `${c.name} running_mean`);
          assert.ok(maxDiff(running.var.dataSync(), get(`${c.name}.after.running_var`)!.data) <= 1e-5, `${c.name} running_var`);
        }
        tf.dispose([x, g, y, ...(w ? [w] : []), ...(b ? [b] : []), ...grads, ...(running.mean ? [running.mean] : []), ...(running.var ? [running.var] : [])]);
      });
    }
  });
}

describe("dropout2d", () => {
  it("zeroes whole channels of each example with probability p, scales the rest by 1/(1-p), and is the identity in eval", async () => {
    await startBackend("cpu");
    const x = tf.ones([64, 3, 3, 16]) as tf.Tensor4D;
    const y = F.dropout2d(x, 0.25, true, 7);
    const v = y.dataSync();
    let zeroChannels = 0;
    for (let n = 0; n < 64; n++) {
      for (let c = 0; c < 16; c++) {
        const vals = Array.from({ length: 9 }, (_, p) => v[(n * 9 + p) * 16 + c]!);
        assert.ok(vals.every((q) => q === vals[0]), "one value per channel");
        if (vals[0] === 0) zeroChannels++;
        else assert.ok(Math.abs(vals[0]! - 1 / 0.75) < 1e-6);
      }
    }
    const share = zeroChannels / (64 * 16);
    assert.ok(share > 0.18 && share < 0.32, `dropped ${share}`);
    const same = F.dropout2d(x, 0.25, false, 7);
    assert.notEqual(same, x, "a tensor of its own");
    assert.deepEqual(same.dataSync(), x.dataSync());
  });
});
