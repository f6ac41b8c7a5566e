// README.md stays true: its printed examples are what gan-compile prints, its layer table
// names every layer, and its DCGAN listing is specs/dcgan.gan.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { main } from "../cli/gan-compile.ts";
import { main as evalMain } from "../cli/gan-eval.ts";
import { main as sampleMain } from "../cli/gan-sample.ts";
import { main as trainMain } from "../cli/gan-train.ts";
import { layerNames } from "../compiler/layers/index.ts";
import { BUILTINS } from "../compiler/train-check.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

async function output(args: string[]): Promise<string> {
  let text = "";
  const sink = (s: string) => void (text += s);
  await main(args, { stdout: sink, stderr: sink, isTTY: false });
  return text;
}

describe("README", () => {
  it("its training-section reference shows every built-in function of the section in use", () => {
    const section = readme.slice(readme.indexOf("### The training section"), readme.indexOf("### Diagnostics"));
    // `color` is `colour`'s other spelling; `linear` and `step` appear as schedules
    for (const name of [...BUILTINS].filter((n) => n !== "color")) assert.match(section, new RegExp(`\\b${name}\\(|\\b${name} [A-Z_]`), name);
  });

  it("shows the seed-003 errors exactly as printed", async () => {
    const printed = await output(["specs/errors/pix2pix-seed003-d.gan", "--check"]);
    assert.ok(readme.includes(`$ npx gan-compile specs/errors/pix2pix-seed003-d.gan --check\n${printed}\`\`\``), printed);
  });

  it("shows the start of a shape table exactly as printed", async () => {
    const printed = await output(["specs/dcgan.gan", "--check", "--set", "isize=32", "ngf=8"]);
    const head = printed.split("\n").slice(0, 6).join("\n");
    assert.ok(readme.includes(`$ npx gan-compile specs/dcgan.gan --check --set isize=32 ngf=8\n${head}\n  ...`), head);
  });

  it("lists every layer", () => {
    for (const name of layerNames) assert.match(readme, new RegExp(`^\\| .*\`${name}[(\`]`, "m"), name);
  });

  it("shows specs/dcgan.gan's models as they are", () => {
    const spec = readFileSync(new URL("../specs/dcgan.gan", import.meta.url), "utf8");
    const models = spec.slice(spec.indexOf("nz    = 100"));
    assert.ok(readme.includes(models.trimEnd()), "the README's DCGAN listing differs from specs/dcgan.gan");
  });

  it("documents every option of each command, and gan-train's exit statuses", async () => {
    const help = async (run: (argv: string[], io: { stdout(s: string): void; stderr(s: string): void }) => Promise<number>) => {
      let text = "";
      await run(["--help"], { stdout: (x) => void (text += x), stderr: (x) => void (text += x) });
      return text;
    };
    const commands: [string, string][] = [
      ["gan-compile", await output(["--help"])],
      ["gan-train", await help((a, io) => trainMain(a, io))],
      ["gan-sample", await help((a, io) => sampleMain(a, io))],
      ["gan-eval", await help((a, io) => evalMain(a, io))],
    ];
    for (const [name, text] of commands) {
      const options = [...new Set(text.match(/^\s+--[a-z][a-z-]*/gm)?.map((o) => o.trim()) ?? [])].filter((o) => o !== "--help");
      assert.ok(options.length >= 4, `${name} --help lists its options: ${text}`);
      const section = readme.slice(readme.indexOf(`## ${name}`), readme.indexOf("\n## ", readme.indexOf(`## ${name}`) + 3));
      for (const o of options) assert.ok(section.includes(`\`${o}`), `README's ${name} section does not describe ${o}`);
    }
    const train = readme.slice(readme.indexOf("## gan-train"), readme.indexOf("## gan-sample"));
    for (const status of ["**0**", "**1**", "**2**", "**3**", "**130**"]) assert.ok(train.includes(status), `gan-train exit status ${status}`);
  });

  it("says how to run the commands from a clone", () => {
    assert.match(readme, /npx gan-compile/);
    assert.match(readme, /npm link/);
  });
});
