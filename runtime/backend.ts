// Picks and starts the TF.js backend, and says which one runs and why.
//
//   auto        @tensorflow/tfjs-node-gpu (CUDA), then @tensorflow/tfjs-node (native
//               TensorFlow on the CPU), when installed and loadable; else wasm; else cpu.
//   tensorflow  one of the two native ones, or an error saying why neither loads.
//   wasm        WebAssembly, with this project's native kernels when the addon is built
//               (runtime/kernels/native-kernels.ts: convolutions, matrix products,
//               reductions, transposes, Adam on all cores with AVX2), else XNNPACK with
//               this project's wasm kernels (runtime/kernels/wasm-*.ts).
//   cpu         the portable JavaScript backend, with the native kernels too when built,
//               else this project's weight gradient (runtime/kernels/register.ts).
//
// The native packages are optionalDependencies: they download libtensorflow when installed,
// which fails without internet, and npm then goes on without them.
import * as tf from "@tensorflow/tfjs";
import { loadNative } from "./kernels/native.ts";

export type BackendName = "cpu" | "wasm";
export type BackendChoice = "auto" | "cpu" | "wasm" | "tensorflow";

export interface BackendInfo {
  /** TF.js's name for it: tensorflow, wasm or cpu. */
  readonly name: string;
  /** One line for the user: what runs, and why this one. */
  readonly why: string;
}

export interface BackendOptions {
  /** Loads an optional package (tests pass a fake). */
  readonly importer?: (name: string) => Promise<unknown>;
}

export class BackendError extends Error {}

const NATIVE = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/** Why a native package did not load, in a few words. */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const msg = err?.message ?? String(e);
  if (err?.code === "ERR_MODULE_NOT_FOUND" || err?.code === "MODULE_NOT_FOUND" || /Cannot find (package|module) '@tensorflow\/tfjs-node/.test(msg)) return "not installed";
  const first = msg.split("\n")[0]!;
  return `installed but does not load (${first.length > 120 ? `${first.slice(0, 120)}…` : first})`;
}

async function tryNative(importer: (name: string) => Promise<unknown>): Promise<{ info?: BackendInfo; tried: string[] }> {
  const tried: string[] = [];
  for (const pkg of NATIVE) {
    try {
      await importer(pkg);
      // The package registers the "tensorflow" backend on import.
      if (!(await tf.setBackend("tensorflow"))) throw new Error("it did not register the tensorflow backend");
      await tf.ready();
      const gpu = pkg.endsWith("-gpu");
      return { info: { name: "tensorflow", why: `${pkg}: native TensorFlow ${gpu ? "with CUDA (GPU)" : "on the CPU"}` }, tried };
    } catch (e) {
      tried.push(`${pkg} ${reason(e)}`);
    }
  }
  return { tried };
}

/**
 * The convolutions and matrix products on this project's native kernels when the addon
 * loads (runtime/kernels/native.ts): returns what runs, or undefined.
 */
async function withNativeKernels(backend: "wasm" | "cpu"): Promise<string | undefined> {
  const native = loadNative();
  if (!native.kernels) return undefined;
  const { registerNativeKernels } = await import("./kernels/native-kernels.ts");
  registerNativeKernels(native.kernels, backend);
  return native.about;
}

async function startWasm(): Promise<BackendInfo> {
  await import("@tensorflow/tfjs-backend-wasm");
  if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not start");
  await tf.ready();
  const { registerWasmBatchMatMul } = await import("./kernels/wasm-batch-matmul.ts");
  registerWasmBatchMatMul();
  const { registerWasmIdentity } = await import("./kernels/wasm-identity.ts");
  registerWasmIdentity();
  const { registerWasmSegmentSum } = await import("./kernels/wasm-segment-sum.ts");
  registerWasmSegmentSum();
  const { conv2dBackpropFilterXnn, conv2dBackpropInputWasm } = await import("./kernels/wasm-conv-grads.ts");
  for (const [name, kernelFunc] of [
    ["Conv2DBackpropFilter", conv2dBackpropFilterXnn],
    ["Conv2DBackpropInput", conv2dBackpropInputWasm],
  ] as const) {
    const current = tf.getKernel(name, "wasm") as (tf.KernelConfig & { ganSpec?: boolean }) | undefined;
    if (current?.ganSpec) continue;
    if (current) tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: kernelFunc as unknown as tf.KernelFunc, ganSpec: true } as tf.KernelConfig);
  }
  const native = await withNativeKernels("wasm");
  if (native) return { name: "wasm", why: `TensorFlow.js ${tf.version.tfjs} WebAssembly with ${native}` };
  return { name: "wasm", why: `TensorFlow.js ${tf.version.tfjs} WebAssembly (XNNPACK), one thread; ${loadNative().about}` };
}

async function startCpu(): Promise<BackendInfo> {
  await tf.setBackend("cpu");
  await tf.ready();
  const native = await withNativeKernels("cpu");
  return { name: tf.getBackend(), why: `TensorFlow.js ${tf.version.tfjs}, the portable CPU backend${native ? ` with ${native}` : ""}` };
}

export async function startBackend(choice: BackendChoice = "cpu", options: BackendOptions = {}): Promise<BackendInfo> {
  // Production mode: no debug checks, and no "install tfjs-node" banner on stderr.
  tf.enableProdMode();
  const importer = options.importer ?? ((name: string) => import(name));
  if (choice === "cpu") return startCpu();
  if (choice === "wasm") return startWasm();
  const native = await tryNative(importer);
  if (native.info) return native.info;
  if (choice === "tensorflow") {
    throw new BackendError(`no native TensorFlow: ${native.tried.join("; ")}. Install one (npm install @tensorflow/tfjs-node-gpu for CUDA, or @tensorflow/tfjs-node), or use --backend auto`);
  }
  const missing = native.tried.join(", ");
  try {
    const info = await startWasm();
    return { name: info.name, why: `${info.why}; the fastest here: ${missing} (install one for native speed or a GPU)` };
  } catch (e) {
    const info = await startCpu();
    return { name: info.name, why: `${info.why}; ${missing}, and wasm did not start (${e instanceof Error ? e.message : String(e)})` };
  }
}
