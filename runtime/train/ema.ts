// `ema G = 0.999`: an exponential moving average of a model's weights, as StudioGAN keeps
// one of its generator (utils/ema.py): after each of the model's updates every parameter
// of the copy becomes decay·copy + (1 - decay)·parameter, and every buffer (BatchNorm's
// running statistics, spectral norm's u and v) is copied as it is. The copy starts equal to
// the model and follows it (decay 0) until the iteration `start` (StudioGAN's ema_start).
// Sample grids, quality scores and gan-sample use the copy; checkpoints keep it (as
// `ema.G.<state_dict key>`).
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../nn/model.ts";

export class Ema {
  constructor(
    readonly model: string,
    readonly decay: number,
    /** The averaged copy: a second instance of the model's class. */
    readonly copy: Model,
    private readonly source: Model,
    /** The iteration (from 0) the averaging starts at; before it the copy follows the model. */
    readonly start = 0,
  ) {
    this.copyAll();
  }

  /** The copy equal to the model (the start, and a resume from a checkpoint without it). */
  copyAll(): void {
    const from = this.source.state();
    tf.tidy(() => this.copy.state().forEach((s, i) => s.variable.assign(from[i]!.variable)));
  }

  /**
   * After an update of the model in iteration `iteration` (from 0); `applied`: a boolean
   * scalar on the device when the update may not have been applied (a deferred step):
   * where false, the copy stays as it is.
   */
  update(iteration: number, applied?: tf.Tensor): void {
    const from = this.source.state();
    const d = iteration >= this.start ? this.decay : 0;
    tf.tidy(() =>
      this.copy.state().forEach((s, i) => {
        const x = from[i]!.variable;
        const next = s.kind === "parameter" ? s.variable.mul(d).add(x.mul(1 - d)) : x;
        s.variable.assign(applied === undefined ? next : tf.where(applied, next, s.variable));
      }),
    );
  }
}

/** The models as samples and scores see them: each averaged model replaced by its copy. */
export function withAverages(models: Readonly<Record<string, Model>>, averages: readonly Ema[]): Record<string, Model> {
  const out: Record<string, Model> = { ...models };
  for (const a of averages) out[a.model] = a.copy;
  return out;
}
