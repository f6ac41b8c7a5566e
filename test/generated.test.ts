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
