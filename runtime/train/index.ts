// The training API (the package's "gan-spec/train"): what gan-train is made of, for a loop
// of your own around generated models (examples/own-loop.ts).
export { Adam, type AdamOptions } from "../optim/adam.ts";
export { Rng } from "../random.ts";
export { Artefacts } from "./artefacts.ts";
export { architectureFingerprint, CheckpointError, loadCheckpoint, modelsArchitecture, readCheckpointInfo, saveCheckpoint } from "./checkpoint.ts";
export { NanPolicy, NonFiniteError } from "./nan-policy.ts";
export { Ema, withAverages } from "./ema.ts";
export { ImagePool, mixSeed, Round, type StepBody, type StepResult } from "./round.ts";
export { defaultRunDir, latestRunDir, RunFolder } from "./run-folder.ts";
export { readRunRecord, type RunRecord, type RunSettings } from "./run-record.ts";
export { BatchSchedule, noiseTensors, tensorOf } from "./schedule.ts";
export { afterUpdate, type ModelClass, type Reporter, type RunLength, setLearningRates, train, TrainError, type TrainSetup, type TrainSummary } from "./trainer.ts";
export { type AdamSettings, lrFactor, type StepFn, type Training, type TrainSettings } from "./training.ts";
