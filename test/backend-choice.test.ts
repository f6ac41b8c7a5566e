// --backend auto: native TensorFlow (GPU, then CPU) when it loads, else wasm; the reason is
// said in one line. The native packages cannot install here, so the choice is tested with a
// fake importer; the wasm weight-gradient kernel is checked against the cpu backend's.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { BackendError, startBackend } from "../runtime/backend.ts";
import { conv2dBackpropFilter } from "../runtime/kernels/conv2d-backprop-filter.ts";

const notInstalled = (name: string) => Object.assign(new Error(`Cannot find package '${name}' imported from x`), { code: "ERR_MODULE_NOT_FOUND" });

/** A fake native package: registers a "tensorflow" backend (the cpu one under that name). */
async function fakeNative(): Promise<void> {
  if (!tf.findBackend("tensorflow")) {
    const { MathBackendCPU } = await import("@tensorflow/tfjs-backend-cpu");
    tf.registerBackend("tensorflow", () => new MathBackendCPU(), 1);
    for (const k of tf.getKernelsForBackend("cpu")) tf.registerKernel({ ...k, backendName: "tensorflow" });
  }
}

/** A fake TF.js webgpu backend: the cpu one under that name. */
async function fakeWebgpu(): Promise<void> {
  if (!tf.findBackend("webgpu")) {
    const { MathBackendCPU } = await import("@tensorflow/tfjs-backend-cpu");
    tf.registerBackend("webgpu", () => new MathBackendCPU(), 1);
    for (const k of tf.getKernelsForBackend("cpu")) tf.registerKernel({ ...k, backendName: "webgpu" });
  }
}

describe("backend choice", () => {
  it("auto takes tfjs-node-gpu when it loads", async () => {
    const asked: string[] = [];
    const info = await startBackend("auto", {
      importer: async (n) => {
        asked.push(n);
        await fakeNative();
      },
    });
    assert.deepEqual(asked, ["@tensorflow/tfjs-node-gpu"]);
    assert.equal(info.name, "tensorflow");
    assert.match(info.why, /@tensorflow\/tfjs-node-gpu: native TensorFlow with CUDA \(GPU\)/);
  });

  it("auto goes on to tfjs-node when the GPU package fails to load (no CUDA)", async () => {
    const info = await startBackend("auto", {
      importer: async (n) => {
        if (n.endsWith("-gpu")) throw new Error("libcudart.so.11.0: cannot open shared object file");
        await fakeNative();
      },
    });
    assert.equal(info.name, "tensorflow");
    assert.match(info.why, /^@tensorflow\/tfjs-node: native TensorFlow on the CPU/);
  });

  it("auto falls back to wasm and says why", async () => {
    const info = await startBackend("auto", {
      importer: async (n) => {
        if (n.endsWith("-gpu") || n.includes("webgpu")) throw notInstalled(n);
        throw new Error("The specified module could not be found.\n\\?\\tfjs_binding.node");
      },
    });
    assert.equal(info.name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
    assert.match(
      info.why,
      /WebAssembly (with native kernels|\(XNNPACK\)).*@tensorflow\/tfjs-node-gpu not installed, the WebGPU backend is not installed \(npm run webgpu\), @tensorflow\/tfjs-node installed but does not load \(The specified module could not be found\.\)/,
    );
  });

  it("auto takes WebGPU on a hardware adapter (after tfjs-node-gpu, before tfjs-node), not on a software one", async () => {
    const asked: string[] = [];
    const importer = (adapter: { description: string; isFallbackAdapter: boolean }) => async (n: string) => {
      asked.push(n);
      if (n.startsWith("@tensorflow/tfjs-node")) throw notInstalled(n);
      if (n === "webgpu") return { globals: {}, create: () => ({ requestAdapter: async () => ({ info: { vendor: "v", architecture: "a", device: "d", ...adapter } }) }) };
      await fakeWebgpu();
      return {};
    };
    const hardware = await startBackend("auto", { importer: importer({ description: "NVIDIA H200", isFallbackAdapter: false }) });
    assert.deepEqual(asked, ["@tensorflow/tfjs-node-gpu", "webgpu", "@tensorflow/tfjs-backend-webgpu"]);
    assert.equal(hardware.name, "webgpu");
    assert.match(hardware.why, /WebGPU \(Dawn\) on NVIDIA H200$/);
    const software = await startBackend("auto", { importer: importer({ description: "llvmpipe (LLVM 15)", isFallbackAdapter: true }) });
    assert.equal(software.name, "wasm");
    assert.match(software.why, /WebGPU's only adapter is llvmpipe \(LLVM 15\) \(a software adapter: the CPU, not a GPU\)/);
    // asked for by name, a software adapter is taken (tests, or no GPU at all)
    const asked2 = await startBackend("webgpu", { importer: importer({ description: "llvmpipe (LLVM 15)", isFallbackAdapter: true }) });
    assert.equal(asked2.name, "webgpu");
    await startBackend("cpu");
  });

  it("--backend webgpu without the packages or without an adapter is a clear error", async () => {
    await assert.rejects(
      startBackend("webgpu", { importer: async (n) => Promise.reject(notInstalled(n)) }),
      (e: unknown) => e instanceof BackendError && /^the WebGPU backend is not installed: run `npm run webgpu` once/.test(e.message),
    );
    await assert.rejects(
      startBackend("webgpu", { importer: async (n) => (n === "webgpu" ? { globals: {}, create: () => ({ requestAdapter: async () => null }) } : {}) }),
      (e: unknown) => e instanceof BackendError && /^WebGPU finds no adapter: it needs a GPU driver with Vulkan \(Linux\), Metal \(macOS\) or D3D12 \(Windows\)/.test(e.message),
    );
  });

  it("tensorflow without a native package is a clear error", async () => {
    await assert.rejects(
      startBackend("tensorflow", { importer: async (n) => Promise.reject(notInstalled(n)) }),
      (e: unknown) => e instanceof BackendError && /no native TensorFlow: @tensorflow\/tfjs-node-gpu not installed; @tensorflow\/tfjs-node not installed\. Install one/.test(e.message),
    );
  });

  it("on this machine auto picks wasm (the native packages cannot install without internet)", async () => {
    const info = await startBackend("auto");
    assert.ok(info.name === "wasm" || info.name === "tensorflow", info.why);
  });

  it("the wasm Conv2DBackpropFilter equals the cpu backend's (strides, padding; TF.js has no gradient for dilated conv2d, the runtime dilates kernels itself)", async () => {
    const cases: [[number, number, number, number], [number, number, number, number], number, number | "same" | "valid", number][] = [
      [[2, 9, 9, 3], [4, 4, 3, 5], 2, 1, 1],
      [[1, 8, 7, 4], [3, 3, 4, 2], 1, "same", 1],
      [[2, 11, 11, 2], [3, 3, 2, 3], 3, 0, 1],
      [[3, 16, 16, 8], [4, 4, 8, 16], 2, "valid", 1],
    ];
    const grads = async (backend: "cpu" | "wasm") => {
      await startBackend(backend);
      return cases.map(([xs, ws, s, p, d]) =>
        tf.tidy(() => {
          const x = tf.randomNormal(xs, 0, 1, "float32", 3) as tf.Tensor4D;
          const w = tf.randomNormal(ws, 0, 1, "float32", 4) as tf.Tensor4D;
          const pad = typeof p === "number" ? ([[0, 0], [p, p], [p, p], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]) : p;
          const g = tf.grad((k: tf.Tensor) => tf.conv2d(x, k as tf.Tensor4D, s, pad, "NHWC", d).square().sum())(w);
          return g.dataSync().slice();
        }),
      );
    };
    const cpu = await grads("cpu");
    const wasm = await grads("wasm");
    cases.forEach((_, i) => {
      let worst = 0;
      for (let j = 0; j < cpu[i]!.length; j++) worst = Math.max(worst, Math.abs(cpu[i]![j]! - wasm[i]![j]!) / (1 + Math.abs(cpu[i]![j]!)));
      assert.ok(worst < 1e-4, `case ${i}: worst relative difference ${worst}`);
    });
    await startBackend("cpu");
  });

  it("the wasm Conv2DBackpropInput (input gradients, transposed convolutions) equals the cpu backend's", async () => {
    const cases: [[number, number, number, number], [number, number, number, number], number, number | "same" | "valid"][] = [
      [[2, 9, 9, 3], [4, 4, 3, 5], 2, 1],
      [[1, 8, 7, 4], [3, 3, 4, 2], 1, "same"],
      [[2, 11, 11, 2], [3, 3, 2, 3], 3, 0],
      [[3, 16, 16, 8], [4, 4, 8, 16], 2, "valid"],
    ];
    const run = async (backend: "cpu" | "wasm") => {
      await startBackend(backend);
      return cases.map(([xs, ws, s, p]) =>
        tf.tidy(() => {
          const x = tf.randomNormal(xs, 0, 1, "float32", 5) as tf.Tensor4D;
          const w = tf.randomNormal(ws, 0, 1, "float32", 6) as tf.Tensor4D;
          const pad = typeof p === "number" ? ([[0, 0], [p, p], [p, p], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]) : p;
          const dx = tf.grad((v: tf.Tensor) => tf.conv2d(v as tf.Tensor4D, w, s, pad).square().sum())(x);
          // conv2dTranspose's forward is Conv2DBackpropInput too.
          const y = tf.conv2d(x, w, s, typeof p === "number" ? "valid" : p);
          const t = tf.conv2dTranspose(y, w, xs, s, typeof p === "number" ? "valid" : p);
          return [...dx.dataSync(), ...t.dataSync()];
        }),
      );
    };
    const cpu = await run("cpu");
    const wasm = await run("wasm");
    cases.forEach((_, i) => {
      let worst = 0;
      for (let j = 0; j < cpu[i]!.length; j++) worst = Math.max(worst, Math.abs(cpu[i]![j]! - wasm[i]![j]!) / (1 + Math.abs(cpu[i]![j]!)));
      assert.ok(worst < 1e-4, `case ${i}: worst relative difference ${worst}`);
    });
    await startBackend("cpu");
  });
  it("the project's JS weight gradient takes NCHW too, as the stock cpu kernel it replaces does", async () => {
    await startBackend("cpu");
    // This file does not import runtime/kernels/register.ts, so runKernel here is TF.js's own.
    const cases: [[number, number, number, number], [number, number, number, number], [number, number], "same" | "valid" | number][] = [
      [[2, 3, 9, 8], [4, 4, 3, 5], [2, 2], 1],
      [[1, 4, 7, 7], [3, 2, 4, 2], [1, 2], "same"],
      [[2, 2, 10, 11], [3, 3, 2, 3], [3, 1], "valid"],
    ];
    for (const [xs, ws, strides, pad] of cases) {
      tf.tidy(() => {
        const x = tf.randomNormal(xs, 0, 1, "float32", 7);
        const info = tf.backend_util.computeConv2DInfo(xs, ws, strides, 1, pad, undefined, false, "channelsFirst");
        const dy = tf.randomNormal([xs[0], ws[3], info.outHeight, info.outWidth], 0, 1, "float32", 8);
        const attrs = { strides, pad, dataFormat: "NCHW", filterShape: ws };
        const stock = (tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor).dataSync();
        const out = conv2dBackpropFilter({ inputs: { x, dy }, backend: tf.backend(), attrs });
        const ours = (tf.backend() as unknown as { readSync(id: object): Float32Array }).readSync(out.dataId);
        tf.backend().disposeData(out.dataId);
        let worst = 0;
        for (let i = 0; i < stock.length; i++) worst = Math.max(worst, Math.abs(stock[i]! - ours[i]!) / (1 + Math.abs(stock[i]!)));
        assert.equal(ours.length, stock.length);
        assert.ok(worst < 1e-4, `${xs} ${ws} ${strides} ${pad}: ${worst}`);
      });
    }
  });
});
