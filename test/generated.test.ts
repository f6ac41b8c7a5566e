// generated/ is what `npm run generate` makes from specs/ today (CI fails when it is
// stale), it passes `tsc --noEmit --strict`, and it never says `any`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { compile } from "../compiler/compile.ts";
import { defaultOutDir, emitFiles, writeFiles } from "../compiler/generate.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const specs = readdirSync(join(root, "specs")).filter((f) => f.endsWith(".gan"));

describe("generated/", () => {
  for (const f of specs) {
    it(`generated/ is fresh for specs/${f}`, () => {
      const path = `specs/${f}`;
      const files = emitFiles(compile(readFileSync(join(root, path), "utf8"), path), defaultOutDir(path));
      const dir = join(root, defaultOutDir(path));
      assert.deepEqual(readdirSync(dir).sort(), files.map((x) => x.path).sort(), `${dir} has other files`);
      for (const file of files) {
        assert.equal(readFileSync(join(dir, file.path), "utf8"), file.text, `${dir}/${file.path} is stale: run npm run generate`);
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

  it("passes tsc --noEmit --strict, without any `any`", () => {
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.generated.json"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const dir of readdirSync(join(root, "generated"))) {
      for (const file of readdirSync(join(root, "generated", dir))) {
        const text = readFileSync(join(root, "generated", dir, file), "utf8");
        assert.doesNotMatch(text, /\bany\b/, `generated/${dir}/${file}`);
      }
    }
  });
});
