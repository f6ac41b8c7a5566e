// A run folder's layout, in one place: gan-train writes it, `--resume` and gan-sample read
// it, the report links into it.
//
//   RUN/checkpoints/last.safetensors   weights, Adam state, iteration, seed (atomic)
//   RUN/generated/                     the TypeScript the run trains (gan-compile's output)
//   RUN/spec.gan, RUN/run.json         the spec as trained, the settings (run-record.ts)
//   RUN/log.csv, RUN/log.jsonl         one row per iteration
//   RUN/samples/iter-NNNNNN.png        sample grids (and samples/latest.png)
//   RUN/plots/, RUN/real.png, RUN/real-vs-fake.png, RUN/index.html
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";

export const CHECKPOINT = join("checkpoints", "last.safetensors");

const pad = (n: number) => String(n).padStart(6, "0");

export class RunFolder {
  constructor(readonly dir: string) {}

  /** A path inside the folder. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  get checkpoint(): string {
    return this.path(CHECKPOINT);
  }

  /** Where the run's generated TypeScript is. */
  get generated(): string {
    return this.path("generated");
  }

  get spec(): string {
    return this.path("spec.gan");
  }

  get record(): string {
    return this.path("run.json");
  }

  get report(): string {
    return this.path("index.html");
  }

  get log(): string {
    return this.path("log.csv");
  }

  get real(): string {
    return this.path("real.png");
  }

  get realVsFake(): string {
    return this.path("real-vs-fake.png");
  }

  sample(iteration: number): string {
    return this.path("samples", `iter-${pad(iteration)}.png`);
  }

  get latestSample(): string {
    return this.path("samples", "latest.png");
  }

  hasCheckpoint(): boolean {
    return existsSync(this.checkpoint);
  }

  /** A run was started here (a checkpoint or a log): a new run must not overwrite it. */
  holdsRun(): boolean {
    return this.hasCheckpoint() || existsSync(this.log);
  }

  /** Creates the folders; removes temp files of a checkpoint write that was killed half-way. */
  prepare(): void {
    for (const d of ["", "samples", "checkpoints", "plots"]) mkdirSync(this.path(d), { recursive: true });
    for (const f of readdirSync(this.path("checkpoints"))) if (/^\..*\.tmp$/.test(f)) rmSync(this.path("checkpoints", f), { force: true });
  }

  /**
   * RUN/spec.gan is the spec as trained. A resumed run whose spec text changed (an edited
   * training section) keeps the text it had until then as spec-until-NNNNNN.gan.
   */
  writeSpec(text: string, resumedAt: number | null): void {
    if (resumedAt !== null && existsSync(this.spec)) {
      const before = readFileSync(this.spec, "utf8");
      if (before === text) return;
      writeFileAtomic(this.path(`spec-until-${pad(resumedAt)}.gan`), before);
    }
    writeFileAtomic(this.spec, text);
  }
}

const specName = (spec: string) => basename(spec).replace(/\.gan$/i, "");

/** runs/NAME, or runs/NAME-2, -3, ... when it is taken (a default never overwrites a run). */
export function defaultRunDir(spec: string): string {
  const name = specName(spec);
  let dir = join("runs", name);
  for (let i = 2; existsSync(dir); i++) dir = join("runs", `${name}-${i}`);
  return dir;
}

/** The latest runs/NAME[-k] folder with a checkpoint, for --resume without --out. */
export function latestRunDir(spec: string): string | undefined {
  const name = specName(spec);
  let found: string | undefined;
  for (let i = 1; i < 10_000; i++) {
    const dir = join("runs", i === 1 ? name : `${name}-${i}`);
    if (!existsSync(dir)) {
      if (i > 1) break;
      continue;
    }
    if (new RunFolder(dir).hasCheckpoint()) found = dir;
  }
  return found;
}
