// What a generated train.ts module gives the trainer (and anyone writing their own loop):
// the training section as code (a function per step and per named value) plus the few
// facts the code does not carry (the data pipeline, the noise shapes, the settings).
// compiler/emit-train.ts writes it; runtime/train/trainer.ts runs it.
import type * as tf from "@tensorflow/tfjs";
import type { DataPipeline, EmaPlan, LrSchedule, NoisePlan } from "../../contracts/train-plan.ts";
import type { Adam } from "../optim/adam.ts";
import type { Round, StepResult } from "./round.ts";

export interface AdamSettings {
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  /** Parameters clamped to [-clip, clip] after every update (the original WGAN). */
  readonly clip?: number;
  /** The learning rate's factor by epoch (see lrFactor). */
  readonly schedule?: LrSchedule;
}

/**
 * The learning rate's factor for an iteration of epoch `epoch` (counted from 0), as
 * PyTorch's schedulers give it when stepped once per epoch: junyanz's linear rule as his
 * train.py applies it (epoch_count 1, a scheduler step per epoch), 1 - max(0, k + 1 - keep)
 * / (decay + 1) in epoch k counted from 1 (never below 0), or StepLR's gamma^floor(epoch / every).
 */
export function lrFactor(schedule: LrSchedule | undefined, epoch: number): number {
  if (schedule === undefined) return 1;
  if (schedule.kind === "linear") return Math.max(0, 1 - Math.max(0, epoch + 2 - schedule.keep) / (schedule.decay + 1));
  return schedule.gamma ** Math.floor(epoch / schedule.every);
}

/** One step of an iteration: `step D = ...` with its optimizer. */
export interface StepFn {
  /** Its model, or its models joined by "+" (`step G_A, G_B`). */
  readonly model: string;
  /** The models it trains (one optimizer over all of them). */
  readonly models: readonly string[];
  /** Steps of this model per iteration, each on a fresh batch and fresh noise. */
  readonly repeat: number;
  /** The loss as written in the spec, for logs and messages. */
  readonly text: string;
  readonly optimizer: AdamSettings;
  /** The score columns it logs (`D:D(real)`: the mean probability D gives real pictures). */
  readonly scores: readonly string[];
  /** The loss terms it logs (`part_<model>:<term>` columns): each term of a sum, as written. */
  readonly parts?: readonly string[];
  readonly run: (round: Round, optimizer: Adam) => StepResult;
}

/** One round of an iteration: the steps it runs, in order, and the models each trains. */
export interface RoundPlan {
  readonly steps: readonly StepFn[];
  /** Round's `plan` option: the models each of its steps trains, in order. */
  readonly plan: readonly (readonly string[])[];
}

/**
 * An iteration's rounds, as gan-train runs them: a round (one batch of data and noise) for
 * the first step and one more for every repeat after a step's first (`step D * 5` draws
 * five batches; the steps after it share the fifth).
 */
export function iterationRounds(steps: readonly StepFn[]): RoundPlan[] {
  const rounds: { steps: StepFn[]; plan: (readonly string[])[] }[] = [];
  for (const st of steps) {
    for (let r = 0; r < st.repeat; r++) {
      if (rounds.length === 0 || r > 0) rounds.push({ steps: [], plan: [] });
      rounds.at(-1)!.steps.push(st);
      rounds.at(-1)!.plan.push(st.models);
    }
  }
  return rounds;
}

export interface TrainSettings {
  readonly batch: number;
  /** Exactly one of epochs and iters is set. */
  readonly epochs: number | null;
  readonly iters: number | null;
  readonly sampleEvery: number;
  readonly checkpointEvery: number;
  readonly logEvery: number;
  /** The spec's `eval_every` (0: never); absent: the quality score with each sample grid. */
  readonly evalEvery?: number;
}

export interface Training {
  readonly data: DataPipeline;
  /** Latent inputs drawn each round, by name, one sample's shape: N(0, 1), or uniform class labels (`classes`). */
  readonly noise: readonly NoisePlan[];
  /** The named values of the section (`fake = G(z)`), each computed once per round. */
  readonly values: Readonly<Record<string, (r: Round) => tf.Tensor>>;
  /**
   * The value drawn in sample grids and scored, and the data and noise inputs the grids
   * read; `row`: the grids show these pictures (data outputs and values) side by side.
   */
  readonly sample: { readonly value: string; readonly reads: readonly string[]; readonly row?: readonly string[]; readonly reference?: string };
  /** In the order they run within an iteration. */
  readonly steps: readonly StepFn[];
  /** The spec's own settings (gan-train's flags may override them). */
  readonly settings: TrainSettings;
  /** The image pools of `pool(x, N)` values, by value name. */
  readonly pools?: readonly { readonly name: string; readonly size: number }[];
  /** Averaged copies of models' weights (`ema G = 0.999`): samples, scores and gan-sample use them. */
  readonly ema?: readonly EmaPlan[];
}

/** Whether the sample value reads the data (Pix2Pix's L), not only noise. */
export function samplesReadData(training: Training): boolean {
  return training.sample.reads.some((name) => training.data.outputs.some((o) => o.name === name && o.classes === undefined));
}

/**
 * The class labels the samples are asked for (`G(z, c)`), or null: the first labels input
 * (drawn or from the data) the sample value reads, with its number of classes.
 */
export function sampleLabels(training: Training): { readonly name: string; readonly classes: number } | null {
  for (const name of training.sample.reads) {
    const input = [...training.noise, ...training.data.outputs].find((x) => x.name === name);
    if (input?.classes !== undefined) return { name, classes: input.classes };
  }
  return null;
}
