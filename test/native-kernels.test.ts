// The native kernels (runtime/kernels/native, registered by runtime/kernels/native-kernels.ts)
// against TF.js's stock cpu kernels (themselves checked against PyTorch in parity-layers):
// convolutions and transposed convolutions with their gradients over a table of
// geometries (strides, explicit / same / valid padding, dilation, odd channel counts, sizes
// that leave partial GEMM tiles), matrix products with every transpose and batch
// broadcast, Sum / Mean over contiguous and scattered axes, Concat and SplitV, LeakyReLU and its gradient,
// training-mode BatchNorm and its gradient, the fused Adam step (bit for bit);
// on the wasm backend (the addon working in the wasm heap) and on the cpu backend. Also
// the wasm fallback kernels used when the addon is absent, and the addon's own checks.
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { startBackend } from "../runtime/backend.ts";
import { conv2dBackpropFilterXnn, conv2dBackpropInputWasm } from "../runtime/kernels/wasm-conv-grads.ts";
import { loadNative } from "../runtime/kernels/native.ts";
import { COUNT_NON_FINITE, DROPOUT_MASK } from "../runtime/kernels/native-kernels.ts";
import { batchNorm, conv2d, convTranspose2d, dropout, linear } from "../runtime/nn/functional.ts";
import { Adam } from "../runtime/optim/adam.ts";
import { dropoutMaskValues, Rng } from "../runtime/random.ts";

type Pad = "valid" | "same" | tf.backend_util.ExplicitPadding;
interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  o: number;
  s: [number, number];
  pad: Pad;
  d?: number;
}

const P = (t: number, b: number, l: number, r: number): tf.backend_util.ExplicitPadding => [[0, 0], [t, b], [l, r], [0, 0]];

const CONV: ConvCase[] = [
  { x: [2, 16, 16, 3], k: [4, 4], o: 8, s: [2, 2], pad: P(1, 1, 1, 1) }, // DCGAN's D, first layer
  { x: [3, 8, 8, 20], k: [4, 4], o: 17, s: [2, 2], pad: P(1, 1, 1, 1) },
  { x: [1, 4, 4, 64], k: [4, 4], o: 1, s: [1, 1], pad: "valid" }, // D's last layer
  { x: [2, 9, 7, 5], k: [3, 3], o: 33, s: [1, 1], pad: "same" },
  { x: [2, 9, 7, 5], k: [3, 2], o: 6, s: [2, 3], pad: "same" },
  { x: [1, 10, 11, 7], k: [1, 1], o: 19, s: [1, 1], pad: "valid" },
  { x: [4, 6, 6, 2], k: [5, 5], o: 3, s: [1, 1], pad: P(2, 2, 2, 2) },
  { x: [1, 12, 12, 4], k: [3, 3], o: 5, s: [3, 3], pad: P(0, 2, 1, 0) },
  { x: [2, 8, 8, 3], k: [3, 3], o: 4, s: [1, 1], pad: P(1, 1, 1, 1), d: 2 }, // forward only
  { x: [1, 33, 17, 1], k: [2, 4], o: 2, s: [2, 1], pad: "valid" },
  { x: [70, 3, 3, 2], k: [2, 2], o: 3, s: [1, 1], pad: "valid" }, // many images, tiny ones
];

interface TransposeCase {
  x: [number, number, number, number]; // the transposed convolution's input
  k: [number, number];
  o: number;
  s: [number, number];
  pad: Pad;
  out: [number, number];
}

const CONVT: TransposeCase[] = [
  { x: [2, 1, 1, 12], k: [4, 4], o: 8, s: [1, 1], pad: "valid", out: [4, 4] }, // DCGAN's G, first layer
  { x: [2, 4, 4, 9], k: [4, 4], o: 5, s: [2, 2], pad: P(1, 1, 1, 1), out: [8, 8] },
  { x: [1, 5, 3, 7], k: [3, 3], o: 18, s: [2, 2], pad: P(1, 0, 1, 0), out: [10, 6] }, // output_padding 1
  { x: [3, 6, 6, 4], k: [3, 3], o: 2, s: [1, 1], pad: P(1, 1, 1, 1), out: [6, 6] },
  { x: [1, 4, 5, 3], k: [2, 3], o: 4, s: [3, 2], pad: "valid", out: [11, 11] },
];

// PyTorch-layout convolutions through runtime/nn/functional.ts: with the addon, the kernels
// that read [out, in, kH, kW] in place (CONV, CONV_DX, CONV_DW); on the stock backend, the
// transposing path. Some have fewer output pixels than half the output channels (the
// forward reads the filter in place), the others more (it is transposed in the kernel).
interface TorchConvCase {
  x: [number, number, number, number];
  k: [number, number];
  o: number;
  s: number;
  p: number;
  d: number;
  op?: number; // output padding: a transposed convolution
}

const TORCH_CONV: TorchConvCase[] = [
  { x: [1, 4, 4, 64], k: [4, 4], o: 128, s: 2, p: 1, d: 1 }, // a U-Net's bottleneck: filter in place
  { x: [1, 2, 2, 40], k: [4, 4], o: 33, s: 2, p: 1, d: 1 }, // one output pixel, partial tiles
  { x: [2, 16, 16, 3], k: [4, 4], o: 8, s: 2, p: 1, d: 1 }, // many pixels: transposed first
  { x: [2, 9, 7, 5], k: [3, 3], o: 6, s: 1, p: 2, d: 2 },
  { x: [3, 10, 9, 7], k: [3, 2], o: 5, s: 2, p: 0, d: 1 },
  { x: [2, 1, 1, 12], k: [4, 4], o: 8, s: 1, p: 0, d: 1, op: 0 }, // DCGAN's G, first layer
  { x: [2, 4, 4, 9], k: [4, 4], o: 5, s: 2, p: 1, d: 1, op: 0 },
  { x: [1, 5, 3, 7], k: [3, 3], o: 18, s: 2, p: 1, d: 1, op: 1 },
  { x: [1, 4, 4, 3], k: [3, 3], o: 4, s: 2, p: 1, d: 2, op: 1 },
  { x: [1, 3, 3, 5], k: [3, 3], o: 4, s: 1, p: 0, d: 2, op: 1 }, // output padding >= stride (< dilation)
];

interface Results {
  [name: string]: Float32Array;
}

function randn(rng: Rng, shape: number[]): tf.Tensor {
  return tf.tensor(rng.fillNormal(shape.reduce((a, b) => a * b, 1), 0, 1), shape);
}

/** Everything the kernels compute, on whatever backend is current, from seeded inputs. */
function run(): Results {
  const rng = new Rng(17);
  const out: Results = {};
  const keep = (name: string, t: tf.Tensor) => {
    out[name] = t.dataSync() as Float32Array;
  };
  tf.tidy(() => {
    CONV.forEach((c, i) => {
      const x = randn(rng, c.x) as tf.Tensor4D;
      const w = randn(rng, [...c.k, c.x[3], c.o]) as tf.Tensor4D;
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, "NHWC", c.d ?? 1);
      const y = f(x, w);
      keep(`conv${i}.y`, y);
      if (c.d) return;
      const dy = randn(rng, y.shape);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).mul(dy).sum())([x, w]);
      keep(`conv${i}.dx`, dx!);
      keep(`conv${i}.dw`, dw!);
    });
    CONVT.forEach((c, i) => {
      const x = randn(rng, c.x) as tf.Tensor4D;
      const w = randn(rng, [...c.k, c.o, c.x[3]]) as tf.Tensor4D;
      const shape: [number, number, number, number] = [c.x[0], ...c.out, c.o];
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, shape, c.s, c.pad as "valid");
      const y = f(x, w);
      keep(`convT${i}.y`, y);
      const dy = randn(rng, y.shape);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).mul(dy).sum())([x, w]);
      keep(`convT${i}.dx`, dx!);
      keep(`convT${i}.dw`, dw!);
    });
    TORCH_CONV.forEach((c, i) => {
      const x = randn(rng, c.x) as tf.Tensor4D;
      const transposed = c.op !== undefined;
      const w = randn(rng, transposed ? [c.x[3], c.o, ...c.k] : [c.o, c.x[3], ...c.k]) as tf.Tensor4D;
      const o = { stride: [c.s, c.s], padding: [c.p, c.p], dilation: [c.d, c.d], outputPadding: [c.op ?? 0, c.op ?? 0] } as const;
      const f = (a: tf.Tensor, b: tf.Tensor) => (transposed ? convTranspose2d(a as tf.Tensor4D, b as tf.Tensor4D, null, o) : conv2d(a as tf.Tensor4D, b as tf.Tensor4D, null, o));
      const y = f(x, w);
      keep(`torchConv${i}.y`, y);
      const dy = randn(rng, y.shape);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).mul(dy).sum())([x, w]);
      keep(`torchConv${i}.dx`, dx!);
      keep(`torchConv${i}.dw`, dw!);
      // A gradient penalty's second derivatives: every kernel's gradient is used.
      const penalty = (a: tf.Tensor, b: tf.Tensor) => tf.grad((v: tf.Tensor) => f(v, b).square().mul(dy).sum())(a).square().sum();
      const [ddx, ddw] = tf.grads(penalty)([x, w]);
      keep(`torchConv${i}.ddx`, ddx!);
      keep(`torchConv${i}.ddw`, ddw!);
    });
    // Linear with its bias in one product (LINEAR), its gradients and second derivatives.
    for (const [n, k, o] of [[64, 784, 1024], [5, 3, 33], [1, 100, 17]] as const) {
      const x = randn(rng, [n, k]) as tf.Tensor2D;
      const w = randn(rng, [o, k]) as tf.Tensor2D;
      const b = randn(rng, [o]) as tf.Tensor1D;
      const f = (a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => linear(a as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D);
      const y = f(x, w, b);
      keep(`linear${n}x${k}x${o}.y`, y);
      const dy = randn(rng, y.shape);
      const [dx, dw, db] = tf.grads((a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => f(a, ww, bb).mul(dy).sum())([x, w, b]);
      keep(`linear${n}x${k}x${o}.dx`, dx!);
      keep(`linear${n}x${k}x${o}.dw`, dw!);
      keep(`linear${n}x${k}x${o}.db`, db!);
      const penalty = (a: tf.Tensor, ww: tf.Tensor) => tf.grad((v: tf.Tensor) => f(v, ww, b).square().mul(dy).sum())(a).square().sum();
      const [ddx, ddw] = tf.grads(penalty)([x, w]);
      keep(`linear${n}x${k}x${o}.ddx`, ddx!);
      keep(`linear${n}x${k}x${o}.ddw`, ddw!);
    }
    // Concat along every axis, and its gradient (SplitV), above and below the size copies split at.
    for (const [shapes, axis] of [[[[2, 3, 4, 5], [2, 3, 4, 7], [2, 3, 4, 1]], 3], [[[2, 3, 4, 5], [2, 1, 4, 5]], 1], [[[1, 128, 128, 64], [1, 128, 128, 64]], 3], [[[3, 2], [4, 2]], 0], [[[2, 0, 3], [2, 5, 3]], 1]] as const) {
      const parts = shapes.map((sh) => randn(rng, [...sh]));
      const tag = `concat${shapes.map((sh) => sh.join("x")).join("+")}@${axis}`;
      const y = tf.concat(parts, axis);
      keep(`${tag}.y`, y);
      const dy = randn(rng, y.shape);
      tf.grads((...p: tf.Tensor[]) => tf.concat(p, axis).mul(dy).sum())(parts).forEach((g, i) => keep(`${tag}.d${i}`, g));
    }
    const mm: [number[], number[], boolean, boolean][] = [
      [[7, 300], [300, 19], false, false],
      [[300, 7], [300, 19], true, false],
      [[7, 300], [19, 300], false, true],
      [[300, 7], [19, 300], true, true],
      [[64, 784], [1024, 784], false, true], // the MLP's first Linear
      [[3, 5, 9], [3, 9, 4], false, false],
      [[1, 5, 9], [3, 4, 9], false, true],
      [[2, 3, 9, 5], [9, 6], true, false],
    ];
    mm.forEach(([as, bs, ta, tb], i) => keep(`matmul${i}`, tf.matMul(randn(rng, as), randn(rng, bs), ta, tb)));
    const r = randn(rng, [3, 4, 5, 6]);
    const axes: [number[], boolean][] = [[[0, 1, 2], false], [[3], true], [[1, 2], false], [[0, 2], true], [[0, 1, 2, 3], false], [[], false]];
    axes.forEach(([ax, keepDims], i) => {
      keep(`sum${i}`, tf.sum(r, ax, keepDims));
      keep(`mean${i}`, tf.mean(r, ax, keepDims));
    });
    const big = randn(rng, [2, 300, 300]); // above the size the threads split
    keep("sumBig", tf.sum(big, [0, 1]));
    keep("meanBig", tf.mean(big, 2));
    // Training-mode BatchNorm (native: statistics, normalisation and gradient kernels),
    // small and above the size the threads split at.
    for (const shape of [[4, 5, 6, 7], [8, 16, 16, 64], [37, 3]]) {
      const c = shape[shape.length - 1]!;
      const bx = randn(rng, shape).mul(3).add(1);
      const bw = randn(rng, [c]);
      const bb = randn(rng, [c]);
      const opts = { training: true, momentum: 0.1, eps: 1e-5 };
      const st = { weight: bw as tf.Tensor1D, bias: bb as tf.Tensor1D, runningMean: tf.zeros([c]) as tf.Tensor1D, runningVar: tf.ones([c]) as tf.Tensor1D };
      const r = batchNorm(bx, st, opts);
      const tag = `bn${shape.join("x")}`;
      keep(`${tag}.y`, r.y);
      keep(`${tag}.runningMean`, r.runningMean!);
      keep(`${tag}.runningVar`, r.runningVar!);
      const dyb = randn(rng, shape);
      const [gx, gw, gb] = tf.grads((a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => batchNorm(a, { ...st, weight: w as tf.Tensor1D, bias: b as tf.Tensor1D }, opts).y.mul(dyb).sum())([bx, bw, bb]);
      keep(`${tag}.dx`, gx!);
      keep(`${tag}.dw`, gw!);
      keep(`${tag}.db`, gb!);
    }
    const l = randn(rng, [4, 200, 100]);
    keep("leaky", tf.leakyRelu(l, 0.2));
    keep("leakyGrad", tf.grad((v: tf.Tensor) => tf.leakyRelu(v, 0.2).mul(l).sum())(l));
  });
  // Three Adam steps: the fused kernel must give the eleven ops' bits exactly.
  const init = randn(rng, [1000, 70]);
  const p = tf.variable(init);
  init.dispose();
  const opt = new Adam([p], { lr: 1e-3, betas: [0.5, 0.999] });
  for (let step = 0; step < 3; step++) tf.tidy(() => opt.step({ [p.name]: randn(rng, p.shape) }));
  keep("adam.p", p);
  keep("adam.m", opt.state().m[0]!);
  keep("adam.v", opt.state().v[0]!);
  opt.dispose();
  p.dispose();
  return out;
}

function compare(got: Results, ref: Results, where: string): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(ref).sort());
  for (const name of Object.keys(ref)) {
    const a = got[name]!;
    const b = ref[name]!;
    assert.equal(a.length, b.length, `${where} ${name}: ${a.length} values, stock ${b.length}`);
    let scale = 1;
    for (const v of b) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      if (!(d <= worst)) worst = d;
    }
    const tol = name.startsWith("adam") ? 0 : 2e-5 * scale;
    assert.ok(worst <= tol, `${where} ${name}: max |diff| ${worst} (values up to ${scale})`);
  }
}

describe("native kernels", () => {
  const native = loadNative();
  let stock: Results;

  it("are built and load", () => {
    assert.ok(native.kernels, native.about);
    assert.match(native.about, /native kernels \((avx512f|avx2\+fma|portable), \d+ threads?\)/);
  });

  it("stock cpu reference (before any native kernel is registered)", async () => {
    await tf.setBackend("cpu");
    stock = run();
    assert.ok(Object.keys(stock).length > 50);
  });

  it("wasm with native kernels equals the stock kernels", async () => {
    const info = await startBackend("wasm");
    assert.match(info.why, /native kernels/);
    compare(run(), stock, "wasm+native");
  });

  it("wasm fallback kernels (no addon) equal the stock kernels on the convolution gradients", () => {
    const saved = ["Conv2DBackpropInput", "Conv2DBackpropFilter"].map((n) => tf.getKernel(n, "wasm")!);
    try {
      for (const [name, fn] of [["Conv2DBackpropInput", conv2dBackpropInputWasm], ["Conv2DBackpropFilter", conv2dBackpropFilterXnn]] as const) {
        tf.unregisterKernel(name, "wasm");
        tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: fn as unknown as tf.KernelFunc });
      }
      const got = run();
      const pick = (r: Results) => Object.fromEntries(Object.entries(r).filter(([k]) => /\.(dx|dw|y)$/.test(k) && k.startsWith("conv")));
      compare(pick(got), pick(stock), "wasm fallback");
    } finally {
      for (const k of saved) {
        tf.unregisterKernel(k.kernelName, "wasm");
        tf.registerKernel(k);
      }
    }
  });

  it("cpu with native kernels equals the stock kernels", async () => {
    const info = await startBackend("cpu");
    assert.match(info.why, /native kernels/);
    compare(run(), stock, "cpu+native");
  });

  it("every micro-kernel this CPU has (AVX-512, AVX2+FMA, portable C, chosen at run time) equals the stock kernels; AVX-512 gives AVX2's bits", async () => {
    const k = native.kernels!;
    await startBackend("cpu");
    const byIsa: Record<string, Results> = {};
    try {
      for (const isa of ["avx512f", "avx2+fma", "portable"]) {
        if (k.setIsa(isa) !== isa) continue; // this CPU lacks it
        byIsa[isa] = run();
        compare(byIsa[isa]!, stock, `cpu+native ${isa}`);
      }
    } finally {
      k.setIsa("auto");
    }
    assert.ok(byIsa["portable"], "the portable kernel always runs");
    if (byIsa["avx512f"] && byIsa["avx2+fma"]) {
      for (const [name, v] of Object.entries(byIsa["avx2+fma"]!)) assert.deepEqual(byIsa["avx512f"]![name], v, `${name}: AVX-512 and AVX2 differ`);
    }
    console.log(`# micro-kernels checked here: ${Object.keys(byIsa).join(", ")}; in use: ${k.isa()}`);
  });

  it("count NaN and ±Inf over several tensors in one kernel", () => {
    for (const backend of ["cpu", "wasm"]) {
      tf.setBackend(backend);
      const values = new Float32Array(300_001) // above the size the threads split at.map((_, i) => (i % 7 === 0 ? Number.NaN : i % 11 === 0 ? (i % 2 ? Infinity : -Infinity) : i * 1e30));
      const expected = values.filter((v) => !Number.isFinite(v)).length;
      const a = tf.tensor(values);
      const b = tf.tensor([1, 3e38, -0, Number.NaN]); // 3e38: finite in float32
      const count = tf.engine().runKernel(COUNT_NON_FINITE, { t0: a, t1: b }, {}) as tf.Tensor;
      assert.equal(count.dataSync()[0], expected + 1, backend);
      tf.dispose([a, b, count]);
    }
  });

  it("dropout: a native mask, PyTorch's scaling, the same for a seed on any number of threads", () => {
    tf.setBackend("wasm");
    const n = 200_000;
    const x = tf.tensor(new Float32Array(n).map((_, i) => 1 + (i % 97) / 7));
    const xs = x.dataSync();
    const p = 0.3;
    const scale = Math.fround(1 / Math.fround(1 - p));
    const y = dropout(x, p, true, 1234).dataSync();
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] === 0) continue;
      kept++;
      assert.equal(y[i], Math.fround(xs[i]! * scale), `element ${i}`);
    }
    assert.ok(Math.abs(kept / n - (1 - p)) < 0.005, `kept ${kept / n}, expected ${1 - p}`);
    assert.deepEqual(dropout(x, p, true, 1234).dataSync(), y, "same seed, same mask");
    assert.notDeepEqual(dropout(x, p, true, 1235).dataSync(), y, "another seed, another mask");
    const k = native.kernels!;
    k.setThreads(1);
    try {
      assert.deepEqual(dropout(x, p, true, 1234).dataSync(), y, "one thread, the same mask");
    } finally {
      k.setThreads(availableParallelism());
    }
    // Without the kernel (a GPU backend, no addon) the mask is drawn in JavaScript: the same numbers.
    for (const seed of [1234, 0, 2 ** 31 - 1, 2 ** 40 + 17]) {
      const want = (tf.engine().runKernel(DROPOUT_MASK, {}, { shape: [n], p, scale, seed }) as tf.Tensor).dataSync();
      assert.deepEqual(dropoutMaskValues(n, p, scale, seed), want, `seed ${seed}`);
    }
    const g = tf.grad((v: tf.Tensor) => dropout(v, p, true, 1234).sum())(x).dataSync();
    for (let i = 0; i < n; i += 997) assert.equal(g[i], y[i] === 0 ? 0 : scale, `gradient ${i}`);
    assert.equal(dropout(x, 1, true, 5).sum().dataSync()[0], 0);
    const same = dropout(x, 0, true, 5);
    assert.notEqual(same, x, "a tensor of its own (generated forwards dispose values after their last use)");
    assert.deepEqual(same.dataSync(), x.dataSync());
    same.dispose();
    x.dispose();
  });

  it("leave no tensors behind", () => {
    const before = tf.memory().numTensors;
    run();
    assert.equal(tf.memory().numTensors, before);
  });

  it("refuse arrays smaller than the sizes given (a JavaScript error, not a crash)", () => {
    const k = native.kernels!;
    const f = (n: number) => new Float32Array(n);
    assert.throws(() => k.gemm(f(5), f(6), f(4), new Int32Array([2, 2, 3, 3, 1, 2, 1, 0])), /a has 5 elements, needs 6/);
    assert.throws(() => k.gemm(f(6), f(6), f(3), new Int32Array([2, 2, 3, 3, 1, 2, 1, 0])), /c has 3 elements/);
    assert.throws(() => k.conv(0, f(10), f(10), f(10), new Int32Array([1, 4, 4, 1, 2, 2, 1, 2, 2, 2, 2, 0, 0, 1, 1])), /x has 10 elements, needs 16/);
    assert.throws(() => k.conv(0, f(16), f(4), f(4), new Int32Array([1, 4, 4, 1, 2, 2, 1, 2, 2, 0, 2, 0, 0, 1, 1])), /stride/);
    assert.throws(() => k.reduce(f(5), f(1), new Int32Array([1, 6, 1]), 1), /x has 5/);
    assert.throws(() => k.gemm(new Float64Array(6) as unknown as Float32Array, f(6), f(4), new Int32Array([2, 2, 3, 3, 1, 2, 1, 0])), /Float32Array/);
  });
});
