// The main job on embedded data (`npm run demo`): show what a shape error looks like, then
// train the MNIST GAN of seeds 002 / 004 on the embedded MNIST for a few minutes and print
// where the sample grid, the loss plot and the report are. Extra arguments go to gan-train
// (`npm run demo -- --iters 8000`). The seeds' recipe (Adam 2e-4, batch 64) needs about ten
// epochs for clean digits (seed 004 shows epochs 10 to 300); with 5e-4 and batch 32 digits
// are recognisable after 1,200 iterations and cleaner after 3,600: about three minutes on
// 2 cores with the native kernels (about 45 ms an iteration).
import { readdirSync } from "node:fs";
import { main as compile } from "../compiler/cli/gan-compile.ts";
import { main as train } from "../runtime/cli/gan-train.ts";

const say = (s: string) => void process.stdout.write(s);

for (const f of readdirSync("specs/errors").filter((x) => x.endsWith(".gan")).sort()) {
  say(`\n$ gan-compile specs/errors/${f} --check    # a spec with mistakes, on purpose\n`);
  await compile([`specs/errors/${f}`, "--check"], { stdout: say, stderr: say, isTTY: Boolean(process.stdout.isTTY) });
}

const extra = process.argv.slice(2);
const given = (flag: string) => extra.some((a) => a === flag || a.startsWith(`${flag}=`));
const args = [
  "specs/mnist-gan.gan",
  ...(given("--iters") || given("--epochs") ? [] : ["--iters", "3600"]),
  ...(given("--batch") ? [] : ["--batch", "32"]),
  ...(extra.some((a) => a.startsWith("lr=")) ? [] : ["--set", "lr=5e-4"]),
  "--sample-every",
  "200",
  ...extra,
];
say(`\n$ gan-train ${args.join(" ")}\n`);
process.exitCode = await train(args);
