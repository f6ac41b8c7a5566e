// generated/ is what `npm run generate` makes from specs/ today (CI fails when it is
// stale), it passes `tsc --noEmit --strict`, and it never says `any`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { compile } from "../compiler/compile.ts";
import { defaultOutDir, emitFiles, emitTorchFiles, writeFiles } from "../compiler/generate.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const specs = readdirSync(join(root, "specs")).filter((f) => f.endsWith(".gan"));

/** A generated forward's statements: the values each defines, uses and releases. */
function forwardOf(text: string): { inputs: string[]; lines: { defines?: string; uses: string[]; releases: string[] }[]; returns: string[] } {
  const body = text.slice(text.indexOf("    forward("));
  const inputs = [...body.slice(0, body.indexOf(")")).matchAll(/(\w+): tf\./g)].map((m) => m[1]!);
  const lines: { defines?: string; uses: string[]; releases: string[] }[] = [];
  let returns: string[] = [];
  for (const line of body.split("\n").slice(1)) {
    const code = line.replace(/\/\/.*$/, "").trim();
    if (code.startsWith("return")) {
      returns = [...code.matchAll(/\b([A-Za-z_]\w*)\b/g)].map((m) => m[1]!).filter((n) => n !== "return");
      break;
    }
    const release = /^release\((.*)\);$/.exec(code);
    if (release) lines.push({ uses: [], releases: release[1]!.split(", ") });
    else {
      const def = /^const (\w+) = (.*);$/.exec(code);
      if (def) lines.push({ defines: def[1]!, uses: [...def[2]!.matchAll(/\b([A-Za-z_]\w*)\b/g)].map((m) => m[1]!), releases: [] });
    }
  }
  return { inputs, lines, returns };
}

describe("generated forwards release each value after its last use", () => {
  for (const f of specs) {
    it(`specs/${f}`, () => {
      const path = `specs/${f}`;
      const result = compile(readFileSync(join(root, path), "utf8"), path);
      for (const file of emitFiles(result, defaultOutDir(path)).filter((x) => /^[A-Z]\w*\.ts$/.test(x.path))) {
        const { inputs, lines, returns } = forwardOf(file.text);
        const defined = lines.flatMap((l) => (l.defines ? [l.defines] : []));
        assert.ok(defined.length > 0, `${file.path}: no forward statements found`);
        const released = lines.flatMap((l) => l.releases);
        // every value that is neither an input nor returned is released once, after its last use
        const expected = defined.filter((v) => !returns.includes(v) && lines.some((l) => l.uses.includes(v)));
        assert.deepEqual([...released].sort(), [...expected].sort(), `${file.path}: released values`);
        for (const [i, l] of lines.entries()) {
          for (const v of l.releases) {
            assert.ok(!inputs.includes(v), `${file.path}: releases its input ${v}`);
            assert.ok(!lines.slice(i + 1).some((later) => later.uses.includes(v)) && !returns.includes(v), `${file.path}: ${v} used after its release`);
            const last = lines.slice(0, i).reduce((at, e, j) => (e.uses.includes(v) ? j : at), -1);
            assert.ok(lines.slice(last + 1, i).every((e) => e.defines === undefined), `${file.path}: ${v} released late`);
          }
        }
      }
    });
  }
});

describe("generated/", () => {
  for (const f of specs) {
    it(`generated/ is fresh for specs/${f}`, () => {
      const path = `specs/${f}`;
      const result = compile(readFileSync(join(root, path), "utf8"), path);
      const files = emitFiles(result, defaultOutDir(path));
      const dir = join(root, defaultOutDir(path));
      assert.deepEqual(readdirSync(dir).sort(), [...files.map((x) => x.path), "torch"].sort(), `${dir} has other files`);
      for (const file of files) {
        assert.equal(readFileSync(join(dir, file.path), "utf8"), file.text, `${dir}/${file.path} is stale: run npm run generate`);
      }
      // The PyTorch package (gan-compile --emit pytorch) is fresh too.
      const torch = emitTorchFiles(result);
      const torchDir = join(root, defaultOutDir(path, "pytorch"));
      assert.deepEqual(readdirSync(torchDir).filter((f) => f !== "__pycache__").sort(), torch.map((x) => x.path).sort(), `${torchDir} has other files`);
      for (const file of torch) {
        assert.equal(readFileSync(join(torchDir, file.path), "utf8"), file.text, `${torchDir}/${file.path} is stale: run npm run generate`);
      }
    });
  }

  it("hostile names (keywords, the emitter's own names) still give valid, inert code", () => {
    const path = "test/fixtures/specs/hostile-names.gan";
    const dir = mkdtempSync(join(root, "generated-hostile-"));
    const out = join(dir, "h");
    const files = emitFiles(compile(readFileSync(join(root, path), "utf8"), path), out);
    try {
      writeFiles(out, files);
      const config = join(dir, "tsconfig.json");
      writeFileSync(config, JSON.stringify({ extends: "../tsconfig.json", include: ["h"] }));
      const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
      const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", config], { cwd: root, encoding: "utf8" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const text = files.map((f) => f.text).join("\n");
      assert.match(text, /export class Model_ extends Model/);
      assert.match(text, /export class delete_ extends Model/);
      assert.match(text, /forward\(constructor_: tf\.Tensor2D/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the PyTorch packages, and one of hostile names, are valid Python", () => {
    const dir = mkdtempSync(join(root, "generated-hostile-py-"));
    try {
      const path = "test/fixtures/specs/hostile-names.gan";
      const files = emitTorchFiles(compile(readFileSync(join(root, path), "utf8"), path));
      writeFiles(dir, files);
      // every package's models.py, and its train.py where the spec has a training section
      const targets = [...files.map((f) => join(dir, f.path)), ...specs.flatMap((f) => ["models.py", "train.py"].map((x) => join(root, defaultOutDir(`specs/${f}`, "pytorch"), x))).filter((p) => existsSync(p))];
      // py_compile needs no PyTorch: the syntax of every file, keywords and builtins renamed.
      const code = `import py_compile, sys\nfor f in sys.argv[1:]: py_compile.compile(f, cfile=f + ".pyc-check", doraise=True)`;
      const r = spawnSync("python3", ["-c", code, ...targets], { encoding: "utf8" });
      for (const t of targets) rmSync(`${t}.pyc-check`, { force: true });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const models = files.find((f) => f.path === "models.py")!.text;
      assert.match(models, /class Model\(Layers\)|class \w+_?\(Layers\)/);
      assert.doesNotMatch(models, /def forward\(self, (class|def|lambda|None)\b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes tsc --noEmit --strict, without any `any`", () => {
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.generated.json"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const dir of readdirSync(join(root, "generated"))) {
      for (const file of readdirSync(join(root, "generated", dir)).filter((f) => f.endsWith(".ts"))) {
        const text = readFileSync(join(root, "generated", dir, file), "utf8");
        assert.doesNotMatch(text, /\bany\b/, `generated/${dir}/${file}`);
      }
    }
  });
});
