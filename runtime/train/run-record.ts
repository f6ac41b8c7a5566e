// A run folder's record of itself (run.json): every setting the run was started with, so
// that `gan-train --out RUN --resume` continues it exactly without being told them again,
// and the history of its resumes. Settings given again on a resume must agree with the
// record, except those that may change (the length, how often to sample and checkpoint,
// the backend, what to do about NaN, strictness about unreadable pictures).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { IrSpec } from "../../contracts/ir.ts";
import type { TrainPlan } from "../../contracts/train-plan.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { RunFolder } from "./run-folder.ts";

/** What defines a run: restored by --resume. */
export interface RunSettings {
  /** The spec's path as given when the run was started (the text is kept in RUN/spec.gan). */
  readonly spec: string;
  /** The --set values. */
  readonly set: Readonly<Record<string, number>>;
  readonly seed: number;
  /** The --data folder, absolute; null for the spec's built-in data. */
  readonly data: string | null;
  /** The folder's pictures (count and a hash of their names), to recognise it if it moves. */
  readonly dataPictures: string | null;
  readonly batch: number;
  /** One of the two is null. */
  readonly epochs: number | null;
  readonly iters: number | null;
  readonly sampleEvery: number;
  readonly checkpointEvery: number;
  /** The quality score every N iterations and at the end (0: never). */
  readonly evalEvery: number;
  /** Samples it scores (null: the default, runtime/eval/quality.ts). */
  readonly evalN: number | null;
  readonly strictData: boolean;
  readonly onNan: "stop" | "skip";
  /** The --backend asked for (auto, cpu, wasm, tensorflow). */
  readonly backend: string;
  /** Which engine trains: TensorFlow.js here, or the emitted PyTorch code (--engine torch). */
  readonly engine: "tfjs" | "torch";
}

export interface ResumeEvent {
  /** The iteration the run continued from. */
  readonly iteration: number;
  readonly at: string;
  /** Settings that changed: name -> [before, after]. */
  readonly changed: Readonly<Record<string, readonly [unknown, unknown]>>;
}

export interface RunRecord extends RunSettings {
  readonly format: 2;
  /** The backend that ran (e.g. "wasm"), and the checked training section. */
  readonly backendUsed: string;
  readonly plan: TrainPlan;
  readonly started: string;
  readonly resumes: readonly ResumeEvent[];
  /** With --engine torch: how it ran (processes, mixed precision, synchronised BatchNorm), restored on --resume. */
  readonly torch?: TorchSettings;
}

export interface TorchSettings {
  readonly nproc: number;
  readonly amp: "off" | "bf16" | "fp16";
  readonly syncBn: "on" | "off" | null;
  readonly device: "auto" | "cuda" | "cpu";
}

export class RunRecordError extends Error {}

/** The flag that sets each setting, for messages. */
export const FLAG: Readonly<Record<keyof RunSettings, string>> = {
  spec: "SPEC",
  set: "--set",
  seed: "--seed",
  data: "--data",
  dataPictures: "--data",
  batch: "--batch",
  epochs: "--epochs",
  iters: "--iters",
  sampleEvery: "--sample-every",
  checkpointEvery: "--checkpoint-every",
  evalEvery: "--eval-every",
  evalN: "--eval-n",
  strictData: "--strict-data",
  onNan: "--on-nan",
  backend: "--backend",
  engine: "--engine",
};

/**
 * The record in RUN/run.json. Runs written before the record had its own format (a plain
 * object with spec, set, seed, data, batch, epochs, iters, backend and plan) are read too:
 * what they lack comes from their checked training section.
 */
export function readRunRecord(out: string): RunRecord {
  const path = new RunFolder(out).record;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    const why = e instanceof SyntaxError ? `not valid JSON (${e.message})` : ((e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(e));
    throw new RunRecordError(`${path}: ${why}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new RunRecordError(`${path}: not a JSON object`);
  const r = raw as Record<string, unknown>;
  const bad = (field: string, what: string) => new RunRecordError(`${path}: "${field}" ${what}`);
  const num = (field: string, optional = false): number | null => {
    const v = r[field];
    if ((v === null || v === undefined) && optional) return null;
    if (typeof v !== "number" || !Number.isFinite(v)) throw bad(field, "is not a number");
    return v;
  };
  const plan = r["plan"];
  if (typeof plan !== "object" || plan === null) throw bad("plan", "is missing");
  const p = plan as TrainPlan;
  if (typeof r["spec"] !== "string") throw bad("spec", "is not a string");
  const set = r["set"] ?? {};
  if (typeof set !== "object" || set === null || Array.isArray(set) || Object.values(set).some((v) => typeof v !== "number")) {
    throw bad("set", "is not an object of numbers");
  }
  const data = r["data"];
  if (data !== null && data !== undefined && typeof data !== "string") throw bad("data", "is not a string");
  const onNan = r["onNan"] ?? "stop";
  if (onNan !== "stop" && onNan !== "skip") throw bad("onNan", 'is not "stop" or "skip"');
  const epochs = num("epochs", true);
  const iters = num("iters", true);
  if ((epochs === null) === (iters === null)) throw bad("iters", "and \"epochs\": exactly one must be set");
  return {
    format: 2,
    spec: r["spec"] as string,
    set: set as Record<string, number>,
    seed: num("seed")!,
    // Older records kept --data as given; it was relative to where gan-train was started.
    data: typeof data === "string" ? resolve(data) : null,
    dataPictures: typeof r["dataPictures"] === "string" ? r["dataPictures"] : null,
    batch: num("batch")!,
    epochs,
    iters,
    sampleEvery: num("sampleEvery", true) ?? p.sampleEvery,
    checkpointEvery: num("checkpointEvery", true) ?? p.checkpointEvery,
    // records written before the quality score: none during the run
    evalEvery: num("evalEvery", true) ?? 0,
    evalN: num("evalN", true),
    strictData: r["strictData"] === true,
    onNan,
    // Records written before `backendAsked` existed: the backend that ran.
    backend: typeof r["backendAsked"] === "string" ? r["backendAsked"] : typeof r["backend"] === "string" && ["cpu", "wasm", "tensorflow"].includes(r["backend"]) ? r["backend"] : "auto",
    engine: r["engine"] === "torch" ? "torch" : "tfjs",
    backendUsed: typeof r["backend"] === "string" ? r["backend"] : "",
    plan: p,
    started: typeof r["started"] === "string" ? r["started"] : "",
    resumes: Array.isArray(r["resumes"]) ? (r["resumes"] as ResumeEvent[]) : [],
    ...(torchSettings(r["torch"]) ? { torch: torchSettings(r["torch"])! } : {}),
  };
}

export function writeRunRecord(out: string, record: RunRecord): void {
  // On disk, `backend` is the backend that ran (as before the record had a format) and
  // `backendAsked` the flag.
  const { backend, backendUsed, ...rest } = record;
  writeFileAtomic(new RunFolder(out).record, `${JSON.stringify({ ...rest, backend: backendUsed, backendAsked: backend }, null, 2)}\n`);
}

function torchSettings(v: unknown): TorchSettings | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const t = v as Record<string, unknown>;
  const nproc = typeof t["nproc"] === "number" && Number.isInteger(t["nproc"]) && t["nproc"] >= 1 ? t["nproc"] : 1;
  const amp = t["amp"] === "bf16" || t["amp"] === "fp16" ? t["amp"] : "off";
  const syncBn = t["syncBn"] === "on" || t["syncBn"] === "off" ? t["syncBn"] : null;
  const device = t["device"] === "cuda" || t["device"] === "cpu" ? t["device"] : "auto";
  return { nproc, amp, syncBn, device };
}

/** The settings that differ between two sets of settings, as name -> [before, after]. */
export function changedSettings(before: RunSettings, after: RunSettings): Record<string, readonly [unknown, unknown]> {
  const out: Record<string, readonly [unknown, unknown]> = {};
  for (const k of Object.keys(FLAG) as (keyof RunSettings)[]) {
    if (k === "spec" || k === "dataPictures") continue;
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out[k] = [before[k], after[k]];
  }
  return out;
}

/** A setting's value as a message shows it: `8`, `stop`, `none`, `ngf=16 ndf=16`. */
export function settingText(v: unknown): string {
  if (v === null || v === undefined) return "none";
  if (typeof v === "object") return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${String(x)}`).join(" ") || "none";
  return String(v);
}

// --- the resume rules ---------------------------------------------------------------------

/**
 * On --resume: a flag given again that disagrees with the run's record, when it is not
 * one of the settings that may change. Says which setting, what the run has, and what to do.
 */
export async function resumeConflict(record: RunRecord, given: { readonly seed?: number; readonly batch?: number; readonly data?: string }): Promise<string | undefined> {
  const dataDir = given.data === undefined ? undefined : resolve(given.data);
  const keep = "leave it out to continue the run as it was started, or start a new run (without --resume, or with another --out)";
  if (given.seed !== undefined && given.seed !== record.seed) {
    return `--seed ${given.seed}: the run's seed is ${record.seed}, and a resumed run keeps it (every random number of the run depends on it); ${keep}`;
  }
  if (given.batch !== undefined && given.batch !== record.batch) {
    return `--batch ${given.batch}: the run was started with batch ${record.batch}, and a resumed run keeps its batch size (the order of the data depends on it); ${keep}`;
  }
  if (dataDir !== undefined && dataDir !== record.data) {
    if (record.data === null) return `--data ${given.data}: the run trains on the spec's built-in data, and a resumed run keeps its data; ${keep}`;
    // The same pictures in another place (the folder was moved) are the same data. (sharp
    // and TF.js are slow to load, so their modules are loaded only when needed here.)
    const { picturesFingerprint } = await import("../data/image-folder.ts");
    let here: string | undefined;
    try {
      here = picturesFingerprint(dataDir);
    } catch {
      here = undefined;
    }
    if (here === undefined || record.dataPictures === null || here !== record.dataPictures) {
      return `--data ${given.data}: the run trains on ${record.data}${record.dataPictures ? ` (${record.dataPictures})` : ""}, and a resumed run keeps its data${here ? ` (this folder has ${here})` : ""}; give that folder (or the same pictures moved elsewhere), or start a new run`;
    }
  }
  return undefined;
}

/**
 * On --resume with a --set value the run was not started with: allowed when it changes
 * only the training section (a learning rate), refused when it changes the models, the
 * batch or the data, naming the parameter.
 */
export async function setConflict(record: RunRecord, givenSet: ReadonlyMap<string, number>, plan: TrainPlan, ir: IrSpec, checkpointArchitecture: string | undefined): Promise<string | undefined> {
  const changed = [...givenSet].filter(([name, value]) => record.set[name] !== value);
  if (changed.length === 0) return undefined;
  const what = changed.map(([n, v]) => `--set ${n}=${v}`).join(" ");
  const was = changed.map(([n]) => (n in record.set ? `${n}=${record.set[n]}` : `${n} as the spec sets it`)).join(", ");
  const keep = `leave it out to continue the run as it was started (${was}), or start a new run with it (without --resume)`;
  const { architectureFingerprint, irArchitecture } = await import("./checkpoint.ts");
  if (checkpointArchitecture !== undefined && architectureFingerprint(irArchitecture(ir)) !== checkpointArchitecture) {
    return `${what}: this changes the models' shapes, and a resumed run keeps its architecture; ${keep}`;
  }
  if (JSON.stringify(plan.data) !== JSON.stringify(record.plan.data)) {
    return `${what}: this changes the training data, and a resumed run keeps its data; ${keep}`;
  }
  return undefined;
}
