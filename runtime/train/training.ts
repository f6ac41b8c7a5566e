// What a generated train.ts module gives the trainer (and anyone writing their own loop):
// the training section as code (a function per step and per named value) plus the few
// facts the code does not carry (the data pipeline, the noise shapes, the settings).
// compiler/emit-train.ts writes it; runtime/train/trainer.ts runs it.
import type * as tf from "@tensorflow/tfjs";
import type { DataPipeline } from "../../contracts/train-plan.ts";
import type { Adam } from "../optim/adam.ts";
import type { Round, StepResult } from "./round.ts";

export interface AdamSettings {
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
}

/** One step of an iteration: `step D = ...` with its optimizer. */
export interface StepFn {
  readonly model: string;
  /** Steps of this model per iteration, each on a fresh batch and fresh noise. */
  readonly repeat: number;
  /** The loss as written in the spec, for logs and messages. */
  readonly text: string;
  readonly optimizer: AdamSettings;
  /** The score columns it logs (`D:D(real)`: the mean probability D gives real pictures). */
  readonly scores: readonly string[];
  readonly run: (round: Round, optimizer: Adam) => StepResult;
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
  /** Latent inputs drawn from N(0, 1) each round, by name, one sample's shape. */
  readonly noise: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** The named values of the section (`fake = G(z)`), each computed once per round. */
  readonly values: Readonly<Record<string, (r: Round) => tf.Tensor>>;
  /** The value drawn in sample grids, and the data and noise inputs it reads. */
  readonly sample: { readonly value: string; readonly reads: readonly string[] };
  /** In the order they run within an iteration. */
  readonly steps: readonly StepFn[];
  /** The spec's own settings (gan-train's flags may override them). */
  readonly settings: TrainSettings;
}

/** Whether the sample value reads the data (Pix2Pix's L), not only noise. */
export function samplesReadData(training: Training): boolean {
  return training.sample.reads.some((name) => training.data.outputs.some((o) => o.name === name));
}
