// Whole specs as baselines: for each spec in specs/ (and specs/errors/) the --json report,
// and for specs with errors the diagnostics as printed, are committed under
// test/baselines/. A change shows up as a diff to review; `npm run baselines` (with
// UPDATE_BASELINES=1) rewrites them.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { compile } from "../compiler/compile.ts";
import { jsonReport, renderDiagnostic } from "../compiler/render.ts";

const root = new URL("../", import.meta.url);
const baselines = new URL("baselines/", import.meta.url);
const update = process.env["UPDATE_BASELINES"] === "1";

function specs(dir: string): string[] {
  return readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith(".gan"))
    .map((f) => `${dir}${f}`);
}

function compare(name: string, actual: string): void {
  const file = new URL(name, baselines);
  if (update) {
    mkdirSync(baselines, { recursive: true });
    if (!existsSync(file) || readFileSync(file, "utf8") !== actual) writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `missing baseline ${name}: run npm run baselines`);
  assert.equal(actual, readFileSync(file, "utf8"), `${name} differs from its baseline (npm run baselines to accept)`);
}

describe("spec baselines", () => {
  for (const spec of [...specs("specs/"), ...specs("specs/errors/")]) {
    it(spec, () => {
      const r = compile(readFileSync(new URL(spec, root), "utf8"), spec);
      const base = spec.replace(/^specs\//, "").replace(/\//g, "__").replace(/\.gan$/, "");
      compare(`${base}.json`, `${JSON.stringify(jsonReport(r), null, 2)}\n`);
      if (r.diagnostics.length > 0) {
        compare(`${base}.errors.txt`, `${r.diagnostics.map((d) => renderDiagnostic(d, r.source, { color: false })).join("\n")}\n`);
      }
      if (spec.startsWith("specs/errors/")) assert.ok(r.diagnostics.some((d) => d.severity === "error"), "an error spec must fail");
      else assert.deepEqual(r.diagnostics, [], "a seed spec must check clean");
    });
  }
});
