// The quality score's cost (npm run bench runs it; --json for rows): scoring 10,000 samples
// — the classifier's features, FLD and KID (100 subsets of 1,000) against the 10,000 test
// digits, whose features are computed once per run and timed apart — here and in the
// PyTorch engine's copy (runtime/torch/gan_runtime.py) in the same run. The samples are
// training digits with noise: the cost does not depend on what they show.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { findPython } from "../cli/torch-engine.ts";
import { startBackend } from "../runtime/backend.ts";
import { loadMnist } from "../runtime/data/mnist.ts";
import { CLASSIFIER_FILE, mnistFeatures, type Pictures } from "../runtime/eval/features.ts";
import { frechetDistance, kid, KidReference } from "../runtime/eval/scores.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const json = process.argv.includes("--json");
const N = 10000;

const backend = await startBackend("auto");
const pictures = (which: "train" | "test", noise: number): Pictures => {
  const m = loadMnist(which);
  let s = 1;
  const data = Float32Array.from(m.images.subarray(0, N * 784), (v) => {
    s = (s * 1103515245 + 12345) >>> 0;
    return Math.max(-1, Math.min(1, v / 127.5 - 1 + noise * (s / 2 ** 32 - 0.5)));
  });
  return { data, shape: [N, 1, 28, 28] };
};
const real = pictures("test", 0);
const fake = pictures("train", 0.5);
let t = performance.now();
const reference = new KidReference(await mnistFeatures(real));
const refMs = performance.now() - t;
t = performance.now();
const f = await mnistFeatures(fake);
frechetDistance(f, reference.features);
await kid(f, reference);
const ms = performance.now() - t;

let torchMs: number | null = null;
let torchRefMs: number | null = null;
let error: string | undefined;
try {
  const { python } = findPython(process.env["GAN_PYTHON"]);
  const script = `
import sys, time, torch
sys.path.insert(0, ${JSON.stringify(`${root}runtime/torch`)})
import gan_runtime as rt
folder = rt.find_mnist(None)
px = rt.load_mnist(folder)
g = torch.Generator().manual_seed(0)
real = px[60000:70000].unsqueeze(1).float() / 127.5 - 1
fake = (px[:${N}].unsqueeze(1).float() / 127.5 - 1 + 0.5 * (torch.rand(real.shape, generator=g) - 0.5)).clamp(-1, 1)
t = time.time(); rf = rt.mnist_features(real, ${JSON.stringify(CLASSIFIER_FILE)}); ref = time.time() - t
t = time.time(); ff = rt.mnist_features(fake, ${JSON.stringify(CLASSIFIER_FILE)}); rt.frechet_distance(ff, rf); rt.kid(ff, rf); print(ref * 1000, (time.time() - t) * 1000)
`;
  const r = spawnSync(python, ["-c", script], { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(r.stderr.trim().split("\n").at(-1) ?? `exit ${r.status}`);
  [torchRefMs, torchMs] = r.stdout.trim().split(/\s+/).map(Number) as [number, number];
} catch (e) {
  error = e instanceof Error ? e.message : String(e);
}

const rows = [
  { name: `quality-score-${N}`, backend: backend.name, ms, torch_ms: torchMs, ...(error ? { error } : {}) },
  { name: `quality-reference-${N}`, backend: backend.name, ms: refMs, torch_ms: torchRefMs },
];
if (json) for (const r of rows) console.log(JSON.stringify(r));
else for (const r of rows) console.log(`${r.name.padEnd(24)} ${r.backend.padEnd(6)} ${(r.ms / 1000).toFixed(2)} s   PyTorch ${r.torch_ms === null ? "-" : `${(r.torch_ms / 1000).toFixed(2)} s`}`);
