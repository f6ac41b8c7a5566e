// The main job on embedded data (`npm run demo`): show what a shape error looks like, then
// train the MNIST GAN of seeds 002 / 004 on the embedded MNIST for a few minutes and print
// where the sample grid, the loss plot and the report are. Extra arguments go to gan-train
// (`npm run demo -- --iters 3000`).
import { readdirSync } from "node:fs";
import { main as compile } from "../compiler/cli/gan-compile.ts";
import { main as train } from "../runtime/cli/gan-train.ts";

const say = (s: string) => void process.stdout.write(s);

for (const f of readdirSync("specs/errors").filter((x) => x.endsWith(".gan")).sort()) {
  say(`\n$ gan-compile specs/errors/${f} --check    # a spec with mistakes, on purpose\n`);
  await compile([`specs/errors/${f}`, "--check"], { stdout: say, stderr: say, isTTY: Boolean(process.stdout.isTTY) });
}

const extra = process.argv.slice(2);
const args = ["specs/mnist-gan.gan", ...(extra.some((a) => a === "--iters" || a === "--epochs" || a.startsWith("--iters=") || a.startsWith("--epochs=")) ? [] : ["--iters", "800"]), ...extra];
say(`\n$ gan-train ${args.join(" ")}\n`);
process.exitCode = await train(args);
