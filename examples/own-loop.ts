// A training loop of your own around generated models, with gan-spec as a library: the MNIST
// GAN of specs/mnist-gan.gan as `npm run generate` writes it (generated/mnist-gan/), trained
// for a few iterations with the package's entry points ("gan-spec/train", "/data", "/io",
// "/backend"), then a sample grid and a checkpoint that `gan-sample` can read.
//
//   node --import tsx examples/own-loop.ts [--iters N] [--out DIR]
import * as tf from "@tensorflow/tfjs";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startBackend } from "gan-spec/backend";
import { openDataset } from "gan-spec/data";
import { writeGrid } from "gan-spec/io";
import { toTorchOrder } from "gan-spec/nn";
import { Adam, architectureFingerprint, mixSeed, modelsArchitecture, noiseTensors, Rng, Round, saveCheckpoint, tensorOf } from "gan-spec/train";
import { models, training } from "../generated/mnist-gan/index.ts";

const { values: args } = parseArgs({ options: { iters: { type: "string", default: "20" }, out: { type: "string", default: "runs/own-loop" } } });
const iters = Number(args.iters);
const batch = 32;
const out = args.out;

const backend = await startBackend("auto");
console.log(`backend: ${backend.why}`);

// The models, from the generated classes; an Adam for each step, as its `optim` line says.
const G = new models.G({ seed: 1 });
const D = new models.D({ seed: 2 });
const byName = { G, D };
const optimizers = Object.fromEntries(training.steps.map((st) => [st.model, new Adam(byName[st.model as keyof typeof byName].parameters(), st.optimizer)]));

// The section's data (the embedded MNIST) and noise, a batch at a time.
const data = await openDataset(training.data);
const rng = new Rng(7);
for (let i = 1; i <= iters; i++) {
  const indices = Array.from({ length: batch }, () => Math.floor(rng.next() * data.size));
  const [real] = await data.load(indices, rng);
  const inputs = { ...noiseTensors(training.noise, rng, batch), [training.data.outputs[0]!.name]: tensorOf(real!, batch, training.data.outputs[0]!.shape) };
  const round = new Round(byName, inputs, mixSeed(7, `round ${i}`));
  const results = training.steps.map((st) => st.run(round, optimizers[st.model]!));
  const losses = await Promise.all(results.map(async (r, k) => `${training.steps[k]!.model} ${(await r.read()).loss.toFixed(4)}`));
  round.dispose();
  tf.dispose(Object.values(inputs));
  console.log(`iteration ${i}: ${losses.join("  ")}`);
}

// A grid of the section's sample value (`fake = G(z)`) on fresh noise, and a checkpoint.
mkdirSync(join(out, "checkpoints"), { recursive: true });
const fixed = noiseTensors(training.noise, new Rng(1), 64);
const round = new Round(byName, fixed, 1, { frozenStats: true });
const fake = tf.tidy(() => toTorchOrder(training.values[training.sample.value]!(round)));
await writeGrid(join(out, "samples.png"), { shape: fake.shape, data: (await fake.data()) as Float32Array });
round.dispose();
await saveCheckpoint(join(out, "checkpoints", "last.safetensors"), byName, optimizers, {
  iteration: iters,
  seed: 7,
  architecture: architectureFingerprint(modelsArchitecture(byName)),
  plan: "",
  spec: "mnist-gan.gan",
});
console.log(`wrote ${join(out, "samples.png")} and ${join(out, "checkpoints", "last.safetensors")}`);
