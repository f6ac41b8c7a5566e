// Atomic writes (groundwork for checkpoints): the target is replaced whole, no temporary
// file is left behind, and a failed write leaves the old file intact.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { writeFileAtomic } from "../runtime/io/atomic.ts";

describe("writeFileAtomic", () => {
  it("replaces the file whole and leaves nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    const file = join(dir, "ckpt.safetensors");
    writeFileSync(file, "old");
    writeFileAtomic(file, new Uint8Array(1 << 20).fill(7));
    assert.equal(readFileSync(file).length, 1 << 20);
    writeFileAtomic(file, "new");
    assert.equal(readFileSync(file, "utf8"), "new");
    assert.deepEqual(readdirSync(dir), ["ckpt.safetensors"]);
  });

  it("a rename that fails leaves the old target and no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    // The target is a folder that is not empty: the temporary file is written, then the
    // rename over the folder fails.
    const target = join(dir, "ckpt");
    mkdirSync(target);
    writeFileSync(join(target, "inside"), "old");
    assert.throws(() => writeFileAtomic(target, "data"));
    assert.equal(readFileSync(join(target, "inside"), "utf8"), "old");
    assert.deepEqual(readdirSync(dir), ["ckpt"]);
  });
});
