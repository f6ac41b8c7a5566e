// The progress display: the terminal line always fits the width, with iteration/total, img/s
// and the ETA first; nothing is written over the bar; nothing is left to restore in the
// terminal (no hidden cursor, no switched-off line wrapping) if the process dies mid-run.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { makeReporter, progressLine } from "../cli/progress.ts";

const row = {
  iter: 1234,
  epoch: 1,
  time: 12,
  img_per_s: 1359,
  loss_D: 1.30221,
  loss_G: 0.97903,
  "score_D:D(real)": 0.81611,
  "score_D:D(fake)": 0.65532,
  "score_G:D(fake)": 0.37891,
};
const state = { iter: 1234, total: 3600, imgPerS: 1359.04, etaText: "1m30s", row };

describe("the progress line", () => {
  for (const columns of [30, 40, 60, 80, 100, 120, 200]) {
    it(`fits ${columns} columns, iteration/total, img/s and ETA first`, () => {
      const line = progressLine(state, columns);
      assert.ok(line.length <= columns - 1, `${line.length} characters: ${line}`);
      if (columns >= 40) assert.ok(line.startsWith("1234/3600  1359.0 img/s  ETA 1m30s"), line);
      else assert.match(line, /^1234\/3600 .*ETA 1m30s/);
    });
  }

  it("shows all losses and scores when there is room, fewer digits and an ellipsis when not", () => {
    assert.match(progressLine(state, 200), /D 1\.3022 {2}G 0\.9790 {2}D:D\(real\) 0\.8161 {2}D:D\(fake\) 0\.6553 {2}G:D\(fake\) 0\.3789$/);
    const at80 = progressLine(state, 80);
    assert.match(at80, /[█░]+ {2}D 1\.30 {2}G 0\.98 .*…$/);
  });
});

/** A terminal-like stream that records what is written to it. */
function tty(columns: number): { stream: NodeJS.WriteStream; text: () => string } {
  let out = "";
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  w.isTTY = true;
  w.columns = columns;
  (w as unknown as { cursorTo: (x: number, cb?: () => void) => boolean }).cursorTo = (x: number) => {
    out += `\x1b[${x + 1}G`;
    return true;
  };
  (w as unknown as { clearLine: (d: number) => boolean }).clearLine = () => {
    out += "\x1b[2K";
    return true;
  };
  return { stream: w, text: () => out };
}

describe("the reporter on a terminal", () => {
  it("takes the bar away before any other line, and leaves nothing to restore", () => {
    const term = tty(80);
    let written = "";
    const r = makeReporter({ mode: "bar", write: (s) => (written += s), stream: term.stream });
    r.start(3600, 0);
    r.progress({ ...row, iter: 1 }, 3600);
    r.progress({ ...row, iter: 2 }, 3600);
    const beforeWarning = term.text();
    r.notice("Ctrl-C: stopping after this iteration");
    const afterStop = term.text();
    assert.ok(afterStop.length > beforeWarning.length && afterStop.endsWith("\n"), "the bar's line is ended before the warning");
    assert.equal(written, "gan-train: Ctrl-C: stopping after this iteration\n");
    r.progress({ ...row, iter: 3 }, 3600);
    const beforeWarn = term.text();
    r.warn("a picture was skipped");
    assert.ok(term.text().length > beforeWarn.length && term.text().endsWith("\n"), "the bar's line is ended before a warning too");
    assert.equal(written, "gan-train: Ctrl-C: stopping after this iteration\ngan-train: warning: a picture was skipped\n");
    r.progress({ ...row, iter: 4 }, 3600);
    r.stop();
    const all = term.text();
    assert.ok(all.endsWith("\n"), "the last bar line is ended");
    assert.doesNotMatch(all, /\x1b\[\?25l/, "the cursor is never hidden");
    assert.doesNotMatch(all, /\x1b\[\?7l/, "line wrapping is never switched off");
    // Every drawn line fits the 80 columns.
    for (const drawn of all.split(/\x1b\[[0-9;]*[A-Za-z]|\x1b[78]|\n/).filter((x) => x.trim())) assert.ok(drawn.length <= 79, drawn);
  });
});
