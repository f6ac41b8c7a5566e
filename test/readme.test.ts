// README.md stays true: its printed examples are what gan-compile prints, its layer table
// names every layer, and its DCGAN listing is specs/dcgan.gan.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { main } from "../compiler/cli/gan-compile.ts";
import { layerNames } from "../compiler/layers/index.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

async function output(args: string[]): Promise<string> {
  let text = "";
  const sink = (s: string) => void (text += s);
  await main(args, { stdout: sink, stderr: sink, isTTY: false });
  return text;
}

describe("README", () => {
  it("shows the seed-003 errors exactly as printed", async () => {
    const printed = await output(["specs/errors/pix2pix-seed003-d.gan", "--check"]);
    assert.ok(readme.includes(`$ gan-compile specs/errors/pix2pix-seed003-d.gan --check\n${printed}\`\`\``), printed);
  });

  it("shows the start of a shape table exactly as printed", async () => {
    const printed = await output(["specs/dcgan.gan", "--check", "--set", "isize=32", "ngf=8"]);
    const head = printed.split("\n").slice(0, 6).join("\n");
    assert.ok(readme.includes(`$ gan-compile specs/dcgan.gan --check --set isize=32 ngf=8\n${head}\n  ...`), head);
  });

  it("lists every layer", () => {
    for (const name of layerNames) assert.match(readme, new RegExp(`^\\| .*\`${name}[(\`]`, "m"), name);
  });

  it("shows specs/dcgan.gan's models as they are", () => {
    const spec = readFileSync(new URL("../specs/dcgan.gan", import.meta.url), "utf8");
    const models = spec.slice(spec.indexOf("nz    = 100"));
    assert.ok(readme.includes(models.trimEnd()), "the README's DCGAN listing differs from specs/dcgan.gan");
  });
});
