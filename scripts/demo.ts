// The main job until training exists: check every spec in specs/ and print its shape
// table, then show what a shape error looks like (specs/errors/).
import { readdirSync } from "node:fs";
import { main } from "../compiler/cli/gan-compile.ts";

const specs = readdirSync("specs").filter((f) => f.endsWith(".gan")).sort();
let failed = false;
for (const f of specs) {
  process.stdout.write(`\n$ gan-compile specs/${f} --check\n`);
  if ((await main([`specs/${f}`, "--check"])) !== 0) failed = true;
}
for (const f of readdirSync("specs/errors").filter((x) => x.endsWith(".gan")).sort()) {
  process.stdout.write(`\n$ gan-compile specs/errors/${f} --check    # a spec with mistakes, on purpose\n`);
  await main([`specs/errors/${f}`, "--check"], {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stdout.write(s),
    isTTY: Boolean(process.stdout.isTTY),
  });
}
process.exitCode = failed ? 1 : 0;
