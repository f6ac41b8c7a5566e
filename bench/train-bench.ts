// npm run bench: training speed. One training iteration of each seed model as its spec's
// train: section defines it (D step + G step, Adam, as gan-train runs it), on random data,
// per backend, each case in its own process; median of the timed iterations after warm-up.
// Prints a table next to PyTorch's times on this kind of machine (../shared/
// PERFORMANCE-ANCHORS.md), or JSON lines with --json. `--full` adds the slow cases (DCGAN at
// batch 64, Pix2Pix at full width). Never part of the test suite.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const argv = process.argv.slice(2);
const asJson = argv.includes("--json");

interface Case {
  readonly name: string;
  readonly spec: string;
  readonly set: Record<string, number>;
  readonly batch: number;
  /** PyTorch 1.13, 2 threads, ms per iteration (PERFORMANCE-ANCHORS.md). */
  readonly pytorch: number | null;
  readonly iters: number;
  readonly full?: boolean;
}

const CASES: Case[] = [
  { name: "MLP GAN (MNIST)", spec: "specs/mnist-gan.gan", set: {}, batch: 64, pytorch: 101.6, iters: 5 },
  { name: "DCGAN 64x64", spec: "specs/dcgan.gan", set: {}, batch: 4, pytorch: 317, iters: 3 },
  { name: "DCGAN 64x64, width 16", spec: "specs/dcgan.gan", set: { ngf: 16, ndf: 16 }, batch: 16, pytorch: null, iters: 3 },
  { name: "Pix2Pix 256, width 8", spec: "specs/pix2pix.gan", set: { ngf: 8, ndf: 8 }, batch: 1, pytorch: null, iters: 3 },
  { name: "DCGAN 64x64", spec: "specs/dcgan.gan", set: {}, batch: 64, pytorch: 2903, iters: 2, full: true },
  { name: "Pix2Pix 256", spec: "specs/pix2pix.gan", set: {}, batch: 1, pytorch: 1490, iters: 2, full: true },
];

async function runCase(c: Case, backend: string): Promise<{ ms: number; first: number }> {
  const tf = await import("@tensorflow/tfjs");
  const { startBackend } = await import("../runtime/backend.ts");
  const { compile } = await import("../compiler/compile.ts");
  const { buildIr } = await import("../compiler/ir.ts");
  const { InterpretedModel } = await import("../runtime/nn/interpret.ts");
  const { Adam } = await import("../runtime/optim/adam.ts");
  const { interpretSteps } = await import("../runtime/train/interpret.ts");
  const { Round } = await import("../runtime/train/round.ts");
  const { fromTorchOrder } = await import("../runtime/nn/functional.ts");
  const { Rng } = await import("../runtime/random.ts");
  await startBackend(backend as "cpu");
  const r = compile(readFileSync(`${root}${c.spec}`, "utf8"), c.spec, { overrides: new Map(Object.entries(c.set)) });
  const ir = buildIr(r);
  const plan = r.train!;
  const models = Object.fromEntries(ir.models.map((m) => [m.name, new InterpretedModel(m)]));
  const optimizers = Object.fromEntries(plan.steps.map((s) => [s.model, new Adam(models[s.model]!.parameters(), { lr: s.optimizer.lr, betas: s.optimizer.betas })]));
  const steps = interpretSteps(plan);
  const rng = new Rng(1);
  const inputs: Record<string, InstanceType<typeof tf.Tensor>> = {};
  for (const o of [...plan.data.outputs, ...plan.noise]) {
    const shape = [c.batch, ...o.shape];
    inputs[o.name] = fromTorchOrder(tf.tensor(rng.fillUniform(shape.reduce((a, b) => a * b, 1), -1, 1), shape));
  }
  const times: number[] = [];
  for (let i = 0; i < c.iters + 1; i++) {
    const t0 = performance.now();
    const round = new Round(models, inputs, i);
    for (const s of steps) s.run(round, optimizers[s.model]!);
    round.dispose();
    times.push(performance.now() - t0);
  }
  const timed = times.slice(1).sort((a, b) => a - b);
  return { ms: timed[Math.floor(timed.length / 2)]!, first: times[0]! };
}

if (argv[0] === "--case") {
  const c = CASES[Number(argv[1])]!;
  const result = await runCase(c, argv[2]!);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const backends = (argv.find((a) => a.startsWith("--backends="))?.slice(11) ?? "wasm,cpu").split(",");
  const rows: { name: string; batch: number; backend: string; ms: number | null; note: string; pytorch: number | null }[] = [];
  CASES.forEach((c, i) => {
    if (c.full && !argv.includes("--full")) return;
    for (const backend of backends) {
      // The stock cpu backend is far too slow for full-width convolutions: skip what would take minutes.
      if (backend === "cpu" && c.spec !== "specs/mnist-gan.gan" && !c.set["ngf"] && !argv.includes("--full")) continue;
      const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--case", String(i), backend], { cwd: root, encoding: "utf8", timeout: 1_800_000 });
      const line = r.stdout.trim().split("\n").at(-1) ?? "";
      let ms: number | null = null;
      let note = "";
      try {
        ms = (JSON.parse(line) as { ms: number }).ms;
      } catch {
        note = `failed: ${(r.stderr || r.stdout).trim().split("\n").at(-1) ?? ""}`.slice(0, 80);
      }
      rows.push({ name: c.name, batch: c.batch, backend, ms, note, pytorch: c.pytorch });
      if (asJson) process.stdout.write(`${JSON.stringify({ name: `train:${c.name}:b${c.batch}:${backend}`, ms })}\n`);
    }
  });
  if (!asJson) {
    console.log("training iteration (D step + G step, Adam), median ms; PyTorch 1.13 CPU 2 threads from PERFORMANCE-ANCHORS.md");
    console.log(`${"model".padEnd(24)} ${"batch".padStart(5)}  ${"backend".padEnd(8)} ${"ms/iter".padStart(10)} ${"img/s".padStart(8)} ${"PyTorch".padStart(9)} ${"ratio".padStart(7)}`);
    for (const r of rows) {
      const ratio = r.ms !== null && r.pytorch !== null ? `${(r.ms / r.pytorch).toFixed(1)}x` : "";
      const ips = r.ms !== null ? ((r.batch * 1000) / r.ms).toFixed(1) : "";
      console.log(`${r.name.padEnd(24)} ${String(r.batch).padStart(5)}  ${r.backend.padEnd(8)} ${(r.ms?.toFixed(0) ?? "-").padStart(10)} ${ips.padStart(8)} ${(r.pytorch?.toFixed(0) ?? "").padStart(9)} ${ratio.padStart(7)} ${r.note}`);
    }
  }
}
