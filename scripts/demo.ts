// The main job on embedded data (`npm run demo`): show what a shape error looks like, then
// train a small DCGAN on the embedded MNIST for about two minutes and print where the sample
// grid, the loss plot and the report are. Extra arguments go to gan-train
// (`npm run demo -- --iters 3000`).
//
// Chosen by the picture, at equal time on 2 cores: the DCGAN of seed 001 at 32 x 32, grey,
// widths 32 (`--set isize=32 nc=1 ngf=32 ndf=32`), Adam at 4e-4, batch 64, 1,200 iterations
// draws clean strokes and mostly readable digits; the MLP GAN of seeds 002/004 in the same
// time (3,600 iterations at batch 32) draws noisy, speckled ones. The seeds' MLP recipe is
// one command away: `npx gan-train specs/mnist-gan.gan`.
import { readdirSync } from "node:fs";
import { main as compile } from "../cli/gan-compile.ts";
import { main as train } from "../cli/gan-train.ts";

const say = (s: string) => void process.stdout.write(s);

for (const f of readdirSync("specs/errors").filter((x) => x.endsWith(".gan")).sort()) {
  say(`\n$ npx gan-compile specs/errors/${f} --check    # a spec with mistakes, on purpose\n`);
  await compile([`specs/errors/${f}`, "--check"], { stdout: say, stderr: say, isTTY: Boolean(process.stdout.isTTY) });
}

const extra = process.argv.slice(2);
const given = (flag: string) => extra.some((a) => a === flag || a.startsWith(`${flag}=`));
const args = [
  "specs/dcgan.gan",
  "--set",
  "isize=32",
  "nc=1",
  "ngf=32",
  "ndf=32",
  "lr=4e-4",
  ...(given("--iters") || given("--epochs") ? [] : ["--iters", "1200"]),
  ...(given("--batch") ? [] : ["--batch", "64"]),
  ...(given("--sample-every") ? [] : ["--sample-every", "200"]),
  ...extra,
];
say(`\n$ npx gan-train ${args.join(" ")}\n`);
process.exitCode = await train(args);
