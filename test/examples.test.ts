// The examples run: examples/own-loop.ts trains the generated MNIST GAN with the package's
// entry points (a loop of its own), writes a sample grid and a checkpoint gan-sample reads.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import sharp from "sharp";
import { readCheckpointInfo } from "../runtime/train/checkpoint.ts";

const root = mkdtempSync(join(tmpdir(), "examples-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("examples/", () => {
  it("own-loop.ts: three iterations of the generated MNIST GAN, a grid and a checkpoint", async () => {
    const out = join(root, "own");
    const r = spawnSync(process.execPath, ["--import", "tsx", "examples/own-loop.ts", "--iters", "3", "--out", out], { encoding: "utf8", timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("iteration "));
    assert.equal(lines.length, 3, r.stdout);
    for (const l of lines) assert.match(l, /^iteration \d: D \d+\.\d{4} {2}G \d+\.\d{4}$/);
    const grid = await sharp(join(out, "samples.png")).metadata();
    assert.deepEqual([grid.width, grid.height], [8 * 30 + 2, 8 * 30 + 2]);
    const { info } = readCheckpointInfo(join(out, "checkpoints", "last.safetensors"));
    assert.equal(info.iteration, 3);
    // gan-sample reads it with the spec (G's weights by name, under the prefix G.).
    const s = spawnSync(process.execPath, ["bin/gan-sample.js", "specs/mnist-gan.gan", "--model", "G", "--weights", join(out, "checkpoints", "last.safetensors"), "--prefix", "G.", "--noise", "4", "--out", join(out, "g.png")], { encoding: "utf8", timeout: 180_000 });
    assert.equal(s.status, 0, s.stderr);
    assert.ok(readFileSync(join(out, "g.png")).length > 100);
  });
});
