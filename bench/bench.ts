// npm run bench [-- options]: one table of the project's speed. Training rows (one training
// iteration per seed model and backend, next to PyTorch measured in the same run:
// bench/train-bench.ts, which documents the cases and options), then the compiler rows of
// bench/compile-bench.ts and the quality score's (bench/quality-bench.ts: scoring 10,000
// samples, here and in PyTorch). --json prints one JSON object per line instead:
//   {"name": "dcgan-b64", "backend": "wasm", "ms_per_iter": n, "torch_ms_per_iter": n|null, "ratio": n|null, "gflops": n,
//    "peak_share": n|null (of the CPU's measured peak), "peak_rss_mb": n, "torch_peak_rss_mb": n|null}
//   {"name": "compile-all", "ms": n}
//   {"name": "quality-score-10000", "backend": "wasm", "ms": n, "torch_ms": n|null}
// (a training case that failed or timed out has null numbers and an "error" field).
// Options: those of train-bench (--quick, --iters N, --all, --timeout S, --backends=...,
// --no-torch, --python PATH, case names) and --no-compile / --no-train / --no-quality.
// Never part of the test suite.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cells, FLOPS_NOTE, HEADER, jsonLine, machineLine, NUMERIC, parseOptions, runTrainBench, spacedJson, table } from "./train-bench.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const argv = process.argv.slice(2);
let o: ReturnType<typeof parseOptions>;
try {
  o = parseOptions(argv);
} catch (e) {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}

/** compile-bench's rows ({"name", "ms"}), run as its own process with --json. */
function compileRows(): { name: string; ms: number | null; error?: string }[] {
  process.stderr.write("[bench] compile-bench ...\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/compile-bench.ts", "--json"], { cwd: root, encoding: "utf8", timeout: o.timeoutS * 1000 });
  const rows = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { name: string; ms: number });
  if (r.status !== 0 || rows.length === 0) {
    const why = r.error ? r.error.message : (r.stderr.trim().split("\n").at(-1) ?? `exit ${r.status}`);
    return [...rows, { name: "compile-bench", ms: null, error: why.slice(0, 200) }];
  }
  return rows;
}

/** quality-bench's rows, run as its own process. */
function qualityRows(): { name: string; backend?: string; ms: number | null; torch_ms?: number | null; error?: string }[] {
  process.stderr.write("[bench] quality-bench ...\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/quality-bench.ts", "--json"], { cwd: root, encoding: "utf8", timeout: o.timeoutS * 1000 });
  const rows = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { name: string; ms: number });
  if (r.status !== 0 || rows.length === 0) return [...rows, { name: "quality-bench", ms: null, error: (r.stderr.trim().split("\n").at(-1) ?? `exit ${r.status}`).slice(0, 200) }];
  return rows;
}

const compile = argv.includes("--no-compile") ? [] : compileRows();
const quality = argv.includes("--no-quality") ? [] : qualityRows();
const train = argv.includes("--no-train") ? null : await runTrainBench(o);

if (o.json) {
  for (const r of train?.rows ?? []) console.log(jsonLine(r));
  for (const r of compile) console.log(spacedJson(r));
  for (const r of quality) console.log(spacedJson(r));
} else {
  const notes: Record<string, string> = {
    "compile-all": "cold gan-compile --check of every spec, one process each, summed",
    "check:1000-lines": "a generated 1,000-line spec, parse + check in process",
  };
  const compileCells = compile.map((r) => {
    const note = r.error ?? notes[r.name] ?? (r.name.startsWith("compile-cold:") ? "gan-compile --check, new process, median of 5" : "parse + check, in process, median of 30");
    return [r.name, "", r.ms === null ? "-" : r.ms.toFixed(2), "", "", "", "", "", "", "", note];
  });
  const qualityNotes: Record<string, string> = {
    "quality-score-10000": "FLD + KID of 10,000 samples: classifier features, 100 KID subsets of 1,000",
    "quality-reference-10000": "the 10,000 test digits' features, once per run",
  };
  const qualityCells = quality.map((r) => [r.name, r.backend ?? "", r.ms === null ? "-" : r.ms.toFixed(0), "", "", "", "", r.torch_ms == null ? "-" : r.torch_ms.toFixed(0), "", r.ms !== null && r.torch_ms ? `${(r.ms / r.torch_ms).toFixed(2)}x` : "-", r.error ?? qualityNotes[r.name] ?? ""]);
  const header = [...HEADER];
  header[2] = "ms/iter (ms)";
  if (train) console.log(`training: one iteration (D step + G step, Adam) as gan-train runs it, on random data. ${machineLine(train)}`);
  console.log(table(header, [...(train?.rows.map(cells) ?? []), ...compileCells, ...qualityCells], NUMERIC));
  if (train) console.log(FLOPS_NOTE);
}
