// Layer parity against PyTorch 1.13: runtime/nn/functional.ts on the TF.js CPU backend versus
// the reference tensors in test/fixtures/reference/ (conv_cases: 80 conv / convT cases;
// layer_cases: BatchNorm2d train / running stats / eval, LeakyReLU(0.2), Upsample nearest and
// bilinear ×2, BCE with logits and BCE on probabilities). Max-abs-difference tolerance 1e-4.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { startBackend } from "../runtime/backend.ts";
import { readSafetensors, type NamedTensor } from "../runtime/io/safetensors.ts";
import {
  batchNorm,
  bce,
  bceWithLogits,
  conv2d,
  convTranspose2d,
  fromTorchOrder,
  leakyRelu,
  toTorchOrder,
  upsample,
} from "../runtime/nn/functional.ts";

const TOL = 1e-4;

interface ConvCase {
  id: string;
  op: "conv" | "convT";
  in_shape: [number, number, number];
  out_channels: number;
  k: number;
  s: number;
  p: number;
  d: number;
  op_pad: number;
  out_shape?: [number, number, number];
  error?: string;
}

const fixture = (path: string): Uint8Array => readFileSync(new URL(`./fixtures/${path}`, import.meta.url));

function loadTensors(path: string): Map<string, NamedTensor> {
  return new Map(readSafetensors(fixture(path), path).map((t) => [t.name, t]));
}

function get(m: Map<string, NamedTensor>, name: string): NamedTensor {
  const t = m.get(name);
  assert.ok(t, `missing reference tensor ${name}`);
  return t;
}

const tensor = (t: NamedTensor): tf.Tensor => tf.tensor(t.data, [...t.shape], "float32");

/** Max |a - b| after checking the shapes match; `a` is the computed tensor. */
function maxAbsDiff(a: tf.Tensor, ref: NamedTensor, what: string): number {
  assert.deepEqual(a.shape, [...ref.shape], `${what}: shape ${JSON.stringify(a.shape)} vs PyTorch ${JSON.stringify(ref.shape)}`);
  const got = a.dataSync();
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i]! - ref.data[i]!);
    if (!(d <= worst)) worst = d; // NaN propagates
  }
  return worst;
}

function expectClose(a: tf.Tensor, ref: NamedTensor, what: string): number {
  const worst = maxAbsDiff(a, ref, what);
  assert.ok(worst <= TOL, `${what}: max |diff| ${worst} > ${TOL}`);
  return worst;
}

// test/parity-layers-native.test.ts runs this file again on the wasm backend with the
// native kernels (GAN_PARITY_BACKEND=wasm).
const BACKEND = process.env.GAN_PARITY_BACKEND === "wasm" ? "wasm" : "cpu";

before(async () => {
  if (BACKEND === "wasm") assert.match((await startBackend("wasm")).why, /native kernels/);
  else await tf.setBackend("cpu");
});

describe("conv / convT parity with PyTorch (conv_cases)", () => {
  const cases: ConvCase[] = JSON.parse(readFileSync(new URL("./fixtures/conv_cases.json", import.meta.url), "utf8"));
  const tensors = loadTensors("reference/conv_cases.safetensors");

  it("has 80 cases; exactly the rejected ones have no tensors", () => {
    assert.equal(cases.length, 80);
    const rejected = cases.filter((c) => c.error !== undefined).map((c) => c.id).sort();
    const stored = [...new Set([...tensors.keys()].map((n) => n.slice(0, n.indexOf("."))))];
    const missing = cases.map((c) => c.id).filter((id) => !stored.includes(id)).sort();
    assert.deepEqual(missing, rejected);
    assert.ok(stored.every((id) => cases.some((c) => c.id === id)), "tensors for an unknown case id");
    for (const c of cases.filter((k) => k.error === undefined)) {
      for (const part of ["x", "weight", "bias", "y"]) get(tensors, `${c.id}.${part}`);
    }
  });

  it("every accepted case matches y within 1e-4", (t) => {
    let worstAll = 0;
    let worstId = "";
    let checked = 0;
    for (const c of cases) {
      if (c.error !== undefined) continue;
      const worst = tf.tidy(() => {
        const x = fromTorchOrder(tensor(get(tensors, `${c.id}.x`))) as tf.Tensor4D;
        const w = tensor(get(tensors, `${c.id}.weight`)) as tf.Tensor4D;
        const b = tensor(get(tensors, `${c.id}.bias`)) as tf.Tensor1D;
        const base = { stride: [c.s, c.s], padding: [c.p, c.p], dilation: [c.d, c.d] } as const;
        const y =
          c.op === "conv"
            ? conv2d(x, w, b, base)
            : convTranspose2d(x, w, b, { ...base, outputPadding: [c.op_pad, c.op_pad] });
        const desc = `${c.id} ${c.op} in=${JSON.stringify(c.in_shape)} k${c.k} s${c.s} p${c.p} d${c.d} op${c.op_pad}`;
        return expectClose(toTorchOrder(y), get(tensors, `${c.id}.y`), desc);
      });
      checked++;
      if (worst > worstAll) {
        worstAll = worst;
        worstId = c.id;
      }
    }
    assert.equal(checked, 72);
    assert.ok(worstAll <= TOL, `worst ${worstAll} (${worstId})`);
    t.diagnostic(`conv/convT worst max |diff| ${worstAll} (${worstId})`);
  });
});

describe("layer parity with PyTorch (layer_cases)", () => {
  const t = loadTensors("reference/layer_cases.safetensors");
  const notes: { id: string; note: string }[] = JSON.parse(
    readFileSync(new URL("./fixtures/reference/layer_cases.json", import.meta.url), "utf8"),
  );

  it("BatchNorm2d: train output, running stats after one step, eval output", (ctx) => {
    assert.match(notes.find((n) => n.id === "bn")!.note, /eps=1e-5 momentum=0\.1/);
    tf.tidy(() => {
      const x = fromTorchOrder(tensor(get(t, "bn.x")));
      const c = x.shape[3]!;
      const state = {
        weight: tensor(get(t, "bn.weight")) as tf.Tensor1D,
        bias: tensor(get(t, "bn.bias")) as tf.Tensor1D,
        runningMean: tf.zeros([c]) as tf.Tensor1D, // fresh BatchNorm2d buffers
        runningVar: tf.ones([c]) as tf.Tensor1D,
      };
      const train = batchNorm(x, state, { training: true, momentum: 0.1, eps: 1e-5 });
      const dTrain = expectClose(toTorchOrder(train.y), get(t, "bn.y_train"), "bn train y");
      assert.ok(train.runningMean && train.runningVar, "training returns running stats");
      const dMean = expectClose(train.runningMean, get(t, "bn.running_mean_after"), "bn running_mean");
      const dVar = expectClose(train.runningVar, get(t, "bn.running_var_after"), "bn running_var (unbiased)");
      const evalOut = batchNorm(
        x,
        { ...state, runningMean: train.runningMean, runningVar: train.runningVar },
        { training: false, momentum: 0.1, eps: 1e-5 },
      );
      const dEval = expectClose(toTorchOrder(evalOut.y), get(t, "bn.y_eval_after"), "bn eval y");
      ctx.diagnostic(`bn max |diff|: train y ${dTrain}, running_mean ${dMean}, running_var ${dVar}, eval y ${dEval}`);
    });
  });

  it("LeakyReLU(0.2)", (ctx) => {
    tf.tidy(() => {
      const y = leakyRelu(fromTorchOrder(tensor(get(t, "lrelu.x"))), 0.2);
      ctx.diagnostic(`leaky relu max |diff| ${expectClose(toTorchOrder(y), get(t, "lrelu.y"), "leaky relu")}`);
    });
  });

  it("Upsample ×2 nearest and bilinear (align_corners=False) of bn.x", (ctx) => {
    tf.tidy(() => {
      const x = fromTorchOrder(tensor(get(t, "bn.x"))) as tf.Tensor4D;
      const dn = expectClose(toTorchOrder(upsample(x, 2, "nearest")), get(t, "up_nearest.y"), "upsample nearest");
      const db = expectClose(toTorchOrder(upsample(x, 2, "bilinear")), get(t, "up_bilinear.y"), "upsample bilinear");
      ctx.diagnostic(`upsample max |diff|: nearest ${dn}, bilinear ${db}`);
    });
  });

  it("Upsample gradients are the adjoint of the (linear) forward map, batch > 1 and H != W", () => {
    // TF.js's own resize gradients are wrong here (see functional.ts); f is linear, so
    // d<r, f(x)>/dx_i must equal <r, f(e_i)>.
    tf.tidy(() => {
      const x = tf.randomNormal([2, 3, 4, 2], 0, 1, "float32", 1) as tf.Tensor4D;
      const r = tf.randomNormal([2, 6, 8, 2], 0, 1, "float32", 2);
      for (const mode of ["nearest", "bilinear"] as const) {
        const g = tf.grad((v: tf.Tensor) => upsample(v as tf.Tensor4D, 2, mode).mul(r).sum())(x).dataSync();
        // Probe e_i is a whole [2, 3, 4, 2] batch: stacked, they form a batch of 2 * x.size.
        const eye = tf.oneHot(tf.range(0, x.size, 1, "int32"), x.size);
        const probes = eye.reshape([x.size * 2, 3, 4, 2]) as tf.Tensor4D;
        const adj = upsample(probes, 2, mode).reshape([x.size, -1]).mul(r.reshape([1, -1])).sum(1).dataSync();
        let worst = 0;
        for (let i = 0; i < x.size; i++) worst = Math.max(worst, Math.abs(g[i]! - adj[i]!));
        assert.ok(worst <= TOL, `upsample ${mode} gradient: max |diff| ${worst} > ${TOL}`);
      }
    });
  });

  it("BCEWithLogits on large logits and BCE on probabilities (mean reduction)", (ctx) => {
    assert.match(notes.find((n) => n.id === "bce")!.note, /mean/);
    tf.tidy(() => {
      const target = tensor(get(t, "bce.target"));
      const logits = tensor(get(t, "bce.logits"));
      const probs = tensor(get(t, "bce.probs"));
      const withLogits = bceWithLogits(logits, target);
      const onProbs = bce(probs, target);
      for (const [v, ref, what] of [
        [withLogits, get(t, "bce.with_logits"), "bce with logits"],
        [onProbs, get(t, "bce.on_probs"), "bce on probs"],
      ] as const) {
        assert.ok(Number.isFinite(v.dataSync()[0]), `${what} is finite`);
        ctx.diagnostic(`${what} max |diff| ${expectClose(v.reshape([1]), ref, what)} (PyTorch ${ref.data[0]})`);
      }
    });
  });

  it("leaves no tensors behind", () => {
    const n = tf.memory().numTensors;
    tf.tidy(() => {
      const x = fromTorchOrder(tensor(get(t, "bn.x"))) as tf.Tensor4D;
      upsample(x, 2, "bilinear");
      conv2d(x, tf.ones([3, 5, 3, 3]) as tf.Tensor4D, null, { stride: [2, 2], padding: [1, 1], dilation: [2, 2] });
    });
    assert.equal(tf.memory().numTensors, n);
  });
});

describe("bce's gradient is PyTorch's closed form", () => {
  it("stays finite where a sigmoid saturates to exactly 0 or 1 (no 0/0 through the clamp)", async () => {
    const { bce: bceLoss } = await import("../runtime/nn/functional.ts");
    if (BACKEND === "cpu") await tf.setBackend("cpu");
    const p = tf.variable(tf.tensor([0, 1, 0.25, 1]));
    const g = tf.variableGrads(() => bceLoss(p, tf.tensor([1, 0, 1, 1])), [p]);
    const grad = [...g.grads[p.name]!.dataSync()];
    // (p - y) / max((1 - p) p, 1e-12) / n, as torch.nn.functional.binary_cross_entropy's backward.
    const expected = [(0 - 1) / 1e-12 / 4, (1 - 0) / 1e-12 / 4, (0.25 - 1) / (0.75 * 0.25) / 4, 0];
    grad.forEach((v, i) => assert.ok(Number.isFinite(v) && Math.abs(v - expected[i]!) <= Math.abs(expected[i]!) * 1e-5 + 1e-6, `grad[${i}] = ${v}, PyTorch ${expected[i]}`));
    // The value clamps log at -100, as PyTorch does: (100 + 100 + -log(0.25) + 0) / 4.
    assert.ok(Math.abs(g.value.dataSync()[0]! - (200 - Math.log(0.25)) / 4) < 1e-4);
    tf.dispose([p, g.value, ...Object.values(g.grads)]);
  });
});
