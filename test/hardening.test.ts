// Hardening (issue 7): a run killed at random moments and resumed 20 times ends exactly like
// an uninterrupted one, with a checkpoint that always loads and a log without gaps or
// duplicates; NaN/Inf stops the run (or skips the update) and keeps the last good
// checkpoint; messy picture folders are decoded or reported by path; bad settings get one
// line naming the setting and the accepted values.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import type { DataPlan } from "../contracts/train-plan.ts";
import { main } from "../cli/gan-train.ts";
import { openDataset } from "../runtime/data/dataset.ts";
import { readSafetensors, readSafetensorsMetadata } from "../runtime/io/safetensors.ts";
import { Rng } from "../runtime/random.ts";
import { readCheckpointInfo } from "../runtime/train/checkpoint.ts";

const TINY = "test/fixtures/specs/tiny-gan.gan";
let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "hardening-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

async function train(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(["--backend", "cpu", "--progress", "none", ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

/** Iterations in a run folder's log so far (0 before it exists). */
function loggedRows(out: string): number {
  try {
    return readFileSync(join(out, "log.jsonl"), "utf8").split("\n").filter((l) => l.trim()).length;
  } catch {
    return 0;
  }
}

function tensors(dir: string): Map<string, Float32Array> {
  return new Map(readSafetensors(readFileSync(join(dir, "checkpoints", "last.safetensors"))).map((t) => [t.name, t.data]));
}

describe("kill and resume", () => {
  // Speed-independent: the killed run is asked for far more iterations than it will reach,
  // so each of its 20 lives ends in a SIGKILL whatever the machine's speed; only then is it
  // resumed to a length just past its last checkpoint, and an uninterrupted run of that
  // length is the reference.
  it("SIGKILL at 20 random moments, resumed each time: the checkpoint always loads, the log has each iteration once, and the end equals an uninterrupted run", { timeout: 400_000 }, async () => {
    const spec = join(root, "kill.gan");
    // (no quality score: each life would spend most of its time scoring, not training)
    writeFileSync(spec, readFileSync(TINY, "utf8").replace("iters = 6", "iters = 1000000").replace("sample_every = 3", "sample_every = 10\n    checkpoint_every = 1").replace(/eval_every = 6.*/, "eval_every = 0"));
    const out = join(root, "killed");
    const rng = new Rng(11);
    let kills = 0;
    let resumes = 0;
    let lastIteration = 0;
    const logged = () => loggedRows(out);
    for (let attempt = 0; kills < 20; attempt++) {
      assert.ok(attempt < 60, `only ${kills} kills in ${attempt} attempts`);
      const resume = lastIteration > 0;
      if (resume) resumes++;
      const args = ["bin/gan-train.js", spec, "--out", out, "--backend", "cpu", "--progress", "none", ...(resume ? ["--resume"] : [])];
      // Kill once the run has logged 1-3 more iterations, a random few milliseconds later
      // (mid-iteration, mid-checkpoint or mid-log-write), whatever the start-up time.
      const after = 1 + Math.floor(rng.next() * 3);
      const extraMs = Math.floor(rng.next() * 150);
      const startRows = logged();
      let stderr = "";
      const code = await new Promise<number | string>((resolve) => {
        const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const poll = setInterval(() => {
          if (logged() >= startRows + after) {
            clearInterval(poll);
            setTimeout(() => child.kill("SIGKILL"), extraMs);
          }
        }, 10);
        child.on("exit", (c, signal) => {
          clearInterval(poll);
          resolve(signal ?? c ?? -1);
        });
      });
      if (code === "SIGKILL") kills++;
      else assert.fail(`gan-train exited with ${code} (attempt ${attempt}): ${stderr}`);
      try {
        const { info } = readCheckpointInfo(join(out, "checkpoints", "last.safetensors"));
        assert.ok(info.iteration >= lastIteration, `the checkpoint went back from ${lastIteration} to ${info.iteration}`);
        lastIteration = info.iteration;
        assert.ok(tensors(out).size > 10, "the checkpoint loads");
      } catch (e) {
        // Killed before the first checkpoint: nothing to resume yet, start over.
        if (lastIteration > 0) throw e;
        rmSync(out, { recursive: true, force: true });
      }
    }
    const total = lastIteration + 3;
    const end = await train([spec, "--out", out, "--resume", "--iters", String(total)]);
    assert.equal(end.code, 0, end.stderr);
    const straight = join(root, "straight");
    assert.equal((await train([spec, "--out", straight, "--iters", String(total)])).code, 0);
    const rows = readFileSync(join(out, "log.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { iter: number }).iter);
    assert.deepEqual(rows, Array.from({ length: total }, (_, i) => i + 1), "each iteration once, in order");
    const a = tensors(straight);
    const b = tensors(out);
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [k, v] of a) assert.deepEqual(b.get(k), v, `${k} differs from the uninterrupted run`);
    const record = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { resumes: { iteration: number }[] };
    assert.deepEqual(record.resumes.map((r) => r.iteration).at(-1), lastIteration);
    assert.equal(record.resumes.length, resumes + 1, "every resume is in run.json");
  });
});

describe("Ctrl-C", () => {
  it("SIGINT stops a run on in-memory data after the iteration under way, even with no file written for a long time", { timeout: 120_000 }, async () => {
    // With sample grids and checkpoints far away, an iteration never waits on real I/O: the
    // signal handler must still get its turn (before the fix it ran only at the next write).
    const spec = join(root, "sigint.gan");
    writeFileSync(spec, readFileSync(TINY, "utf8").replace("iters = 6", "iters = 1000000").replace("sample_every = 3", "sample_every = 1000000"));
    const out = join(root, "sigint");
    const logged = () => loggedRows(out);
    let stdout = "";
    const code = await new Promise<number | string>((resolve) => {
      const child = spawn(process.execPath, ["bin/gan-train.js", spec, "--out", out, "--backend", "cpu", "--progress", "none"], { stdio: ["ignore", "pipe", "ignore"] });
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      const poll = setInterval(() => {
        if (logged() >= 3) {
          clearInterval(poll);
          child.kill("SIGINT");
        }
      }, 10);
      child.on("exit", (c, signal) => {
        clearInterval(poll);
        resolve(signal ?? c ?? -1);
      });
    });
    assert.equal(code, 130, stdout);
    const stopped = Number(/stopped: (\d+) of 1000000 iterations/.exec(stdout)?.[1]);
    assert.ok(stopped >= 3, stdout);
    const { info } = readCheckpointInfo(join(out, "checkpoints", "last.safetensors"));
    assert.equal(info.iteration, stopped, "the checkpoint is of the iteration it stopped at");
    assert.equal(logged(), stopped, "the log ends there too");
  });
});

describe("Ctrl-C through npm", () => {
  it("one Ctrl-C delivered twice at once (npm / npx forward it to a process group that already has it) stops with a checkpoint; a second one later quits", { timeout: 120_000 }, async () => {
    const spec = join(root, "sigint2.gan");
    writeFileSync(spec, readFileSync(TINY, "utf8").replace("iters = 6", "iters = 1000000").replace("sample_every = 3", "sample_every = 1000000"));
    const run = async (gapMs: number) => {
      const out = join(root, `sigint2-${gapMs}`);
      let stdout = "";
      const code = await new Promise<number | string>((resolve) => {
        const child = spawn(process.execPath, ["bin/gan-train.js", spec, "--out", out, "--backend", "cpu", "--progress", "none"], { stdio: ["ignore", "pipe", "ignore"] });
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        const poll = setInterval(() => {
          if (loggedRows(out) >= 2) {
            clearInterval(poll);
            child.kill("SIGINT");
            setTimeout(() => child.kill("SIGINT"), gapMs);
          }
        }, 10);
        child.on("exit", (c, signal) => {
          clearInterval(poll);
          resolve(signal ?? c ?? -1);
        });
      });
      return { code, stdout, out };
    };
    const twice = await run(5);
    assert.equal(twice.code, 130, twice.stdout);
    assert.match(twice.stdout, /stopped: \d+ of 1000000 iterations/);
    assert.ok(existsSync(join(twice.out, "checkpoints", "last.safetensors")), "a checkpoint of where it stopped");
  });
});

for (const deferred of [false, true])
describe(`NaN and Inf (${deferred ? "read later, as on a GPU: the update decided on the device" : "read at once"})`, () => {
  before(() => void (process.env["GAN_DEFERRED_READS"] = deferred ? "1" : "0"));
  after(() => void delete process.env["GAN_DEFERRED_READS"]);
  it("stop (default): exit 3 naming the iteration, step and model; the last good checkpoint stays", async () => {
    const out = join(root, deferred ? "nan-deferred" : "nan");
    assert.equal((await train([TINY, "--out", out, "--iters", "3"])).code, 0);
    const before = readFileSync(join(out, "checkpoints", "last.safetensors"));
    // Same architecture, an LSGAN loss on an unbounded D and an absurd learning rate: Inf at once.
    const spec = join(root, "diverge.gan");
    writeFileSync(
      spec,
      readFileSync(TINY, "utf8")
        .replace("linear(w*4*16 -> 1) sigmoid", "linear(w*4*16 -> 1)")
        .replace("step D = bce(D(real), 0.9) + bce(D(fake), 0)", "step D = mse(D(real), 1) + mse(D(fake), 0)")
        .replace("step G = bce(D(fake), 1)", "step G = mse(D(fake), 1)")
        .replaceAll("lr = 2e-3", "lr = 1e15"),
    );
    const r = await train([spec, "--out", out, "--resume", "--iters", "6"]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /warning: the training section changed since the checkpoint was written; going on with the new one/);
    assert.match(r.stderr, /error GAN0914: iteration 4, step G \(mse\(D\(fake\), 1\)\): the loss is Infinity, so G was not updated and the run stops\. The last good checkpoint \(iteration 3\) is kept/);
    assert.deepEqual(readFileSync(join(out, "checkpoints", "last.safetensors")), before);
    assert.match(readFileSync(join(out, "index.html"), "utf8"), /failed: iteration 4, step G/);
    const skipped = join(root, deferred ? "skip-deferred" : "skip");
    const skip = await train([spec, "--out", skipped, "--iters", "3", "--on-nan", "skip"]);
    assert.equal(skip.code, 0, skip.stderr);
    assert.match(skip.stderr, /warning: iteration 1, step G .*update skipped \(1 so far, --on-nan skip\)/);
    const state = tensors(skipped);
    for (const [k, v] of state) if (k.startsWith("G.") || k.startsWith("optim.G.")) assert.ok(v.every(Number.isFinite), `${k} is not finite`);
    // the skipped updates are not counted (Adam's bias correction goes by the applied ones)
    const steps = Number(readSafetensorsMetadata(readFileSync(join(skipped, "checkpoints", "last.safetensors")))["optim.G.step"]);
    assert.equal(steps, 3 - (skip.stderr.match(/step G .*update skipped/g) ?? []).length);
  });
});

describe("messy picture folders", () => {
  it("each kind of file is decoded correctly or reported by path; --strict-data makes the first bad one fatal", async () => {
    const dir = join(root, "messy");
    mkdirSync(join(dir, "x"), { recursive: true });
    const px = (r: number, g: number, b: number) => ({ r, g, b });
    await sharp({ create: { width: 40, height: 30, channels: 3, background: px(200, 40, 10) } }).jpeg().toFile(join(dir, "x", "a-rgb.jpg"));
    await sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } }).png().toFile(join(dir, "x", "b-rgba.png"));
    await sharp({ create: { width: 20, height: 20, channels: 3, background: px(128, 128, 128) } }).toColourspace("b-w").png().toFile(join(dir, "x", "c-grey.png"));
    await sharp({ create: { width: 1, height: 1, channels: 3, background: px(0, 0, 255) } }).png().toFile(join(dir, "x", "d-1x1.png"));
    await sharp({ create: { width: 20, height: 20, channels: 3, background: px(255, 255, 0) } }).toColourspace("rgb16").png().toFile(join(dir, "x", "e-16bit.png"));
    await sharp({ create: { width: 20, height: 20, channels: 3, background: px(0, 128, 255) } }).toColourspace("cmyk").jpeg().toFile(join(dir, "x", "f-cmyk.jpg"));
    const jpeg = readFileSync(join(dir, "x", "a-rgb.jpg"));
    writeFileSync(join(dir, "x", "g-truncated.jpg"), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
    writeFileSync(join(dir, "x", "h-empty.png"), "");
    writeFileSync(join(dir, "x", "i-text.png"), "this is not a picture\n");
    const plan: DataPlan = {
      source: { kind: "images", size: 8, channels: 3, channelsGiven: true },
      lab: false,
      flip: false,
      resize: "short-side-crop",
      outputs: [{ name: "real", shape: [3, 8, 8] }],
      line: 1,
      col: 1,
    };
    const warnings: string[] = [];
    const ds = await openDataset(plan, { dataDir: dir, warn: (m) => warnings.push(m) });
    assert.equal(ds.size, 9);
    const [data] = await ds.load([0, 1, 2, 3, 4, 5, 6, 7, 8], new Rng(0));
    const mean = (i: number, c: number) => {
      let s = 0;
      for (let p = 0; p < 64; p++) s += data![(i * 3 + c) * 64 + p]!;
      return ((s / 64 + 1) / 2) * 255;
    };
    const near = (i: number, rgb: [number, number, number], tol: number, what: string) =>
      rgb.forEach((v, c) => assert.ok(Math.abs(mean(i, c) - v) <= tol, `${what}: channel ${c} is ${mean(i, c).toFixed(1)}, expected ~${v}`));
    near(0, [200, 40, 10], 8, "RGB JPEG");
    near(1, [10, 200, 30], 2, "RGBA PNG (alpha dropped, as PIL's convert('RGB'))");
    near(2, [128, 128, 128], 2, "grey PNG (repeated to RGB)");
    near(3, [0, 0, 255], 1, "1x1 PNG (resized up)");
    near(4, [255, 255, 0], 1, "16-bit PNG");
    // CMYK (no ICC profile) through libvips's CMYK profile: sRGB's pure blue is out of the
    // CMYK gamut, so it comes back as (3, 134, 197): blue, not the orange of a naive inversion.
    near(5, [3, 134, 197], 8, "CMYK JPEG (converted to sRGB)");
    // The three broken files are replaced by the next readable picture, each reported once by path.
    assert.deepEqual(warnings.map((w) => w.split(":")[0]).sort(), ["skipping x/g-truncated.jpg", "skipping x/h-empty.png", "skipping x/i-text.png"]);
    assert.equal(ds.skipped, 3);
    const strict = await openDataset(plan, { dataDir: dir, strict: true });
    await assert.rejects(strict.load([6], new Rng(0)), /x\/g-truncated\.jpg: cannot read this image .*--strict-data/);
  });
});

describe("bad settings: one line naming the setting and the accepted values, exit 2", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown --set parameter", ["--set", "nzz=4"], /error GAN0902: --set nzz: the spec has no parameter `nzz`/],
    ["--set value not a number", ["--set", "nz=big"], /--set nz: `big` is not a number/],
    ["fractional batch", ["--batch", "2.5"], /error GAN0907: --batch 2\.5: give a whole number of at least 1/],
    ["negative batch", ["--batch", "-4"], /--batch -4: give a whole number of at least 1/],
    ["unknown backend", ["--backend", "gpu"], /Invalid values:\s+Argument: backend, Given: "gpu", Choices: "auto", "cpu", "wasm", "tensorflow"/],
    ["unknown --on-nan", ["--on-nan", "ignore"], /Argument: on-nan, Given: "ignore", Choices: "stop", "skip"/],
    ["bad seed", ["--seed", "-1"], /--seed -1: give a whole number from 0 to 4294967295/],
  ];
  for (const [name, args, re] of cases) {
    it(name, async () => {
      const r = await train([TINY, "--out", join(root, `bad-${name.replace(/\W+/g, "-")}`), ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.ok(r.stderr.trim().split("\n").length <= 4, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    });
  }

  it("a config file with wrong types names each setting", async () => {
    const cfg = join(root, "bad.json");
    writeFileSync(cfg, JSON.stringify({ batch: "64", backend: "gpu", seed: 1.5 }));
    const r = await train([TINY, "--config", cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--config .*bad\.json: batch must be integer; backend must be one of auto, cpu, wasm, tensorflow, webgpu; seed must be integer/);
  });
});
