// npm run bench:train [-- options]: training speed. One training iteration of each seed
// model as its spec's train: section defines it (D step + G step, Adam, exactly as gan-train
// runs it: runtime/train/round.ts + the interpreter), on random data of the right shapes,
// per backend, each case in its own child process (isolation, and its own peak RSS); next
// to PyTorch running the same iteration in the same run (bench/torch_bench.py, Debian's
// /usr/bin/python3 with torch, 2 threads, OMP_WAIT_POLICY=PASSIVE). `npm run bench`
// (bench/bench.ts) prints these rows and compile-bench's in one table.
//
// Cases: mlp-b64 (specs/mnist-gan.gan), dcgan-b64 and dcgan-b16 (specs/dcgan.gan at its
// defaults: 64 x 64, ngf = ndf = 64), pix2pix-b1 (specs/pix2pix.gan, 256 x 256, width 64).
// Any `<mlp|dcgan|pix2pix>-b<N>` can be named on the command line instead.
// Backends: wasm everywhere; cpu for the MLP only (or everywhere with --all); tensorflow
// when @tensorflow/tfjs-node(-gpu) loads (runtime/backend.ts's startBackend("tensorflow")).
//
// Options: --json (one JSON object per line), --quick (mlp-b64 and dcgan-b16 only, 1 warm-up
// and 3 timed iterations), --iters N (timed iterations; default 5 after 2 warm-ups; a case
// whose first iteration takes > 20 s gets 1 warm-up, one under 0.2 s 10 warm-ups and 30
// timed iterations, here and in PyTorch), --all (cpu for every case),
// --backends=wasm,cpu,tensorflow,webgpu, --device cuda (PyTorch's side on the GPU),
// --timeout S (per case; default 1200: a case that fails or
// times out is a row saying so), --no-torch, --python PATH (default /usr/bin/python3).
//
// FLOPs per iteration are computed from the IR: 2 * MACs of every conv / convT / linear
// forward, x 3 (forward + input gradient + weight gradient), once per model call of the
// train: section, with a named value (`fake = G(z)`) counted once per iteration as PyTorch
// computes it (and as the Round runs it: once per round, its tape kept for the G step).
// This gives the numbers of ../shared/PERFORMANCE-ANCHORS.md
// (MLP b64 2.25 G, DCGAN b4 10.0 G, Pix2Pix b1 65.8 G). Never part of the test suite.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const self = fileURLToPath(import.meta.url);

export interface Case {
  readonly name: string;
  readonly spec: string;
  readonly set: Readonly<Record<string, number>>;
  readonly batch: number;
}

const SPECS: Readonly<Record<string, string>> = { mlp: "specs/mnist-gan.gan", dcgan: "specs/dcgan.gan", pix2pix: "specs/pix2pix.gan" };

/** `dcgan-b64` -> DCGAN at its spec's defaults, batch 64. */
export function caseOf(name: string): Case {
  const m = /^(mlp|dcgan|pix2pix)-b(\d+)$/.exec(name);
  if (!m) throw new Error(`bad case name ${name}: <mlp|dcgan|pix2pix>-b<batch>`);
  return { name, spec: SPECS[m[1]!]!, set: {}, batch: Number(m[2]) };
}

export const ALL_CASES = ["mlp-b64", "dcgan-b64", "dcgan-b16", "pix2pix-b1"];
export const QUICK_CASES = ["mlp-b64", "dcgan-b16"];

export interface Options {
  readonly json: boolean;
  readonly quick: boolean;
  readonly all: boolean;
  /** Timed iterations; null: 5 (3 with --quick). */
  readonly iters: number | null;
  readonly timeoutS: number;
  readonly backends: readonly string[] | null;
  readonly torch: boolean;
  readonly python: string;
  /** Where PyTorch runs its side (cuda: the GPU check, scripts/gpu-check.sh). */
  readonly device: "cpu" | "cuda";
  readonly cases: readonly string[];
}

export function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    const a = argv[i]!;
    return a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[i + 1];
  };
  const takesValue = new Set(["--iters", "--timeout", "--backends", "--python", "--device"]);
  const cases: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (takesValue.has(a)) i++;
    else if (!a.startsWith("--")) cases.push(a);
  }
  const quick = argv.includes("--quick");
  const iters = value("--iters");
  const timeout = value("--timeout");
  const backends = value("--backends");
  for (const c of cases) caseOf(c);
  for (const b of backends?.split(",") ?? []) if (b && !["wasm", "cpu", "tensorflow", "webgpu"].includes(b)) throw new Error(`unknown backend ${b}: wasm, cpu, tensorflow or webgpu`);
  const device = value("--device") ?? "cpu";
  if (device !== "cpu" && device !== "cuda") throw new Error(`unknown --device ${device}: cpu or cuda`);
  return {
    json: argv.includes("--json"),
    quick,
    all: argv.includes("--all"),
    iters: iters !== undefined ? Math.max(1, Number(iters)) : null,
    timeoutS: timeout !== undefined ? Number(timeout) : 1200,
    backends: backends !== undefined ? backends.split(",").filter((b) => b) : null,
    torch: !argv.includes("--no-torch"),
    python: value("--python") ?? "/usr/bin/python3",
    device,
    cases: cases.length > 0 ? cases : quick ? QUICK_CASES : ALL_CASES,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

// ---------------------------------------------------------------------------------------
// FLOPs per iteration, from the IR and the train plan.

/** 2 * MACs of one forward pass of each model, per example. */
async function forwardFlops(c: Case): Promise<{ perModel: Record<string, number>; plan: import("../contracts/train-plan.ts").TrainPlan }> {
  const { compile } = await import("../compiler/compile.ts");
  const { buildIr } = await import("../compiler/ir.ts");
  const r = compile(readFileSync(`${root}${c.spec}`, "utf8"), c.spec, { overrides: new Map(Object.entries(c.set)) });
  const ir = buildIr(r);
  const perModel: Record<string, number> = {};
  const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  for (const m of ir.models) {
    let macs = 0;
    for (const l of m.layers) {
      const a = l.attrs;
      if (l.op === "conv") {
        const [kh, kw] = a["kernel"] as number[];
        macs += prod(l.out) * (a["inChannels"] as number) * kh! * kw!; // every output value: Cin * kh * kw
      } else if (l.op === "convT") {
        const [kh, kw] = a["kernel"] as number[];
        macs += prod(l.inShape) * (a["outChannels"] as number) * kh! * kw!; // every input value scatters Cout * kh * kw
      } else if (l.op === "linear") {
        macs += prod(l.out) * (a["inFeatures"] as number);
      }
    }
    perModel[m.name] = 2 * macs;
  }
  return { perModel, plan: r.train! };
}

/** FLOPs of one training iteration (forward + both gradients of every model call). */
export async function iterationFlops(c: Case): Promise<number> {
  const { perModel, plan } = await forwardFlops(c);
  type V = import("../contracts/train-plan.ts").TrainValue;
  type L = import("../contracts/train-plan.ts").TrainLoss;
  let flops = 0;
  const seen = new Set<string>();
  const value = (v: V): void => {
    if (v.kind === "call") {
      flops += 3 * perModel[v.model]! * c.batch;
      v.args.forEach(value);
    } else if (v.kind === "cat") v.items.forEach(value);
    else if (v.kind === "ref" && !seen.has(v.name)) {
      seen.add(v.name); // computed once per iteration, as the seeds do
      const b = plan.bindings.find((x) => x.name === v.name);
      if (b) value(b.value);
    }
  };
  const loss = (l: L): void => {
    if (l.kind === "sum") l.terms.forEach(loss);
    else if (l.kind === "scale") loss(l.loss);
    else if (l.kind === "loss") {
      value(l.input);
      if (typeof l.target !== "number" && l.target !== null) value(l.target);
    }
  };
  for (const s of plan.steps) for (let i = 0; i < s.repeat; i++) loss(s.loss);
  return flops;
}

// ---------------------------------------------------------------------------------------
// The child: one case on one backend.

interface ChildResult {
  readonly done: true;
  readonly ms: number;
  readonly iters: number;
  readonly warmups: number;
  readonly first: number;
  readonly min: number;
  readonly max: number;
  readonly peakRssMb: number;
  readonly why: string;
}

/** The case's generated TypeScript, written into a fresh temporary folder (by the parent). */
async function generate(c: Case): Promise<string> {
  const { compile } = await import("../compiler/compile.ts");
  const { emitCode } = await import("../cli/code.ts");
  const dir = mkdtempSync(join(tmpdir(), "gan-spec-bench-"));
  await emitCode(compile(readFileSync(`${root}${c.spec}`, "utf8"), c.spec, { overrides: new Map(Object.entries(c.set)) }), dir);
  return dir;
}

/** codeDir: the case's generated code (generate()), else generated here (the emitter's memory then counts). */
async function runCase(c: Case, backend: string, iters: number, warmups: number, codeDir?: string): Promise<ChildResult> {
  const tf = await import("@tensorflow/tfjs");
  const { startBackend } = await import("../runtime/backend.ts");
  const { compile } = await import("../compiler/compile.ts");
  const { importCode, loadCodeTemporarily } = await import("../cli/code.ts");
  const { Adam } = await import("../runtime/optim/adam.ts");
  const { Round } = await import("../runtime/train/round.ts");
  const { iterationRounds } = await import("../runtime/train/training.ts");
  const { fromTorchOrder } = await import("../runtime/nn/functional.ts");
  const { Rng } = await import("../runtime/random.ts");
  const info = await startBackend(backend as "cpu");
  const r = compile(readFileSync(`${root}${c.spec}`, "utf8"), c.spec, { overrides: new Map(Object.entries(c.set)) });
  const plan = r.train!;
  // The generated code, as gan-train trains it.
  const code = codeDir === undefined ? await loadCodeTemporarily(r) : await importCode(r, codeDir);
  const models = Object.fromEntries(Object.entries(code.models).map(([name, Cls]) => [name, new Cls()]));
  const steps = code.training!.steps;
  const optimizers = Object.fromEntries(steps.map((s) => [s.model, new Adam(models[s.model]!.parameters(), s.optimizer)]));
  const rng = new Rng(1);
  const inputs: Record<string, InstanceType<typeof tf.Tensor>> = {};
  for (const o of [...plan.data.outputs, ...plan.noise]) {
    const shape = [c.batch, ...o.shape];
    inputs[o.name] = fromTorchOrder(tf.tensor(rng.fillUniform(shape.reduce((a, b) => a * b, 1), -1, 1), shape));
  }
  // An iteration ends when its numbers are read (on a GPU: when the device has done its work).
  const one = async (i: number): Promise<number> => {
    const t0 = performance.now();
    const results = [];
    // gan-train's rounds (here all on the same batch)
    for (const rp of iterationRounds(steps)) {
      const round = new Round(models, inputs, i, { plan: rp.plan });
      for (const s of rp.steps) results.push(s.run(round, optimizers[s.model]!));
      round.dispose();
    }
    await Promise.all(results.map((r) => r.read()));
    return performance.now() - t0;
  };
  const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const first = await one(0);
  say({ warmup: 1, ms: first });
  // A slow case (first iteration > 20 s) gets one warm-up: the first iteration holds the
  // one-off costs (kernel set-up, allocation); later ones are steady.
  // A fast one (under 0.2 s; iters 0: no --iters given) is noisy over 5 iterations: 10
  // warm-ups and 30 timed (the same rule as bench/torch_bench.py).
  const fast = first < 200 && iters === 0;
  const nWarm = first > 20_000 ? 1 : fast ? 10 : warmups;
  const nIters = iters === 0 ? (fast ? 30 : 5) : iters;
  for (let w = 1; w < nWarm; w++) say({ warmup: w + 1, ms: await one(w) });
  const times: number[] = [];
  for (let i = 0; i < nIters; i++) {
    times.push(await one(nWarm + i));
    say({ iter: i + 1, ms: times.at(-1) });
  }
  return {
    done: true,
    ms: median(times),
    iters: nIters,
    warmups: nWarm,
    first,
    min: Math.min(...times),
    max: Math.max(...times),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    why: info.why,
  };
}

// ---------------------------------------------------------------------------------------
// The parent: children, PyTorch, rows.

export interface TrainRow {
  readonly name: string;
  readonly backend: string;
  readonly batch: number;
  readonly ms: number | null;
  readonly torchMs: number | null;
  readonly gflop: number;
  readonly peakRssMb: number | null;
  /** PyTorch's peak RSS for the same case (the hand-written iteration). */
  readonly torchPeakRssMb: number | null;
  /** The CPU's measured peak GFLOP/s (runTrainBench's cpu.peakGflops), for the share column. */
  readonly cpuPeakGflops: number | null;
  readonly note: string;
  readonly error?: string;
}

export interface TrainReport {
  readonly rows: TrainRow[];
  readonly torch: Record<string, { ms: number | null; iters?: number; warmups?: number; peakRssMb?: number; version?: string; error?: string }>;
  readonly torchVersion: string | null;
  readonly torchWhy: string;
  readonly tensorflow: string;
  readonly tfjsVersion: string;
  /** The CPU's vector instruction sets, the native kernels' micro-kernel and its measured peak. */
  readonly cpu: CpuInfo;
}

export interface CpuInfo {
  /** The vector extensions /proc/cpuinfo lists (avx2, fma, avx512f, ...). */
  readonly isas: readonly string[];
  /** The native matrix-product micro-kernel in use, or why none runs. */
  readonly kernel: string;
  /** FMA chains in registers, as wide as that kernel, on the kernels' threads (GFLOP/s). */
  readonly peakGflops: number | null;
}

/** What the CPU can do: its instruction sets and its peak FLOP rate, measured by the native addon. */
export async function cpuInfo(): Promise<CpuInfo> {
  let flags: string[] = [];
  try {
    flags = (readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:\s*(.*)$/m)?.[1] ?? "").split(/\s+/);
  } catch {
    /* not Linux */
  }
  const isas = flags.filter((f) => /^(sse4_2|avx|avx2|fma|f16c|avx512.*|amx.*|avx_vnni)$/.test(f)).sort();
  const { loadNative } = await import("../runtime/kernels/native.ts");
  const native = loadNative();
  if (!native.kernels) return { isas, kernel: `no native kernels (${native.about})`, peakGflops: null };
  // on the threads the kernels use (all cores, or GAN_THREADS)
  return { isas, kernel: native.kernels.isa(), peakGflops: native.kernels.peakGflops(0) };
}

interface RunOut {
  readonly lines: string[];
  readonly stderr: string;
  readonly code: number | null;
  readonly timedOut: boolean;
}

/** Runs a command, streaming its stdout lines to `onLine`; kills it after timeoutS. */
function run(cmd: string, args: readonly string[], timeoutS: number, env: NodeJS.ProcessEnv, onLine: (l: string) => void): Promise<RunOut> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let buf = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutS * 1000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(l);
        onLine(l);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr = (stderr + d).slice(-20_000);
    });
    child.on("error", (e) => {
      stderr += String(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (buf) lines.push(buf);
      resolve({ lines, stderr, code, timedOut });
    });
  });
}

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const lastLine = (s: string) =>
  s
    .trim()
    .split("\n")
    .filter((l) => l.trim())
    .at(-1) ?? "";

function probeTorch(python: string): { ok: boolean; why: string } {
  const r = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", env: { ...process.env, OMP_WAIT_POLICY: "PASSIVE" }, timeout: 120_000 });
  if (r.status === 0) return { ok: true, why: `torch ${r.stdout.trim()} (${python})` };
  return { ok: false, why: `${python}: ${r.error ? r.error.message : lastLine(r.stderr) || `exit ${r.status}`}` };
}

function probeTensorflow(): string | null {
  const r = spawnSync(process.execPath, ["--import", "tsx", self, "--probe-tensorflow"], { cwd: root, encoding: "utf8", timeout: 300_000 });
  try {
    const o = JSON.parse(lastLine(r.stdout)) as { ok: boolean; why: string };
    return o.ok ? null : o.why;
  } catch {
    return lastLine(r.stderr) || `exit ${r.status}`;
  }
}

export async function runTrainBench(o: Options): Promise<TrainReport> {
  const tfjsVersion = (JSON.parse(readFileSync(`${root}node_modules/@tensorflow/tfjs/package.json`, "utf8")) as { version: string }).version;
  const tfMissing = o.backends === null || o.backends.includes("tensorflow") ? probeTensorflow() : "not asked for";
  const tensorflow = tfMissing === null ? "available" : `not used (${tfMissing.replace(/^no native TensorFlow: /, "").replace(/\. Install one.*$/, "")})`;
  log(`tensorflow backend ${tensorflow}`);
  const torchProbe = o.torch ? probeTorch(o.python) : { ok: false, why: "--no-torch" };
  log(`PyTorch: ${torchProbe.why}`);
  // 0: the child's default (5 timed iterations, 30 for a case under 0.2 s)
  const iters = o.iters ?? (o.quick ? 3 : 0);
  const warmups = o.quick ? 1 : 2;
  const rows: TrainRow[] = [];
  const torch: TrainReport["torch"] = {};
  let torchVersion: string | null = null;
  const cpu = await cpuInfo();
  log(`CPU: ${cpu.isas.join(" ") || "?"}; native kernel ${cpu.kernel}; measured peak ${cpu.peakGflops === null ? "-" : cpu.peakGflops.toFixed(0)} GFLOP/s`);

  for (const name of o.cases) {
    const c = caseOf(name);
    const flops = await iterationFlops(c);
    // PyTorch first (seconds), then gan-spec's PyTorch engine on the same iteration (the
    // emitted generated/<spec>/torch package), then each backend, one process at a time.
    const torchCase = async (label: string) => {
      log(`${label} ...`);
      const args = [`${root}bench/torch_bench.py`, "--child", label, "--device", o.device, ...(o.iters !== null ? ["--iters", String(o.iters)] : [])];
      const r = await run(o.python, args, o.timeoutS, { ...process.env, OMP_WAIT_POLICY: "PASSIVE" }, () => {});
      const line = r.lines.filter((l) => l.startsWith("{")).at(-1);
      let t: { ms_per_iter: number | null; iters?: number; warmups?: number; peak_rss_mb?: number; torch?: string; error?: string } | null = null;
      try {
        t = line ? JSON.parse(line) : null;
      } catch {
        t = null;
      }
      if (t && t.ms_per_iter !== null) {
        log(`${label}: ${t.ms_per_iter} ms/iter (median of ${t.iters} after ${t.warmups} warm-ups, peak RSS ${t.peak_rss_mb} MB)`);
        return { ms: t.ms_per_iter, iters: t.iters!, warmups: t.warmups!, peakRssMb: t.peak_rss_mb!, version: t.torch! };
      }
      const error = r.timedOut ? `timed out after ${o.timeoutS} s` : (t?.error ?? (lastLine(r.stderr) || `exit ${r.code}`));
      log(`${label} failed: ${error}`);
      return { ms: null, error };
    };
    let engine: Awaited<ReturnType<typeof torchCase>> | null = null;
    if (torchProbe.ok) {
      const t = await torchCase(name);
      torch[name] = t;
      if ("version" in t) torchVersion = t.version ?? torchVersion;
      engine = await torchCase(`engine-${name}`);
    } else torch[name] = { ms: null, error: torchProbe.why };
    if (engine) {
      const tms = torch[name]!.ms;
      rows.push({
        name,
        backend: "torch-engine",
        batch: c.batch,
        ms: engine.ms,
        torchMs: tms,
        gflop: flops / 1e9,
        peakRssMb: "peakRssMb" in engine ? (engine.peakRssMb ?? null) : null,
        torchPeakRssMb: torch[name]!.peakRssMb ?? null,
        cpuPeakGflops: cpu.peakGflops,
        note: engine.ms !== null ? `gan-compile --emit pytorch, median of ${"iters" in engine ? engine.iters : "?"}` : `failed: ${"error" in engine ? engine.error : ""}`,
        ...(engine.ms === null ? { error: "error" in engine ? String(engine.error) : "failed" } : {}),
      });
    }

    const backends = (o.backends ?? ["wasm", "cpu", "tensorflow"]).filter((b) => {
      if (b === "tensorflow") return tfMissing === null;
      if (b === "cpu" && o.backends === null) return o.all || c.spec === SPECS["mlp"]; // stock-speed convolutions: minutes per iteration
      return true;
    });
    // The code is generated here, once, as gan-compile would: a child's peak RSS is training's.
    const codeDir = await generate(c);
    for (const backend of backends) {
      log(`${name} ${backend} ...`);
      const r = await run(process.execPath, ["--import", "tsx", self, "--case", name, backend, String(iters), String(warmups), codeDir], o.timeoutS, process.env, (l) => {
        try {
          const p = JSON.parse(l) as { warmup?: number; iter?: number; ms?: number };
          if (p.warmup !== undefined) log(`${name} ${backend}: warm-up ${p.warmup}: ${p.ms!.toFixed(0)} ms`);
          else if (p.iter !== undefined) log(`${name} ${backend}: iteration ${p.iter}: ${p.ms!.toFixed(0)} ms`);
        } catch {
          /* not ours */
        }
      });
      const parsed = r.lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
      const done = parsed.find((p) => p["done"]) as ChildResult | undefined;
      const tms = torch[name]!.ms;
      if (done) {
        const notes = [`median of ${done.iters} after ${done.warmups} warm-up${done.warmups > 1 ? "s" : ""}`];
        if (done.warmups < warmups) notes.push(`first ${(done.first / 1000).toFixed(0)} s`);
        rows.push({ name, backend, batch: c.batch, ms: done.ms, torchMs: tms, gflop: flops / 1e9, peakRssMb: done.peakRssMb, torchPeakRssMb: torch[name]!.peakRssMb ?? null, cpuPeakGflops: cpu.peakGflops, note: notes.join(", ") });
      } else {
        const timed = parsed.filter((p) => p["iter"] !== undefined).map((p) => p["ms"] as number);
        const partial = timed.length > 0 ? ` (${timed.length} iteration${timed.length > 1 ? "s" : ""} done, median ${median(timed).toFixed(0)} ms)` : "";
        const error = r.timedOut ? `timed out after ${o.timeoutS} s${partial}` : `failed: ${lastLine(r.stderr) || `exit ${r.code}`}`.slice(0, 200);
        rows.push({ name, backend, batch: c.batch, ms: null, torchMs: tms, gflop: flops / 1e9, peakRssMb: null, torchPeakRssMb: torch[name]!.peakRssMb ?? null, cpuPeakGflops: cpu.peakGflops, note: error, error });
      }
      log(`${name} ${backend}: ${done ? `${done.ms.toFixed(0)} ms/iter` : rows.at(-1)!.note}`);
    }
    rmSync(codeDir, { recursive: true, force: true });
  }
  return { rows, torch, torchVersion, torchWhy: torchProbe.why, tensorflow, tfjsVersion, cpu };
}

// ---------------------------------------------------------------------------------------
// Output.

const round = (x: number, d: number) => Number(x.toFixed(d));

/** JSON with a space after each colon and comma: {"name": "dcgan-b64", "ms": 1.5}. */
export function spacedJson(o: Readonly<Record<string, unknown>>): string {
  return `{${Object.entries(o)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(", ")}}`;
}

/** The share of the CPU's measured peak FLOP rate a row reaches (null: no time or no peak). */
function peakShare(r: TrainRow): number | null {
  return r.ms === null || r.cpuPeakGflops === null ? null : r.gflop / (r.ms / 1000) / r.cpuPeakGflops;
}

export function jsonLine(r: TrainRow): string {
  const share = peakShare(r);
  return spacedJson({
    name: r.name,
    backend: r.backend,
    ms_per_iter: r.ms === null ? null : round(r.ms, 1),
    torch_ms_per_iter: r.torchMs === null ? null : round(r.torchMs, 1),
    ratio: r.ms === null || r.torchMs === null ? null : round(r.ms / r.torchMs, 2),
    gflops: r.ms === null ? null : round(r.gflop / (r.ms / 1000), 3),
    peak_share: share === null ? null : round(share, 3),
    peak_rss_mb: r.peakRssMb === null ? null : round(r.peakRssMb, 1),
    torch_peak_rss_mb: r.torchPeakRssMb === null ? null : round(r.torchPeakRssMb, 1),
    ...(r.error !== undefined ? { error: r.error } : {}),
  });
}

/** Table cells of a training row: case, backend, ms/iter, img/s, GFLOP/s, share of the CPU's peak, RSS, PyTorch's time and RSS, ratio, note. */
export function cells(r: TrainRow): string[] {
  const ms = r.ms;
  const share = peakShare(r);
  return [
    r.name,
    r.backend,
    ms === null ? "-" : ms.toFixed(ms < 100 ? 1 : 0),
    ms === null ? "-" : ((ips) => ips.toFixed(ips >= 100 ? 0 : ips >= 10 ? 1 : 2))((r.batch * 1000) / ms),
    ms === null ? "-" : (r.gflop / (ms / 1000)).toFixed(2),
    share === null ? "-" : `${(100 * share).toFixed(0)}%`,
    r.peakRssMb === null ? "-" : r.peakRssMb.toFixed(0),
    r.torchMs === null ? "-" : r.torchMs.toFixed(r.torchMs < 100 ? 1 : 0),
    r.torchPeakRssMb === null ? "-" : r.torchPeakRssMb.toFixed(0),
    ms === null || r.torchMs === null ? "-" : `${(ms / r.torchMs).toFixed(1)}x`,
    r.note,
  ];
}

export const HEADER = ["case", "backend", "ms/iter", "img/s", "GFLOP/s", "% of peak", "peak RSS MB", "PyTorch ms", "PyTorch RSS MB", "ratio", "note"];
/** The columns of HEADER aligned right (the numbers). */
export const NUMERIC = new Set([2, 3, 4, 5, 6, 7, 8, 9]);

/** A Markdown table (readable as it is in a terminal), columns padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: readonly string[]) => `| ${r.map((c, i) => (right.has(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join(" | ")} |`;
  return [fmt(header), `|${w.map((x, i) => (right.has(i) ? `${"-".repeat(x + 1)}:` : "-".repeat(x + 2))).join("|")}|`, ...rows.map(fmt)].join("\n");
}

export function machineLine(rep: TrainReport): string {
  const model = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? "?";
  const peak = rep.cpu.peakGflops === null ? "no measured peak" : `measured peak ${rep.cpu.peakGflops.toFixed(0)} GFLOP/s`;
  return `${model}, ${cpus().length} cores (${rep.cpu.isas.join(" ") || "instruction sets unknown"}; native kernel ${rep.cpu.kernel}, ${peak}); Node ${process.version}; tfjs ${rep.tfjsVersion}; PyTorch ${rep.torchVersion ?? rep.torchWhy} (2 threads, OMP_WAIT_POLICY=PASSIVE); tensorflow backend ${rep.tensorflow}`;
}

export const FLOPS_NOTE =
  "GFLOP/s = FLOPs per iteration from the IR (2 x MACs of every conv/convT/linear forward, x3 for both gradients, once per model call of the train: section, fake = G(z) once) / time";

// ---------------------------------------------------------------------------------------

if (process.argv[1] !== undefined && resolve(process.argv[1]) === self) {
  const argv = process.argv.slice(2);
  if (argv[0] === "--case") {
    const result = await runCase(caseOf(argv[1]!), argv[2]!, Number(argv[3] ?? 5), Number(argv[4] ?? 2), argv[5]);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else if (argv[0] === "--probe-tensorflow") {
    const { startBackend } = await import("../runtime/backend.ts");
    try {
      const info = await startBackend("tensorflow");
      process.stdout.write(`${JSON.stringify({ ok: true, why: info.why })}\n`);
    } catch (e) {
      process.stdout.write(`${JSON.stringify({ ok: false, why: e instanceof Error ? e.message : String(e) })}\n`);
    }
  } else if (argv[0] === "--flops") {
    for (const n of argv.slice(1)) console.log(n, ((await iterationFlops(caseOf(n))) / 1e9).toFixed(2), "GFLOP/iter");
  } else {
    let o: Options;
    try {
      o = parseOptions(argv);
    } catch (e) {
      console.error(`bench:train: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    }
    const rep = await runTrainBench(o);
    if (o.json) for (const r of rep.rows) console.log(jsonLine(r));
    else {
      console.log(`training iteration (D step + G step, Adam) as gan-train runs it; ${machineLine(rep)}`);
      console.log(table(HEADER, rep.rows.map(cells), NUMERIC));
      console.log(FLOPS_NOTE);
    }
  }
}
