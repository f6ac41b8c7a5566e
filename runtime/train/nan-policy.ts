// What a NaN or infinite loss or gradient does to a run (--on-nan): the step that found it
// did not apply its update (runtime/train/round.ts); "stop" ends the run (exit status 3,
// the last good checkpoint kept), "skip" drops the update and goes on, saying so.
export class NonFiniteError extends Error {}

export class NanPolicy {
  private skipped = 0;

  constructor(
    readonly mode: "stop" | "skip",
    private readonly warn: (line: string) => void,
  ) {}

  /**
   * A step's loss or gradient was not finite. Throws NonFiniteError (after `beforeStop`)
   * with "stop"; with "skip" warns for the first five and every hundredth, and returns.
   */
  handle(where: string, what: string, model: string, lastCheckpoint: number | null, beforeStop: () => void): void {
    if (this.mode === "stop") {
      beforeStop();
      const kept = lastCheckpoint !== null ? `The last good checkpoint (iteration ${lastCheckpoint}) is kept` : "No checkpoint had been written yet";
      throw new NonFiniteError(
        `${where}: ${what}, so ${model} was not updated and the run stops. ${kept}. Lower the learning rate (optim ${model} = adam(lr = ...)) and resume, or run with --on-nan skip to drop such updates`,
      );
    }
    this.skipped++;
    if (this.skipped <= 5 || this.skipped % 100 === 0) this.warn(`${where}: ${what}; update skipped (${this.skipped} so far, --on-nan skip)`);
  }
}
