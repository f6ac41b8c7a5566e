// The diagnostic table itself: codes are unique, well-formed, in their stage's block, and
// every one of them is triggered by some test (its code appears in test/ or a baseline).
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Diagnostics } from "../compiler/diagnostics.ts";

const testDir = fileURLToPath(new URL(".", import.meta.url));

function allText(dir: string): string {
  let out = "";
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out += allText(p);
    else if (/\.(ts|json|txt)$/.test(name) && name !== "diagnostic-table.test.ts") out += readFileSync(p, "utf8");
  }
  return out;
}

describe("diagnostic table", () => {
  const entries = Object.entries(Diagnostics);

  it("codes are unique and well-formed", () => {
    const codes = entries.map(([, m]) => m.code);
    assert.equal(new Set(codes).size, codes.length, "duplicate code");
    for (const [key, m] of entries) {
      assert.match(m.code, /^GAN\d{4}$/, key);
      const block = Number(m.code.slice(3, 5));
      assert.equal(m.category === "warning", block === 5, `${key}: warnings (and only they) are GAN05xx`);
    }
  });

  it("every code is triggered by a test", () => {
    const text = allText(testDir);
    // Internal errors can only come from bugs; test/cli.test.ts checks the wrapper instead.
    const untested = entries.filter(([, m]) => m.code !== "GAN0999" && !text.includes(m.code)).map(([k, m]) => `${m.code} ${k}`);
    assert.deepEqual(untested, []);
  });
});
