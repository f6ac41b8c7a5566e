// Helpers of gan-sample: which model of a training run is its generator, and latent-space
// walks (DCGAN seed 001's interpolation between noise vectors, linear or spherical).
import type { TrainPlan, TrainValue } from "../contracts/train-plan.ts";
import { Rng } from "../runtime/random.ts";

interface ModelInputs {
  readonly name: string;
  readonly inputs: readonly { readonly shape: readonly number[] }[];
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The generator of a run: the outermost model call in the sample value whose arguments are
 * all noise (following named values), else the first model whose inputs all have the shape
 * of one of the plan's noise inputs, else the outermost model call of the sample value.
 * Returns the model's name and why it was chosen, or undefined.
 */
export function generatorOf(plan: TrainPlan, models: readonly ModelInputs[]): { model: string; why: string } | undefined {
  const binding = (name: string) => plan.bindings.find((b) => b.name === name)?.value;
  const resolve = (v: TrainValue, seen: Set<string>): TrainValue => {
    while (v.kind === "ref" && !seen.has(v.name)) {
      seen.add(v.name);
      const next = binding(v.name);
      if (next === undefined) break;
      v = next;
    }
    return v;
  };
  const sample = binding(plan.sample);
  let firstCall: string | undefined;
  if (sample !== undefined) {
    // Breadth first: the outermost call wins.
    const queue: TrainValue[] = [sample];
    const seen = new Set<string>([plan.sample]);
    while (queue.length > 0) {
      const v = resolve(queue.shift()!, seen);
      if (v.kind === "call") {
        firstCall ??= v.model;
        const args = v.args.map((a) => resolve(a, new Set(seen)));
        if (args.length > 0 && args.every((a) => a.kind === "noise")) return { model: v.model, why: `it draws the sample \`${plan.sample}\` from noise` };
        queue.push(...v.args);
      } else if (v.kind === "cat") {
        queue.push(...v.items);
      }
    }
  }
  const noiseShaped = models.find((m) => m.inputs.length > 0 && m.inputs.every((i) => plan.noise.some((z) => sameShape(z.shape, i.shape))));
  if (noiseShaped) return { model: noiseShaped.name, why: "its inputs have the shape of the run's noise" };
  if (firstCall !== undefined) return { model: firstCall, why: `it computes the sample \`${plan.sample}\`` };
  return undefined;
}

/** Parses `--interpolate S1,S2[,S3...]`: whole-number seeds, at least two. */
export function parseSeeds(text: string): number[] | string {
  const parts = text.split(",").map((s) => s.trim());
  if (parts.length < 2) return "give at least two seeds, separated by commas (e.g. --interpolate 1,2)";
  const seeds: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(Number(p))) return `${JSON.stringify(p)} is not a seed (a whole number, 0 or more)`;
    seeds.push(Number(p));
  }
  return seeds;
}

/** Below this angle (or this close to opposite) slerp is numerically unsafe: lerp instead. */
const PARALLEL = 1e-4;

/** One point between a and b at t in [0, 1]: linear, or spherical (Shoemake's slerp, as for Gaussian latents). */
export function interpolate(a: Float32Array, b: Float32Array, t: number, spherical: boolean): Float32Array {
  const out = new Float32Array(a.length);
  if (t === 0) {
    out.set(a);
    return out;
  }
  if (t === 1) {
    out.set(b);
    return out;
  }
  let wa = 1 - t;
  let wb = t;
  if (spherical) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i]! * b[i]!;
      na += a[i]! * a[i]!;
      nb += b[i]! * b[i]!;
    }
    if (na > 0 && nb > 0) {
      const cos = Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb)));
      const omega = Math.acos(cos);
      const so = Math.sin(omega);
      if (omega > PARALLEL && Math.PI - omega > PARALLEL && so > PARALLEL) {
        wa = Math.sin((1 - t) * omega) / so;
        wb = Math.sin(t * omega) / so;
      }
    }
  }
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i]! + wb * b[i]!;
  return out;
}

/**
 * The latent walk: for each seed, one sample per input drawn as `--noise 1 --seed S` draws it
 * (one Rng(seed), the inputs in order); then for each consecutive pair of seeds `steps` points
 * from the first to the second (t = 0, 1/(steps-1), ..., 1). One batch per input, of
 * (seeds - 1) * steps samples, row by row.
 */
export function latentWalk(seeds: readonly number[], inputShapes: readonly (readonly number[])[], steps: number, spherical: boolean): { shape: number[]; data: Float32Array }[] {
  const sizes = inputShapes.map((s) => s.reduce((a, b) => a * b, 1));
  const points = seeds.map((seed) => {
    const rng = new Rng(seed);
    return sizes.map((n) => rng.fillNormal(n, 0, 1));
  });
  const rows = seeds.length - 1;
  return inputShapes.map((shape, k) => {
    const n = sizes[k]!;
    const data = new Float32Array(rows * steps * n);
    for (let r = 0; r < rows; r++) {
      const a = points[r]![k]!;
      const b = points[r + 1]![k]!;
      for (let i = 0; i < steps; i++) data.set(interpolate(a, b, i / (steps - 1), spherical), (r * steps + i) * n);
    }
    return { shape: [rows * steps, ...shape], data };
  });
}
