// Picks and starts the TF.js backend, and says which one runs and why.
//
//   auto        @tensorflow/tfjs-node-gpu (CUDA) when installed and loadable, then WebGPU
//               when installed (npm run webgpu) and a hardware adapter is present, then
//               @tensorflow/tfjs-node (native TensorFlow on the CPU); else wasm; else cpu.
//   tensorflow  one of the two native ones, or an error saying why neither loads.
//   webgpu      @tensorflow/tfjs-backend-webgpu on Dawn (the `webgpu` package): any GPU
//               with Vulkan, Metal or D3D12, or a software adapter (Mesa's lavapipe);
//               opt-in: `npm run webgpu` installs both into node_modules/.webgpu/.
//               Nothing reads the GPU synchronously there (runtime/train/round.ts).
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
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadNative } from "./kernels/native.ts";
import { packageRoot } from "./package-root.ts";

export type BackendName = "cpu" | "wasm";
export type BackendChoice = "auto" | "cpu" | "wasm" | "tensorflow" | "webgpu";

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

/** Where `npm run webgpu` (scripts/webgpu.mjs) installs the WebGPU packages. */
export const WEBGPU_FOLDER = join(packageRoot(), "node_modules", ".webgpu");
const WEBGPU_PACKAGES = new Set(["webgpu", "@tensorflow/tfjs-backend-webgpu"]);

/** Imports a package: the WebGPU ones from their own folder, the others as usual. */
function defaultImporter(name: string): Promise<unknown> {
  if (!WEBGPU_PACKAGES.has(name)) return import(name);
  const require = createRequire(join(WEBGPU_FOLDER, "package.json"));
  return import(pathToFileURL(require.resolve(name)).href);
}

const NATIVE = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/** Why a native package did not load, in a few words. */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const msg = err?.message ?? String(e);
  if (err?.code === "ERR_MODULE_NOT_FOUND" || err?.code === "MODULE_NOT_FOUND" || /Cannot find (package|module) '(@tensorflow\/tfjs-node|webgpu|@tensorflow\/tfjs-backend-webgpu)/.test(msg)) return "not installed";
  const first = msg.split("\n")[0]!;
  return `installed but does not load (${first.length > 120 ? `${first.slice(0, 120)}…` : first})`;
}

/** A native TensorFlow package (it registers the "tensorflow" backend on import), or a BackendError saying why not. */
async function startNative(importer: (name: string) => Promise<unknown>, pkg: (typeof NATIVE)[number]): Promise<BackendInfo> {
  try {
    await importer(pkg);
    if (!(await tf.setBackend("tensorflow"))) throw new Error("it did not register the tensorflow backend");
    await tf.ready();
  } catch (e) {
    throw new BackendError(`${pkg} ${reason(e)}`);
  }
  return { name: "tensorflow", why: `${pkg}: native TensorFlow ${pkg.endsWith("-gpu") ? "with CUDA (GPU)" : "on the CPU"}` };
}

/** The GPU and native backends in auto's order: tfjs-node-gpu, WebGPU on a hardware adapter (with `webgpu`), tfjs-node. */
async function tryNative(importer: (name: string) => Promise<unknown>, webgpu: boolean): Promise<{ info?: BackendInfo; tried: string[] }> {
  const [gpu, cpu] = NATIVE;
  const attempts = [() => startNative(importer, gpu), ...(webgpu ? [() => startWebgpu(importer, true)] : []), () => startNative(importer, cpu)];
  const tried: string[] = [];
  for (const attempt of attempts) {
    try {
      return { info: await attempt(), tried };
    } catch (e) {
      tried.push(e instanceof BackendError ? e.message.replace(/: run `npm run webgpu`.*/, " (npm run webgpu)") : `WebGPU did not start (${reason(e)})`);
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

/** The part of the `webgpu` package (Dawn) used here. */
interface Dawn {
  create(flags: string[]): { requestAdapter(options: { powerPreference: string }): Promise<Adapter | null> };
  globals: Record<string, unknown>;
}

interface Adapter {
  readonly info: { readonly vendor: string; readonly architecture: string; readonly device: string; readonly description: string; readonly isFallbackAdapter?: boolean };
}

const dawnGpus = new WeakMap<Dawn, ReturnType<Dawn["create"]>>();

/** What the WebGPU adapter is, in a few words, and whether it is a software one. */
function adapterText(adapter: Adapter): { readonly text: string; readonly software: boolean } {
  const i = adapter.info;
  const name = i.description || [i.vendor, i.architecture, i.device].filter(Boolean).join(" ") || "an unnamed adapter";
  const software = i.isFallbackAdapter === true || i.architecture === "software" || /llvmpipe|lavapipe|swiftshader|warp/i.test(`${i.description} ${i.device}`);
  return { text: `${name}${software ? " (a software adapter: the CPU, not a GPU)" : ""}`, software };
}

/**
 * WebGPU on Dawn: navigator.gpu from the `webgpu` package, then TF.js's webgpu backend on
 * the adapter it finds. `hardwareOnly` (auto): a software adapter is refused (an error).
 */
async function startWebgpu(importer: (name: string) => Promise<unknown>, hardwareOnly: boolean): Promise<BackendInfo> {
  const missing = (e: unknown) =>
    new BackendError(`the WebGPU backend is ${reason(e)}: run \`npm run webgpu\` once (it installs Dawn and TF.js's webgpu backend, about 150 MB, into node_modules/.webgpu/)`);
  let dawn: Dawn;
  try {
    dawn = (await importer("webgpu")) as Dawn;
  } catch (e) {
    throw missing(e);
  }
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  // One Dawn instance per process: TF.js keeps its device, and a second instance's
  // collection crashes Dawn.
  let gpu = dawnGpus.get(dawn);
  if (gpu === undefined) dawnGpus.set(dawn, (gpu = dawn.create([])));
  // TF.js asks navigator.gpu for its adapter (Node 20 has no navigator, 21+ one without gpu).
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
  else Object.defineProperty(nav, "gpu", { value: gpu, configurable: true, writable: true });
  // TF.js registers its webgpu backend on import only where navigator.gpu exists.
  try {
    await importer("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    throw missing(e);
  }
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (adapter === null) {
    throw new BackendError(
      "WebGPU finds no adapter: it needs a GPU driver with Vulkan (Linux), Metal (macOS) or D3D12 (Windows). On Linux: the Vulkan loader (Debian: libvulkan1) and a driver (NVIDIA's, or Mesa's mesa-vulkan-drivers; Mesa 23 or later, which Debian 12 has in bookworm-backports)",
    );
  }
  const about = adapterText(adapter);
  if (hardwareOnly && about.software) throw new BackendError(`WebGPU's only adapter is ${about.text}`);
  if (!(await tf.setBackend("webgpu"))) throw new BackendError(`TF.js's webgpu backend did not start on ${about.text}`);
  await tf.ready();
  return { name: "webgpu", why: `TensorFlow.js ${tf.version.tfjs} WebGPU (Dawn) on ${about.text}` };
}

export async function startBackend(choice: BackendChoice = "cpu", options: BackendOptions = {}): Promise<BackendInfo> {
  // Production mode: no debug checks, and no "install tfjs-node" banner on stderr.
  tf.enableProdMode();
  const importer = options.importer ?? defaultImporter;
  if (choice === "cpu") return startCpu();
  if (choice === "wasm") return startWasm();
  if (choice === "webgpu") return startWebgpu(importer, false);
  const native = await tryNative(importer, choice === "auto");
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
