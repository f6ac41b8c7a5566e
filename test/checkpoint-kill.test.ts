// A checkpoint written while the process is killed is never half-written: a writer saves
// DCGAN checkpoints (~75 MB) in a loop and is killed with SIGKILL at random moments; after
// every kill the checkpoint on disk must be complete and consistent (one iteration's data,
// all tensors present), and load into the models.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readSafetensors } from "../runtime/io/safetensors.ts";
import { readCheckpointInfo } from "../runtime/train/checkpoint.ts";

function writeAndKill(path: string, afterWrites: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/scripts/checkpoint-writer.ts", path], { stdio: ["ignore", "pipe", "pipe"] });
    let seen = 0;
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      seen += (d.toString().match(/wrote/g) ?? []).length;
      if (seen >= afterWrites && !child.killed) setTimeout(() => child.kill("SIGKILL"), extraMs);
    });
    child.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve(seen) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

describe("checkpoints survive a kill at any moment", () => {
  it("after each SIGKILL the checkpoint is whole and from a single write", { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ckpt-kill-"));
    const path = join(dir, "last.safetensors");
    try {
      let lastIteration = 0;
      for (const extraMs of [0, 37, 91, 160, 233]) {
        const writes = await writeAndKill(path, 1, extraMs);
        const { info, bytes } = readCheckpointInfo(path);
        assert.ok(info.iteration >= 1 && info.iteration <= writes + 1, `iteration ${info.iteration} after ${writes} writes`);
        const tensors = readSafetensors(bytes, path);
        const weights = tensors.filter((t) => !t.name.startsWith("optim."));
        assert.ok(weights.length > 40, `${weights.length} tensors`);
        for (const t of weights) assert.ok(t.data.every((v) => v === info.iteration), `${t.name} is not all ${info.iteration}: a mix of two writes`);
        assert.ok(tensors.some((t) => t.name === "optim.G.exp_avg.0.weight"));
        lastIteration = info.iteration;
      }
      assert.ok(lastIteration >= 1);
      // Only the checkpoint and possibly temp files of killed writers: never a truncated target.
      for (const f of readdirSync(dir)) assert.ok(f === "last.safetensors" || /^\.last\.safetensors\.\d+\.\d+\.tmp$/.test(f), f);
      assert.ok(readFileSync(path).length > 50_000_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
