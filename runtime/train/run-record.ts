// A run folder's record of itself (run.json): every setting the run was started with, so
// that `gan-train --out RUN --resume` continues it exactly without being told them again,
// and the history of its resumes. Settings given again on a resume must agree with the
// record, except those that may change (the length, how often to sample and checkpoint,
// the backend, what to do about NaN, strictness about unreadable pictures).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TrainPlan } from "../../compiler/train-plan.ts";
import { writeFileAtomic } from "../io/atomic.ts";

export const RUN_RECORD = "run.json";

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
  readonly strictData: boolean;
  readonly onNan: "stop" | "skip";
  /** The --backend asked for (auto, cpu, wasm, tensorflow). */
  readonly backend: string;
}

/** Settings that may differ on a resume; any other one must agree with the record. */
export const MAY_CHANGE = ["epochs", "iters", "sampleEvery", "checkpointEvery", "strictData", "onNan", "backend"] as const;

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
  strictData: "--strict-data",
  onNan: "--on-nan",
  backend: "--backend",
};

/**
 * The record in RUN/run.json. Runs written before the record had its own format (a plain
 * object with spec, set, seed, data, batch, epochs, iters, backend and plan) are read too:
 * what they lack comes from their checked training section.
 */
export function readRunRecord(out: string): RunRecord {
  const path = join(out, RUN_RECORD);
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
    data: (data as string | null | undefined) ?? null,
    dataPictures: typeof r["dataPictures"] === "string" ? r["dataPictures"] : null,
    batch: num("batch")!,
    epochs,
    iters,
    sampleEvery: num("sampleEvery", true) ?? p.sampleEvery,
    checkpointEvery: num("checkpointEvery", true) ?? p.checkpointEvery,
    strictData: r["strictData"] === true,
    onNan,
    // Records written before `backendAsked` existed: the backend that ran.
    backend: typeof r["backendAsked"] === "string" ? r["backendAsked"] : typeof r["backend"] === "string" && ["cpu", "wasm", "tensorflow"].includes(r["backend"]) ? r["backend"] : "auto",
    backendUsed: typeof r["backend"] === "string" ? r["backend"] : "",
    plan: p,
    started: typeof r["started"] === "string" ? r["started"] : "",
    resumes: Array.isArray(r["resumes"]) ? (r["resumes"] as ResumeEvent[]) : [],
  };
}

export function writeRunRecord(out: string, record: RunRecord): void {
  // On disk, `backend` is the backend that ran (as before the record had a format) and
  // `backendAsked` the flag.
  const { backend, backendUsed, ...rest } = record;
  writeFileAtomic(join(out, RUN_RECORD), `${JSON.stringify({ ...rest, backend: backendUsed, backendAsked: backend }, null, 2)}\n`);
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
