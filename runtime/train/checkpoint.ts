// Checkpoints of a training run: one safetensors file with every model's state_dict
// (`G.0.weight`, `D.3.running_var`, ...), every Adam's state (`optim.G.exp_avg.0.weight`,
// `optim.G.exp_avg_sq.0.weight`; its step count in the metadata), and in the metadata the
// completed iteration, the seed (all randomness of a run is a function of the seed and the
// iteration, so that is the whole RNG state) and a fingerprint of the architecture.
// Written atomically (temp file, fsync, rename): a kill at any moment leaves the previous
// checkpoint intact.
import type * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IrSpec } from "../../contracts/ir.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { type NamedTensor, readSafetensors, readSafetensorsMetadata, SafetensorsError, writeSafetensors } from "../io/safetensors.ts";
import type { Model } from "../nn/model.ts";
import { loadStateDict, StateDictError, stateDict } from "../nn/state-dict.ts";
import type { Adam } from "../optim/adam.ts";
import type { Ema } from "./ema.ts";
import type { ImagePool } from "./round.ts";

export const CHECKPOINT_FORMAT = "gan-spec checkpoint 1";
export const PLAN_FORMAT = "2";

export class CheckpointError extends Error {}

/** An architecture: every model's state_dict keys and shapes, in order. */
export type Architecture = readonly { readonly name: string; readonly state: readonly (readonly [string, readonly number[]])[] }[];

/** The architecture of a spec's IR (before any model exists). */
export function irArchitecture(ir: IrSpec): Architecture {
  return ir.models.map((m) => ({ name: m.name, state: m.layers.flatMap((l) => l.state.map((s) => [s.key, s.shape] as const)) }));
}

/** The architecture of built models (the same list as their IR's). */
export function modelsArchitecture(models: Readonly<Record<string, Model>>): Architecture {
  return Object.entries(models).map(([name, m]) => ({ name, state: m.state().map((s) => [s.key, [...s.variable.shape]] as const) }));
}

/** Another spec, another fingerprint. */
export function architectureFingerprint(a: Architecture): string {
  return createHash("sha256").update(JSON.stringify(a)).digest("hex").slice(0, 16);
}

export function planFingerprint(plan: unknown): string {
  return createHash("sha256").update(JSON.stringify(plan)).digest("hex").slice(0, 16);
}

export interface CheckpointInfo {
  readonly iteration: number;
  readonly seed: number;
  readonly architecture: string;
  readonly plan: string;
  readonly spec: string;
}

/**
 * The checkpoint names of an optimizer's parameters, in its order: the model's state_dict
 * keys (`0.weight`) for a step of one model, `G_A.0.weight` for a step of several (`G_A+G_B`).
 */
export function optimizerKeys(step: string, models: Readonly<Record<string, Model>>): string[] {
  const names = step.split("+");
  return names.flatMap((name) => {
    const model = models[name];
    if (model === undefined) throw new CheckpointError(`no model ${name} for the optimizer of step ${step}`);
    return model
      .state()
      .filter((s) => s.kind === "parameter")
      .map((s) => (names.length > 1 ? `${name}.${s.key}` : s.key));
  });
}

/** What a run keeps besides models and optimizers: averaged copies, image pools. */
export interface CheckpointExtras {
  readonly averages?: readonly Ema[];
  readonly pools?: ReadonlyMap<string, ImagePool>;
}

/** Writes a checkpoint (atomically); the values are read from the backend without blocking it. */
export async function saveCheckpoint(
  path: string,
  models: Readonly<Record<string, Model>>,
  optimizers: Readonly<Record<string, Adam>>,
  info: CheckpointInfo,
  extras: CheckpointExtras = {},
): Promise<void> {
  const tensors: NamedTensor[] = [];
  const meta: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    iteration: String(info.iteration),
    seed: String(info.seed),
    architecture: info.architecture,
    plan: info.plan,
    // The plan fingerprint's formula (2: over each step's loss text and optimizer), so that
    // checkpoints written with another one are not taken for an edited training section.
    planFormat: PLAN_FORMAT,
    spec: info.spec,
  };
  for (const [name, model] of Object.entries(models)) {
    for (const t of await stateDict(model)) tensors.push({ ...t, name: `${name}.${t.name}` });
  }
  for (const a of extras.averages ?? []) {
    for (const t of await stateDict(a.copy)) tensors.push({ ...t, name: `ema.${a.model}.${t.name}` });
  }
  for (const [name, pool] of extras.pools ?? []) {
    const images = await pool.contents();
    meta[`pool.${name}.count`] = String(images.length);
    if (images.length === 0) continue;
    const per = images[0]!.length;
    const data = new Float32Array(images.length * per);
    images.forEach((im, i) => data.set(im, i * per));
    tensors.push({ name: `pool.${name}`, shape: [images.length, per], data });
  }
  for (const [name, opt] of Object.entries(optimizers)) {
    const keys = optimizerKeys(name, models);
    const st = opt.state();
    meta[`optim.${name}.step`] = String(st.t);
    const read = (t: tf.Tensor) => t.data() as Promise<Float32Array>;
    const [m, v] = await Promise.all([Promise.all(st.m.map(read)), Promise.all(st.v.map(read))]);
    st.m.forEach((t, i) => tensors.push({ name: `optim.${name}.exp_avg.${keys[i]}`, shape: t.shape, data: m[i]! }));
    st.v.forEach((t, i) => tensors.push({ name: `optim.${name}.exp_avg_sq.${keys[i]}`, shape: t.shape, data: v[i]! }));
  }
  writeFileAtomic(path, writeSafetensors(tensors, meta));
}

export interface CheckpointFile {
  readonly path: string;
  readonly info: CheckpointInfo;
  readonly bytes: Uint8Array;
  readonly meta: Readonly<Record<string, string>>;
}

/** Reads a checkpoint and its metadata, or says clearly what is wrong with the file. */
export function readCheckpointInfo(path: string): CheckpointFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`${path}: cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let meta: Record<string, string>;
  try {
    meta = readSafetensorsMetadata(bytes, path);
  } catch (e) {
    throw new CheckpointError(e instanceof SafetensorsError ? e.message : String(e));
  }
  if (meta["format"] !== CHECKPOINT_FORMAT) throw new CheckpointError(`${path} is a safetensors file but not a gan-train checkpoint (no "${CHECKPOINT_FORMAT}" metadata)`);
  return {
    path,
    bytes,
    meta,
    info: {
      iteration: Number(meta["iteration"]),
      seed: Number(meta["seed"]),
      architecture: meta["architecture"] ?? "",
      plan: meta["plan"] ?? "",
      spec: meta["spec"] ?? "",
    },
  };
}

/**
 * Restores models and optimizers from a checkpoint read with readCheckpointInfo. A
 * checkpoint of another architecture is refused before anything is changed, naming the
 * first tensor that differs.
 */
export function loadCheckpoint(
  file: CheckpointFile,
  models: Readonly<Record<string, Model>>,
  optimizers: Readonly<Record<string, Adam>>,
  architecture: string,
  extras: CheckpointExtras = {},
): CheckpointInfo {
  const { info, bytes, meta, path } = file;
  const tensors = readSafetensors(bytes, path);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  if (info.architecture !== architecture) {
    let detail = "";
    for (const [name, model] of Object.entries(models)) {
      for (const s of model.state()) {
        const t = byName.get(`${name}.${s.key}`);
        if (t === undefined) {
          detail = `it has no ${name}.${s.key}`;
          break;
        }
        if (t.shape.join() !== s.variable.shape.join()) {
          detail = `its ${name}.${s.key} is [${t.shape.join(", ")}], the spec's is [${s.variable.shape.join(", ")}]`;
          break;
        }
      }
      if (detail) break;
    }
    throw new CheckpointError(
      `${path} was written for another architecture (${info.spec || "another spec"}${detail ? `; ${detail}` : ""}): resume with the spec and --set values it was trained with, or start a new run with another --out`,
    );
  }
  try {
    for (const [name, model] of Object.entries(models)) loadStateDict(model, tensors, { prefix: `${name}.` });
  } catch (e) {
    throw new CheckpointError(`${path}: ${e instanceof StateDictError ? e.message : String(e)}`);
  }
  for (const a of extras.averages ?? []) {
    // A checkpoint from before the average was asked for: it starts from the model.
    if (byName.has(`ema.${a.model}.${a.copy.state()[0]?.key}`)) loadStateDict(a.copy, tensors, { prefix: `ema.${a.model}.` });
    else a.copyAll();
  }
  for (const [name, pool] of extras.pools ?? []) {
    const t = byName.get(`pool.${name}`);
    const count = Number(meta[`pool.${name}.count`] ?? 0);
    if (t === undefined || count === 0) continue;
    const per = t.shape[1]!;
    pool.restore(Array.from({ length: count }, (_, i) => t.data.slice(i * per, (i + 1) * per)));
  }
  for (const [name, opt] of Object.entries(optimizers)) {
    const keys = optimizerKeys(name, models);
    const get = (k: string) => {
      const t = byName.get(k);
      if (t === undefined) throw new CheckpointError(`${path}: no optimizer state ${k}`);
      return t.data;
    };
    opt.restore(
      Number(meta[`optim.${name}.step`] ?? 0),
      keys.map((k) => get(`optim.${name}.exp_avg.${k}`)),
      keys.map((k) => get(`optim.${name}.exp_avg_sq.${k}`)),
    );
  }
  return info;
}
