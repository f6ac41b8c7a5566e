// gan-train end to end: what a run folder holds, stop + resume = an uninterrupted run (bit
// for bit), same seed = same run, DCGAN and Pix2Pix on their built-in data, and the errors
// a user can run into (each names the file or folder and the fix).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { main } from "../cli/gan-train.ts";
import { compile } from "../compiler/compile.ts";
import { emitFiles } from "../compiler/generate.ts";
import { readSafetensors, readSafetensorsMetadata } from "../runtime/io/safetensors.ts";
import { SMALL_WIDTHS } from "./helpers.ts";

const TINY = "test/fixtures/specs/tiny-gan.gan";
let root: string;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function train(args: string[], signal?: { stop: boolean }): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const code = await main(["--backend", "cpu", "--progress", "lines", ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, signal);
  return { code, stdout, stderr };
}

function checkpointTensors(dir: string): Map<string, Float32Array> {
  const bytes = readFileSync(join(dir, "checkpoints", "last.safetensors"));
  return new Map(readSafetensors(bytes).map((t) => [t.name, t.data]));
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "gan-train-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("gan-train: a run folder", () => {
  let run: string;
  let result: Ran;
  before(async () => {
    run = join(root, "full");
    result = await train([TINY, "--out", run]);
  });

  it("finishes and prints where everything is", () => {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^finished: 6 of 6 iterations, \d+ ms per iteration on cpu/);
    for (const what of ["samples", "plot", "report", "checkpoint", "log"]) assert.match(result.stdout, new RegExp(`\\n  ${what} +${run.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.match(result.stderr, /backend: TensorFlow\.js [\d.]+, the portable CPU backend/);
    assert.match(result.stderr, /\[1\/6\] epoch 1 +D [\d.]+ +G [\d.]+/);
  });

  it("holds the log, sample grids, plots, report, spec, settings and a checkpoint", async () => {
    const files = readdirSync(run, { recursive: true }).map(String).sort();
    for (const f of ["index.html", "log.csv", "log.jsonl", "real.png", "real-vs-fake.png", "run.json", "spec.gan", "checkpoints/last.safetensors", "plots/losses.png", "plots/losses.svg", "plots/scores.png", "plots/scores.svg", "samples/iter-000003.png", "samples/iter-000006.png", "samples/latest.png"]) {
      assert.ok(files.includes(f), `${f} missing (have ${files.join(", ")})`);
    }
    // The code it trained: what gan-compile writes for the same spec and values.
    const expected = emitFiles(compile(readFileSync(TINY, "utf8"), TINY), join(run, "generated"));
    assert.deepEqual(readdirSync(join(run, "generated")).sort(), expected.map((f) => f.path).sort());
    for (const f of expected) assert.equal(readFileSync(join(run, "generated", f.path), "utf8"), f.text, f.path);
    assert.match(result.stdout, new RegExp(`\\n  code +${run.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/generated\\n`));
    const csv = readFileSync(join(run, "log.csv"), "utf8").trim().split("\n");
    assert.equal(csv.length, 7);
    assert.equal(csv[0], 'iter,epoch,time,img_per_s,loss_D,loss_G,"score_D:D(real)","score_D:D(fake)","score_G:D(fake)",fld,kid,kid_std,"part_D:bce(D(real), 0.9)","part_D:bce(D(fake), 0)"');
    const rows = readFileSync(join(run, "log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
    assert.deepEqual(rows.map((r) => r["iter"]), [1, 2, 3, 4, 5, 6]);
    for (const r of rows) {
      for (const k of ["loss_D", "loss_G"]) assert.ok(Number.isFinite(r[k]) && r[k]! > 0, `${k} ${r[k]}`);
      // D's loss is the sum of its two terms, logged each
      assert.ok(Math.abs(r["part_D:bce(D(real), 0.9)"]! + r["part_D:bce(D(fake), 0)"]! - r["loss_D"]!) < 1e-5, JSON.stringify(r));
      for (const k of ["score_D:D(real)", "score_D:D(fake)", "score_G:D(fake)"]) assert.ok(r[k]! > 0 && r[k]! < 1, `${k} ${r[k]}`);
    }
    // Fixed noise of 64 samples, 16 x 16, 8 per row with 2-pixel padding: 8 * 18 + 2.
    const grid = await sharp(join(run, "samples", "latest.png")).metadata();
    assert.deepEqual([grid.width, grid.height], [146, 146]);
    const html = readFileSync(join(run, "index.html"), "utf8");
    for (const link of ["samples/iter-000006.png", "plots/losses.png", "real.png", "checkpoints/last.safetensors"]) assert.ok(html.includes(link), link);
    assert.ok(html.includes("step D = bce(D(real), 0.9)"), "the spec is shown");
    const meta = readSafetensorsMetadata(readFileSync(join(run, "checkpoints", "last.safetensors")));
    assert.equal(meta["iteration"], "6");
    const names = [...checkpointTensors(run).keys()];
    for (const n of ["G.0.weight", "G.1.running_var", "G.1.num_batches_tracked", "D.0.bias", "optim.D.exp_avg.0.weight", "optim.G.exp_avg_sq.0.weight"]) assert.ok(names.includes(n), n);
  });

  it("scores its samples at the end (eval_every = 6): logged, plotted, in the report and the summary; gan-eval gives the same", async () => {
    const rows = readFileSync(join(run, "log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
    assert.deepEqual(rows.map((r) => "kid" in r), [false, false, false, false, false, true]);
    const last = rows.at(-1)!;
    assert.ok(last["fld"]! > 0 && last["kid"]! > 0 && last["kid_std"]! > 0, JSON.stringify(last));
    assert.ok(readdirSync(join(run, "plots")).includes("quality.png"));
    assert.match(result.stderr, /quality at iteration 6: FLD [\d.]+, KID [\d.]+ ± [\d.]+ \(1,000 samples vs 10,000 test digits\)/);
    assert.match(result.stdout, /\n  quality +FLD [\d.]+, KID/);
    const html = readFileSync(join(run, "index.html"), "utf8");
    assert.ok(html.includes("plots/quality.png") && /FLD [\d.]+, KID/.test(html), "the report shows the score");
    let out = "";
    const { main: evalMain } = await import("../cli/gan-eval.ts");
    const code = await evalMain([run, "--n", "1000", "--json", "--backend", "cpu"], { stdout: (t) => (out += t), stderr: () => undefined });
    assert.equal(code, 0);
    const score = JSON.parse(out) as Record<string, number>;
    assert.equal(score["iteration"], 6);
    for (const [k, col] of [["fld", "fld"], ["kid", "kid"], ["kidStd", "kid_std"]] as const) {
      assert.ok(Math.abs(score[k]! - last[col]!) <= 1e-4 * Math.abs(last[col]!), `${k}: gan-eval ${score[k]}, the run ${last[col]}`);
    }
    let err = "";
    const io = { stdout: () => undefined, stderr: (t: string) => (err += t) };
    assert.equal(await evalMain([join(root, "no-such-run")], io), 2);
    assert.match(err, /gan-eval: error GAN0904: .*no-such-run: no such folder \(give the run folder gan-train --out wrote\)/);
    assert.equal(await evalMain([join(run, "plots")], io), 2);
    assert.match(err, /it is not a gan-train run folder/);
  });

  it("stopped (Ctrl-C) after 3 iterations and resumed, it ends with the same weights, optimizer state and log", async () => {
    const part = join(root, "part");
    let polls = 0;
    const signal = {
      get stop() {
        return ++polls >= 3;
      },
      set stop(_v: boolean) {},
    };
    const first = await train([TINY, "--out", part], signal);
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stdout, /stopped: 3 of 6 iterations/);
    assert.match(first.stdout, /continue with: (npx )?gan-train .*tiny-gan\.gan --out .* --resume/);
    assert.equal(readSafetensorsMetadata(readFileSync(join(part, "checkpoints", "last.safetensors")))["iteration"], "3");
    const second = await train([TINY, "--out", part, "--resume"]);
    assert.equal(second.code, 0, second.stderr);
    const a = checkpointTensors(run);
    const b = checkpointTensors(part);
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [k, v] of a) assert.deepEqual(b.get(k), v, k);
    const cols = (dir: string) => readFileSync(join(dir, "log.csv"), "utf8").trim().split("\n").map((l) => l.split(",").filter((_, i) => i !== 2 && i !== 3).join(","));
    assert.deepEqual(cols(part), cols(run));
  });

  it("the same seed gives the same run; another seed another one", async () => {
    const again = join(root, "again");
    const other = join(root, "other");
    assert.equal((await train([TINY, "--out", again, "--iters", "2"])).code, 0);
    assert.equal((await train([TINY, "--out", other, "--iters", "2", "--seed", "7"])).code, 0);
    const x = checkpointTensors(again);
    const y = checkpointTensors(other);
    // Iteration 2 of the full run is not checkpointed; compare two short runs instead.
    const again2 = join(root, "again2");
    assert.equal((await train([TINY, "--out", again2, "--iters", "2"])).code, 0);
    for (const [k, v] of x) assert.deepEqual(checkpointTensors(again2).get(k), v, k);
    assert.notDeepEqual(y.get("G.0.weight"), x.get("G.0.weight"));
  });
});

describe("gan-train: the zoo's recipes (test/fixtures/specs/recipes.gan: labels, pool, penalties, clipping, schedules, ema)", () => {
  const RECIPES = "test/fixtures/specs/recipes.gan";
  let full = "";
  before(async () => {
    full = join(root, "recipes-full");
    const r = await train([RECIPES, "--out", full, "--iters", "4", "--eval-every", "0"]);
    assert.equal(r.code, 0, r.stderr);
  });

  it("logs each term of a loss that is a sum, draws a row per class, keeps the average and the pool", async () => {
    const header = readFileSync(join(full, "log.csv"), "utf8").split("\n")[0]!;
    assert.match(header, /"part_C:10 \* gp\(C, real, fake\)"/);
    assert.match(header, /"part_C:-mean\(C\(real\)\)"/);
    assert.match(header, /"part_G\+E:2 \* l1\(rec, fake\)"/);
    const rows = readFileSync(join(full, "log.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
    assert.ok(Number.isFinite(rows.at(-1)!["part_C:10 * gp(C, real, fake)"]!));
    const grid = await sharp(join(full, "samples", "latest.png")).metadata();
    // 10 classes, a row of 8 each: 10 rows of 8 x 8 pictures with 2-pixel borders
    assert.equal(grid.height, 10 * 8 + 11 * 2);
    const t = checkpointTensors(full);
    assert.ok(t.has("ema.G.1.weight") && t.has("pool.old") && t.has("optim.G+E.exp_avg.E.0.weight") && t.has("optim.D+K.exp_avg.K.0.weight"), [...t.keys()].join(" "));
    assert.notDeepEqual(t.get("ema.G.1.weight"), t.get("G.1.weight"));
    // C's weights clipped to [-0.05, 0.05]
    for (const [k, v] of t) if (k.startsWith("C.") && !k.includes("running") && !k.includes("batches")) assert.ok(v.every((x) => Math.abs(x) <= 0.05 + 1e-7), k);
  });

  it("stopped after 2 iterations and resumed, it ends with the same weights, average, pool and optimizer state", async () => {
    const part = join(root, "recipes-part");
    let polls = 0;
    const signal = {
      get stop() {
        return ++polls >= 2;
      },
      set stop(_v: boolean) {},
    };
    const first = await train([RECIPES, "--out", part, "--iters", "4", "--eval-every", "0"], signal);
    assert.equal(first.code, 130, first.stderr);
    const second = await train([RECIPES, "--out", part, "--resume", "--iters", "4", "--eval-every", "0"]);
    assert.equal(second.code, 0, second.stderr);
    const a = checkpointTensors(full);
    const b = checkpointTensors(part);
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [k, v] of a) assert.deepEqual(b.get(k), v, k);
  });

  it("gan-sample --checkpoint takes the average of G (--raw its own weights) and draws the classes asked for", async () => {
    const { main: sample } = await import("../cli/gan-sample.ts");
    const run = async (args: string[]) => {
      let err = "";
      const code = await sample(args, { stdout: () => undefined, stderr: (x) => (err += x) });
      return { code, err };
    };
    const avg = await run(["--checkpoint", full, "--noise", "3", "--class", "2,7", "--out", join(root, "avg.safetensors")]);
    assert.equal(avg.code, 0, avg.err);
    assert.match(avg.err, /its average, as the run's samples/);
    assert.match(avg.err, /3 per class, a row for each of classes 2, 7/);
    const raw = await run(["--checkpoint", full, "--noise", "3", "--class", "2,7", "--raw", "--out", join(root, "raw.safetensors")]);
    assert.equal(raw.code, 0, raw.err);
    const x = readSafetensors(readFileSync(join(root, "avg.safetensors")))[0]!;
    const y = readSafetensors(readFileSync(join(root, "raw.safetensors")))[0]!;
    assert.deepEqual(x.shape, [6, 1, 8, 8]);
    assert.notDeepEqual(x.data, y.data);
    const bad = await run(["--checkpoint", full, "--noise", "3", "--class", "10", "--out", join(root, "bad.png")]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--class 10: "10" is not a class of G's `y` \(0 to 9\)/);
  });
});

describe("gan-train: every spec in specs/ trains, resumes and samples (at small widths)", () => {
  const specs = readdirSync("specs").filter((f) => f.endsWith(".gan")).sort();
  for (const spec of specs) {
    it(spec, async () => {
      const out = join(root, `every-${spec}`);
      const sets = Object.entries(SMALL_WIDTHS[spec] ?? {}).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
      const first = await train([`specs/${spec}`, ...sets, "--out", out, "--iters", "1", "--batch", "4", "--eval-every", "0"]);
      assert.equal(first.code, 0, first.stderr);
      const again = await train(["--out", out, "--resume", "--iters", "2"]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /finished: 2 of 2 iterations/);
      assert.equal(readSafetensorsMetadata(readFileSync(join(out, "checkpoints", "last.safetensors")))["iteration"], "2");
      assert.ok(readdirSync(join(out, "samples")).includes("latest.png"));
      const { main: sample } = await import("../cli/gan-sample.ts");
      let err = "";
      const code = await sample(["--checkpoint", out, "--noise", "2", "--out", join(out, "s.safetensors")], { stdout: () => undefined, stderr: (x) => (err += x) });
      assert.equal(code, 0, err);
    });
  }
  it("covers every spec", () => assert.ok(specs.length >= 10, specs.join(" ")));
});

describe("gan-train: DCGAN and Pix2Pix on their built-in data", () => {
  it("DCGAN (MNIST resized to 64 x 64, 3 channels) at width 8", async () => {
    const out = join(root, "dcgan");
    const r = await train(["specs/dcgan.gan", "--set", "ngf=8", "ndf=8", "--iters", "2", "--batch", "4", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /MNIST, 70,000 embedded images, resized to 64x64/);
    const grid = await sharp(join(out, "samples", "latest.png")).metadata();
    assert.deepEqual([grid.width, grid.height], [8 * 66 + 2, 8 * 66 + 2]);
  });

  it("Pix2Pix (built-in colour pictures as Lab) at width 8: input / output / target rows", async () => {
    const out = join(root, "pix2pix");
    const r = await train(["specs/pix2pix.gan", "--set", "ngf=8", "ndf=8", "--iters", "1", "--batch", "1", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /finished: 1 of 1 iterations/);
    const grid = await sharp(join(out, "samples", "latest.png")).metadata();
    assert.deepEqual([grid.width, grid.height], [3 * 258 + 2, 4 * 258 + 2]);
    const row = JSON.parse(readFileSync(join(out, "log.jsonl"), "utf8").trim()) as Record<string, number>;
    assert.ok(row["loss_G"]! > row["loss_D"]!, "G's loss includes 100 x L1");
    assert.ok("score_D:D(cat(L, ab))" in row);
  });
});

describe("gan-train: bad input gets a clear error", () => {
  it("a spec without a train: section", async () => {
    const spec = join(root, "no-train.gan");
    writeFileSync(spec, "G(z: [4]) -> [4]:\n    linear(4 -> 4) tanh\n");
    const r = await train([spec]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error GAN0417: .*no-train\.gan has no `train:` section, so there is nothing to train\n  hint: add one at the end of the spec/);
  });

  it("a missing or empty --data folder, an unreadable image (skipped, or fatal with --strict-data)", async () => {
    const spec = join(root, "folder.gan");
    writeFileSync(spec, readFileSync(TINY, "utf8").replace("real = mnist(size = 16)", "real = images(size = 16, channels = 1)"));
    let r = await train([spec, "--data", join(root, "nowhere"), "--out", join(root, "f1")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /gan-train: error GAN0910: .*nowhere: no such folder \(give --data a folder of \.jpg, \.png or \.webp images\)/);
    const empty = join(root, "empty");
    mkdirSync(empty);
    r = await train([spec, "--data", empty, "--out", join(root, "f2")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /empty: no \.jpg, \.png or \.webp images in this folder or below it/);
    const pics = join(root, "pics");
    mkdirSync(join(pics, "a"), { recursive: true });
    for (let i = 0; i < 20; i++) {
      await sharp({ create: { width: 20, height: 24, channels: 3, background: { r: 10 * i, g: 100, b: 200 - 5 * i } } }).png().toFile(join(pics, "a", `p${i}.png`));
    }
    writeFileSync(join(pics, "a", "broken.png"), "not a png");
    r = await train([spec, "--data", pics, "--out", join(root, "f3"), "--iters", "2", "--batch", "16"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: skipping a\/broken\.png/);
    r = await train([spec, "--data", pics, "--out", join(root, "f4"), "--iters", "2", "--batch", "16", "--strict-data"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /broken\.png: cannot read this image .*\(or run without --strict-data to skip unreadable images\)/);
    // Colour pictures into a spec whose data is implicitly grey (plain mnist).
    r = await train([TINY, "--data", pics, "--out", join(root, "f5")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /holds colour pictures \(3 channels.*\), but the spec's data `real` is 1-channel .*channels = 1\)` in the train: section/);
  });

  it("a run folder that already holds a run, --resume of nothing, a checkpoint of another spec", async () => {
    const out = join(root, "taken");
    assert.equal((await train([TINY, "--out", out, "--iters", "1"])).code, 0);
    let r = await train([TINY, "--out", out, "--iters", "1"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error GAN0912: .*already holds a run: pass --resume to continue it, or choose another --out/);
    r = await train([TINY, "--out", join(root, "fresh"), "--resume"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing to resume \(no checkpoints\/last\.safetensors\)/);
    r = await train([TINY, "--out", out, "--resume", "--iters", "2", "--set", "w=8"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--set w=8: this changes the models' shapes, and a resumed run keeps its architecture; leave it out to continue the run as it was started \(w as the spec sets it\)/);
    const wider = join(root, "wider.gan");
    writeFileSync(wider, readFileSync(TINY, "utf8").replace("w = 4", "w = 8"));
    r = await train([wider, "--out", out, "--resume", "--iters", "2"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error GAN0913: .*was written for another architecture \(tiny-gan\.gan; its G\.0\.weight is \[8, 16, 4, 4\], the spec's is \[8, 32, 4, 4\]\): resume with the spec and --set values it was trained with/);
  });

  it("--config is validated, and flags override it", async () => {
    const cfg = join(root, "run.json");
    writeFileSync(cfg, JSON.stringify({ iters: 1, batch: 0, colour: true }));
    let r = await train([TINY, "--config", cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error GAN0906: --config .*run\.json: unknown setting "colour" \(settings: set, data, .*\); batch must be >= 1/);
    writeFileSync(cfg, JSON.stringify({ iters: 5, batch: 4, out: join(root, "cfg"), set: { w: 2 } }));
    r = await train([TINY, "--config", cfg, "--iters", "1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /finished: 1 of 1 iterations/);
    const settings = JSON.parse(readFileSync(join(root, "cfg", "run.json"), "utf8")) as { batch: number; set: Record<string, number> };
    assert.equal(settings.batch, 4);
    assert.deepEqual(settings.set, { w: 2 });
  });

  it("usage errors: no spec, --epochs with --iters", async () => {
    assert.match((await train([])).stderr, /no spec given/);
    const r = await train([TINY, "--epochs", "1", "--iters", "2"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /mutually exclusive|not both/);
  });
});

describe("gan-train --resume: a run remembers how it was started", () => {
  const args = ["specs/dcgan.gan", "--set", "isize=16", "ngf=4", "ndf=4", "--batch", "4", "--iters", "6", "--backend", "cpu"];
  let pics: string;
  let straight: string;
  before(async () => {
    pics = join(root, "resume-pics");
    mkdirSync(join(pics, "x"), { recursive: true });
    for (let i = 0; i < 30; i++) {
      await sharp({ create: { width: 24, height: 20, channels: 3, background: { r: 8 * i, g: 255 - 8 * i, b: 90 } } }).png().toFile(join(pics, "x", `p${i}.png`));
    }
    straight = join(root, "resume-straight");
    const r = await train([...args, "--data", pics, "--out", straight]);
    assert.equal(r.code, 0, r.stderr);
  });

  /** Runs `args` until the second iteration, then stops as Ctrl-C does; returns the printed "continue with" command. */
  async function stopped(out: string): Promise<string> {
    let polls = 0;
    const signal = {
      get stop() {
        return ++polls >= 2;
      },
      set stop(_v: boolean) {},
    };
    const r = await train([...args, "--data", pics, "--out", out], signal);
    assert.equal(r.code, 130, r.stderr);
    const command = /continue with: (.*)\n/.exec(r.stdout)?.[1];
    assert.ok(command, r.stdout);
    return command;
  }

  it("the printed command, run verbatim in a shell, continues a run started with --data, --set and --batch exactly", async () => {
    const out = join(root, "resume-data");
    const bin = join(root, "path-bin");
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(process.cwd(), "bin", "gan-train.js"), join(bin, "gan-train"));
    const saved = { path: process.env["PATH"], npm: process.env["npm_lifecycle_event"] };
    process.env["PATH"] = `${bin}${delimiter}${saved.path ?? ""}`;
    delete process.env["npm_lifecycle_event"];
    let command: string;
    try {
      command = await stopped(out);
    } finally {
      process.env["PATH"] = saved.path;
      if (saved.npm !== undefined) process.env["npm_lifecycle_event"] = saved.npm;
    }
    assert.equal(command, `gan-train specs/dcgan.gan --out ${out} --resume`);
    const r = spawnSync("sh", ["-c", command], { encoding: "utf8", env: { ...process.env, PATH: `${bin}${delimiter}${saved.path ?? ""}` }, timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`resuming ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} at iteration 2 of 6 \\(checkpoint .*last\\.safetensors\\)\n`));
    assert.match(r.stderr, /data: .*resume-pics\/ \(30 images\), 16x16/);
    assert.match(r.stdout, /finished: 6 of 6 iterations/);
    const a = checkpointTensors(straight);
    const b = checkpointTensors(out);
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [k, v] of a) assert.deepEqual(b.get(k), v, k);
    const record = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { data: string; set: Record<string, number>; batch: number; resumes: { iteration: number }[] };
    assert.equal(record.data, pics);
    assert.deepEqual(record.set, { isize: 16, ngf: 4, ndf: 4 });
    assert.equal(record.batch, 4);
    assert.deepEqual(record.resumes.map((x) => x.iteration), [2]);
  });

  it("under npm (npx, npm run) the command says npx gan-train, and works as printed", async () => {
    const out = join(root, "resume-npx");
    const saved = process.env["npm_lifecycle_event"];
    process.env["npm_lifecycle_event"] = "npx";
    let command: string;
    try {
      command = await stopped(out);
    } finally {
      if (saved === undefined) delete process.env["npm_lifecycle_event"];
      else process.env["npm_lifecycle_event"] = saved;
    }
    assert.equal(command, `npx gan-train specs/dcgan.gan --out ${out} --resume`);
    const r = spawnSync("sh", ["-c", command], { encoding: "utf8", timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /finished: 6 of 6 iterations/);
    const a = checkpointTensors(straight);
    for (const [k, v] of checkpointTensors(out)) assert.deepEqual(v, a.get(k), k);
  });

  it("a setting given again must agree, unless it may change; fewer iterations than done is an error", async () => {
    const out = join(root, "resume-rules");
    await stopped(out);
    const other = join(root, "resume-other");
    mkdirSync(other);
    for (let i = 0; i < 25; i++) await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: i, g: 0, b: 0 } } }).png().toFile(join(other, `q${i}.png`));
    const cases: [string[], RegExp][] = [
      [["--batch", "8"], /error GAN0908: --batch 8: the run was started with batch 4, and a resumed run keeps its batch size .*; leave it out to continue the run as it was started/],
      [["--seed", "5"], /--seed 5: the run's seed is 0, and a resumed run keeps it/],
      [["--set", "ngf=8"], /--set ngf=8: this changes the models' shapes, and a resumed run keeps its architecture; leave it out to continue the run as it was started \(ngf=4\)/],
      [["--data", other], /--data .*resume-other: the run trains on .*resume-pics \(30 pictures, [0-9a-f]{16}\), and a resumed run keeps its data \(this folder has 25 pictures/],
      [["--iters", "1"], /already has 2 iterations, more than --iters 1 asks for: give more \(e\.g\. --iters 3\) to go on/],
    ];
    for (const [extra, re] of cases) {
      const r = await train(["--out", out, "--resume", ...extra]);
      assert.equal(r.code, 2, `${extra.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    // The same pictures in another folder are the same data; a longer run may be asked for.
    const moved = join(root, "resume-pics-moved");
    cpSync(pics, moved, { recursive: true });
    const r = await train(["--out", out, "--resume", "--data", moved, "--iters", "3", "--sample-every", "1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /resuming .* at iteration 2 of 3 \(checkpoint .*\); changed: --data .*resume-pics-moved \(was .*resume-pics\), --iters 3 \(was 6\), --sample-every 1 \(was 500\), --checkpoint-every 1 \(was 500\)/);
    // A finished run resumed with nothing more to do says so and exits 0.
    const again = await train(["--out", out, "--resume"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /the run is already finished \(3 of 3 iterations\): nothing to do/);
  });

  it("a run folder from before run.json had a format resumes with its settings too", async () => {
    const out = join(root, "resume-old");
    assert.equal((await train([TINY, "--out", out, "--iters", "2", "--batch", "4", "--set", "w=2"])).code, 0);
    const r = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as Record<string, unknown>;
    const old = Object.fromEntries(["spec", "set", "seed", "data", "batch", "epochs", "iters", "backend", "plan"].map((k) => [k, r[k]]));
    writeFileSync(join(out, "run.json"), JSON.stringify(old));
    // Not through train(), which says --backend cpu: the record's backend (cpu) is restored.
    let stderr = "";
    const code = await main(["--progress", "lines", "--out", out, "--resume", "--iters", "3"], { stdout: () => undefined, stderr: (x) => (stderr += x) });
    const again = { code, stderr };
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /resuming .* at iteration 2 of 3 .*; changed: --iters 3 \(was 2\)\n/);
    assert.match(again.stderr, /backend: TensorFlow\.js [\d.]+, the portable CPU backend/);
    const record = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { format: number; batch: number; set: Record<string, number> };
    assert.deepEqual([record.format, record.batch, record.set], [2, 4, { w: 2 }]);
  });

  it("--backend tensorflow without a native TF.js package says why, by its code", async () => {
    let installed = true;
    try {
      await import("@tensorflow/tfjs-node" as string);
    } catch {
      installed = false;
    }
    let stderr = "";
    const code = await main(["--progress", "none", TINY, "--out", join(root, "tf-backend"), "--iters", "1", "--backend", "tensorflow"], { stdout: () => undefined, stderr: (x) => (stderr += x) });
    if (installed) assert.equal(code, 0, stderr);
    else {
      assert.equal(code, 2);
      assert.match(stderr, /^gan-train: error GAN0911: --backend tensorflow: .*@tensorflow\/tfjs-node/m);
      assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    }
  });

  it("--resume with neither a spec nor --out is a usage error", async () => {
    const r = await train(["--resume"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--resume without a spec needs the run folder: gan-train --out RUN --resume/);
  });
});

describe("gan-train: the command", () => {
  it("runs as a program and exits (no hang) with status 0", () => {
    const out = join(root, "bin");
    const r = spawnSync(process.execPath, ["bin/gan-train.js", TINY, "--iters", "1", "--out", out, "--backend", "cpu"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /finished: 1 of 1 iterations/);
  });
});
