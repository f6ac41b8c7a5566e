// gan-compile as a user runs it: a real process, its exit status, stdout and stderr.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "gan-compile.js");

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonLayer {
  op: string;
  out: number[] | null;
  params: number;
  line: number;
  col: number;
}
interface JsonReport {
  ok: boolean;
  diagnostics: { severity: string; code: string; message: string; file?: string; line?: number; col?: number; endLine?: number; endCol?: number }[];
  models: Record<string, { inputs: Record<string, number[]>; output: number[]; params: number; layers: JsonLayer[] }>;
}

function json(...args: string[]): { status: number | null; report: JsonReport } {
  const r = run(...args, "--json");
  return { status: r.status, report: JSON.parse(r.stdout) as JsonReport };
}

describe("gan-compile --check", () => {
  it("seed specs check clean, with exact PyTorch parameter totals", () => {
    const totals: Record<string, [number, number]> = {
      "specs/mnist-gan.gan": [1_486_352, 1_460_225],
      "specs/dcgan.gan": [3_576_704, 2_765_568],
      "specs/pix2pix.gan": [54_407_810, 2_765_568],
    };
    for (const [spec, [g, d]] of Object.entries(totals)) {
      const { status, report } = json(spec, "--check");
      assert.equal(status, 0, spec);
      assert.equal(report.ok, true);
      assert.deepEqual(report.diagnostics, []);
      assert.equal(report.models["G"]!.params, g, `${spec} G`);
      assert.equal(report.models["D"]!.params, d, `${spec} D`);
      for (const m of Object.values(report.models)) {
        for (const l of m.layers) {
          assert.equal(typeof l.op, "string");
          assert.ok(Array.isArray(l.out) && l.out.every((n) => Number.isInteger(n) && n > 0), `${spec} ${l.op} out`);
          assert.ok(l.line >= 1 && l.col >= 1);
        }
      }
    }
  });

  it("the seed-003 discriminator as written fails at the second conv and at bn(128)", () => {
    const { status, report } = json("specs/errors/pix2pix-seed003-d.gan", "--check");
    assert.equal(status, 1);
    assert.equal(report.ok, false);
    const errors = report.diagnostics.filter((d) => d.severity === "error");
    assert.deepEqual(
      errors.map((d) => [d.code, d.line, d.col]),
      [
        ["GAN0101", 6, 5],
        ["GAN0102", 6, 39],
      ],
    );
    assert.match(errors[0]!.message, /expects 3 input channels here, but the previous layer outputs 64/);
    assert.match(errors[1]!.message, /bn\(128\) expects 128 channels, but the previous layer outputs 64/);
    // The model still appears, with the layers that could be inferred.
    assert.equal(report.models["D"]!.layers.length, 12);
    assert.deepEqual(report.models["D"]!.output, [1, 8, 8]);
  });

  it("human output: FILE:LINE:COL, the source line, a caret, a hint; summary on stderr", () => {
    const r = run("specs/errors/pix2pix-seed003-d.gan", "--check");
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    const lines = r.stderr.split("\n");
    const i = lines.findIndex((l) => l.startsWith("specs/errors/pix2pix-seed003-d.gan:6:5: error GAN0101: "));
    assert.ok(i >= 0, r.stderr);
    assert.equal(lines[i + 1], "    conv(3 -> 64, k4, s2, p1, nobias) bn(128) lrelu(0.2)");
    assert.equal(lines[i + 2], "    ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~");
    assert.equal(lines[i + 3], "  hint: write conv(64 -> 128, ...)");
    assert.match(r.stderr, /\n2 errors, 0 warnings\n$/);
  });

  it("prints the shape table when the spec is clean", () => {
    const r = run("specs/dcgan.gan", "--check");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^specs\/dcgan\.gan: ok \(nz=100, ngf=64, ndf=64, nc=3, isize=64, n=3, lr=0\.0002\)/);
    assert.match(r.stdout, /G\(z: \[100, 1, 1\]\) -> \[3, 64, 64\] +3,576,704 parameters/);
    assert.match(r.stdout, /convT +\[512, 4, 4\] +819,200/);
  });

  it("--set overrides parameters, in any order, one or several per flag", () => {
    let r = json("specs/dcgan.gan", "--check", "--set", "ngf=8", "ndf=8", "--set", "isize=32");
    assert.equal(r.status, 0);
    assert.deepEqual(r.report.models["G"]!.output, [3, 32, 32]);
    assert.equal(r.report.models["G"]!.layers[0]!.out?.[0], 32);
    r = json("--set", "nc=1", "specs/dcgan.gan", "--check");
    assert.equal(r.status, 0);
    assert.deepEqual(r.report.models["D"]!.inputs["x"], [1, 64, 64]);
  });

  it("usage and I/O problems exit with 2 and say what is wrong", () => {
    const cases: [string[], RegExp][] = [
      [["specs/dcgan.gan", "--check", "--set", "ngff=8"], /--set ngff: the spec has no parameter `ngff`[\s\S]*did you mean `ngf`/],
      [["specs/dcgan.gan", "--check", "--set", "ngf=eight"], /error GAN0903: --set ngf: `eight` is not a number/],
      [["specs/dcgan.gan", "--check", "--set", "ngf"], /error GAN0903: --set ngf: expected NAME=VALUE/],
      [["specs/nope.gan", "--check"], /error GAN0901: cannot read specs\/nope\.gan: no such file/],
      [["specs", "--check"], /error GAN0901: cannot read specs: it is a folder/],
      [["--check"], /error GAN0904: no spec given/],
      [["specs/dcgan.gan", "--frobnicate"], /Unknown argument: frobnicate/],
      [["specs/dcgan.gan", "specs/pix2pix.gan"], /one spec at a time/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      assert.equal(r.status, 2, args.join(" "));
      assert.match(r.stderr, message, args.join(" "));
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
  });

  it("--json reports usage errors as JSON too", () => {
    const r = json("specs/dcgan.gan", "--check", "--set", "zz=1");
    assert.equal(r.status, 2);
    assert.equal(r.report.ok, false);
    assert.equal(r.report.diagnostics[0]!.code, "GAN0902");
  });

  it("without --check: writes the generated modules (only what changed), or prints the IR", () => {
    const dir = mkdtempSync(join(tmpdir(), "gan-out-"));
    let r = run("specs/mnist-gan.gan", "--out", dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /5 file\(s\) written, 0 unchanged/);
    assert.match(readFileSync(join(dir, "G.ts"), "utf8"), /export class G extends Model/);
    assert.match(readFileSync(join(dir, "train.ts"), "utf8"), /export function stepD\(r: Round, optimizer: Adam\): StepResult/);
    r = run("specs/mnist-gan.gan", "--out", dir);
    assert.match(r.stdout, /0 file\(s\) written, 5 unchanged/);
    r = run("specs/mnist-gan.gan", "--emit", "ir", "--set", "nz=10");
    assert.equal(r.status, 0);
    const ir = JSON.parse(r.stdout) as { irVersion: number; models: { name: string; inputs: { shape: number[] }[] }[] };
    assert.equal(ir.irVersion, 1);
    assert.deepEqual(ir.models[0]!.inputs[0]!.shape, [10]);
    r = run("specs/errors/pix2pix-seed003-d.gan", "--out", dir);
    assert.equal(r.status, 1, "a spec with errors generates nothing");
    const file = join(dir, "G.ts");
    r = run("specs/mnist-gan.gan", "--out", join(file, "sub"));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /error GAN0905: cannot write/);
  });

  it("npm links the commands for this checkout (npx gan-compile, npx gan-sample, npx gan-train)", () => {
    for (const name of ["gan-compile", "gan-sample", "gan-train"]) {
      const r = spawnSync(join(root, "node_modules", ".bin", name), ["--help"], { cwd: root, encoding: "utf8" });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(name));
    }
  });

  it("--help exits 0 and lists the options", () => {
    const r = run("--help");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--set/);
    assert.match(r.stdout, /--check/);
  });

  it("any bytes: diagnostics, never a stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "gan-"));
    const file = join(dir, "junk.gan");
    writeFileSync(file, Buffer.from([0xff, 0xfe, 0x00, 0x47, 0x28, 0x78, 0x3a, 0x5b, 0x0a, 0x1b, 0x5b, 0x33, 0x31, 0x6d]));
    const r = run(file, "--check");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error GAN0001/);
    assert.doesNotMatch(r.stderr, /\u001b\[31m/, "control characters from the file are not echoed raw");
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
