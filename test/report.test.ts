// The run report: the per-iteration log (CSV + JSONL, resume cuts it back), the loss and
// score plots (vega-lite -> vega -> SVG -> PNG, headless) and the index.html page.
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import sharp from "sharp";
import { escapeHtml, renderReport, writeReport, type ReportInfo } from "../runtime/report/html.ts";
import { downsampleMinMax, movingAverage, writePlots } from "../runtime/report/plots.ts";
import { formatNumber, logColumns, parseCsv, readRunLog, RunLog, type Row } from "../runtime/report/run-log.ts";

const SCORES = ["D(real)", "D(fake)", "D(fake)@G"];
const COLUMNS = logColumns(["D", "G"], SCORES);

function syntheticRows(n: number, seed = 1): Row[] {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows: Row[] = [];
  for (let i = 1; i <= n; i++) {
    rows.push({
      iter: i,
      epoch: Math.floor((i - 1) / 100),
      time: i * 0.0123456789,
      img_per_s: 5000 + rnd() * 100,
      loss_D: 1.4 * Math.exp(-i / n) + 0.3 * rnd(),
      loss_G: 0.7 + 0.5 * rnd(),
      "score_D(real)": 0.5 + 0.4 * rnd(),
      "score_D(fake)": 0.4 * rnd(),
      "score_D(fake)@G": 0.2 + 0.3 * rnd(),
    });
  }
  return rows;
}

const tmp = (name: string): string => mkdtempSync(join(tmpdir(), `report-${name}-`));

describe("RunLog", () => {
  it("writes a quoted CSV header, one line per row, and a JSONL that round-trips", () => {
    const dir = tmp("log");
    const rows = syntheticRows(300);
    const log = RunLog.open(dir, COLUMNS, null);
    for (const r of rows) log.append(r);
    // flushed line by line: readable before close
    assert.equal(readFileSync(join(dir, "log.csv"), "utf8").trimEnd().split("\n").length, 301);
    log.close();

    const csv = readFileSync(join(dir, "log.csv"), "utf8");
    const lines = csv.split("\n");
    assert.equal(
      lines[0],
      'iter,epoch,time,img_per_s,loss_D,loss_G,"score_D(real)","score_D(fake)","score_D(fake)@G"',
    );
    assert.equal(lines.length, 302); // header + 300 + trailing ""
    assert.equal(lines[301], "");
    const records = parseCsv(csv);
    assert.equal(records.length, 301);
    assert.deepEqual(records[0], COLUMNS);
    // numbers: up to 6 significant digits, integers exact
    const r150 = records[150] as string[];
    assert.equal(r150[0], "150");
    assert.equal(r150[2], formatNumber(150 * 0.0123456789));
    assert.equal(r150[2], "1.85185");
    for (const rec of records.slice(1)) {
      assert.equal(rec.length, COLUMNS.length);
      for (const cell of rec) assert.ok(cell.replace(/^-/, "").replace(/e.*$/, "").replace(".", "").replace(/^0+/, "").length <= 6, cell);
    }

    const jsonl = readFileSync(join(dir, "log.jsonl"), "utf8").trimEnd().split("\n");
    assert.equal(jsonl.length, 300);
    const parsed = jsonl.map((l) => JSON.parse(l) as Row);
    assert.deepEqual(parsed, rows);
    assert.deepEqual(Object.keys(parsed[0] as Row), COLUMNS);
    assert.deepEqual(log.rows(), rows);
  });

  it("quotes commas and quotes in column names (RFC 4180) and parses them back", () => {
    const dir = tmp("quote");
    const cols = ["iter", 'score_a,"b"', "score_c\nd"];
    const log = RunLog.open(dir, cols, null);
    log.append({ iter: 1, 'score_a,"b"': 0.5, "score_c\nd": 0.25 });
    log.close();
    const csv = readFileSync(join(dir, "log.csv"), "utf8");
    assert.ok(csv.startsWith('iter,"score_a,""b""","score_c\nd"\n'), csv);
    assert.deepEqual(parseCsv(csv), [cols, ["1", "0.5", "0.25"]]);
    assert.deepEqual(readRunLog(dir).columns, cols);
  });

  it("rejects a key outside the columns; writes NaN and missing values readably", () => {
    const dir = tmp("bad");
    const log = RunLog.open(dir, ["iter", "loss_D"], null);
    assert.throws(() => log.append({ iter: 1, loss_X: 2 }), /loss_X/);
    log.append({ iter: 1, loss_D: NaN });
    log.append({ iter: 2 });
    log.close();
    assert.equal(readFileSync(join(dir, "log.csv"), "utf8"), "iter,loss_D\n1,NaN\n2,\n");
    assert.equal(readFileSync(join(dir, "log.jsonl"), "utf8"), '{"iter":1,"loss_D":null}\n{"iter":2}\n'); // a missing value (not computed then) is left out, a NaN is null
  });

  it("resume keeps rows with iter <= k, drops the rest, and continues appending", () => {
    const dir = tmp("resume");
    const rows = syntheticRows(400);
    const log = RunLog.open(dir, COLUMNS, null);
    for (const r of rows) log.append(r);
    log.close();

    const again = RunLog.open(dir, COLUMNS, 250);
    assert.equal(again.rows().length, 250);
    assert.deepEqual(again.rows(), rows.slice(0, 250));
    const more = syntheticRows(300, 7).slice(250); // iterations 251..300, other values
    for (const r of more) again.append(r);
    again.close();

    const csv = parseCsv(readFileSync(join(dir, "log.csv"), "utf8"));
    assert.equal(csv.length, 301);
    assert.deepEqual(
      csv.slice(1).map((r) => Number(r[0])),
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    const jsonl = readFileSync(join(dir, "log.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Row);
    assert.deepEqual(jsonl, [...rows.slice(0, 250), ...more]);
    // no temporary files left behind
    assert.deepEqual(readdirSync(dir).sort(), ["log.csv", "log.jsonl"]);
  });

  it("resume recovers from a torn JSONL line, a missing JSONL, or nothing at all", () => {
    const rows = syntheticRows(50);
    const dir = tmp("torn");
    const log = RunLog.open(dir, COLUMNS, null);
    for (const r of rows) log.append(r);
    log.close();
    appendFileSync(join(dir, "log.jsonl"), '{"iter":51,"loss_D":0.');
    appendFileSync(join(dir, "log.csv"), "51,0,0.6");
    const r1 = RunLog.open(dir, COLUMNS, 100);
    assert.deepEqual(r1.rows(), rows);
    r1.close();
    assert.equal(readFileSync(join(dir, "log.jsonl"), "utf8").trimEnd().split("\n").length, 50);
    assert.equal(parseCsv(readFileSync(join(dir, "log.csv"), "utf8")).length, 51);

    // JSONL garbled: the CSV (6 significant digits) is used
    writeFileSync(join(dir, "log.jsonl"), "garbage\n");
    const r2 = RunLog.open(dir, COLUMNS, 20);
    assert.equal(r2.rows().length, 20);
    assert.equal(r2.rows()[19]?.iter, 20);
    assert.ok(Math.abs((r2.rows()[19]?.loss_D as number) - (rows[19]?.loss_D as number)) < 1e-5);
    r2.close();
    assert.equal(readFileSync(join(dir, "log.jsonl"), "utf8").trimEnd().split("\n").length, 20);

    const empty = tmp("none");
    const r3 = RunLog.open(empty, COLUMNS, 10);
    assert.equal(r3.rows().length, 0);
    r3.append(rows[0] as Row);
    r3.close();
    assert.equal(parseCsv(readFileSync(join(empty, "log.csv"), "utf8")).length, 2);
  });

  it("opened with no columns takes them from the first row", () => {
    const dir = tmp("first");
    const log = RunLog.open(dir, [], null);
    log.append({ iter: 1, loss_G: 2 });
    assert.throws(() => log.append({ iter: 2, loss_D: 1 }));
    log.close();
    assert.equal(readFileSync(join(dir, "log.csv"), "utf8"), "iter,loss_G\n1,2\n");
  });
});

describe("plots", () => {
  it("moving average and min/max downsampling", () => {
    assert.deepEqual(movingAverage([1, 2, 3, NaN, 5], 3), [1.5, 2, 2.5, 4, 5]);
    const v = Array.from({ length: 100_000 }, (_, i) => (i === 54_321 ? 100 : Math.sin(i)));
    const keep = downsampleMinMax(v, 2000);
    assert.ok(keep.length <= 2001, String(keep.length));
    assert.ok(keep.includes(54_321), "the spike survives");
    assert.deepEqual([...keep].sort((a, b) => a - b), keep, "in order");
  });

  it("writes losses and scores as SVG and PNG (headless), for 1k and 100k rows", async () => {
    for (const n of [1000, 100_000]) {
      const dir = tmp(`plots${n}`);
      const rows = syntheticRows(n);
      const out = await writePlots(dir, rows);
      assert.deepEqual(out, {
        losses: [join(dir, "plots", "losses.svg"), join(dir, "plots", "losses.png")],
        scores: [join(dir, "plots", "scores.svg"), join(dir, "plots", "scores.png")],
        quality: [],
        parts: [],
      });
      const losses = readFileSync(join(dir, "plots", "losses.svg"), "utf8");
      assert.match(losses, /^<svg/);
      assert.match(losses, />D<\/text>/);
      assert.match(losses, />G<\/text>/);
      assert.doesNotMatch(losses, />loss_D</);
      const scores = readFileSync(join(dir, "plots", "scores.svg"), "utf8");
      for (const s of SCORES) assert.ok(scores.includes(`>${s}</text>`), s);
      for (const f of ["losses.png", "scores.png"]) {
        const png = readFileSync(join(dir, "plots", f));
        assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        const meta = await sharp(png).metadata();
        assert.equal(meta.format, "png");
        assert.ok((meta.width ?? 0) > 500 && (meta.height ?? 0) > 200, `${meta.width}x${meta.height}`);
      }
      // downsampled: the 100k-row SVG is not much bigger than the 1k-row one
      assert.ok(losses.length < 400_000, String(losses.length));
    }
  });

  it("the quality score: a panel for FLD and one for KID, through the iterations that have it", async () => {
    const dir = tmp("quality");
    const rows = syntheticRows(300).map((r) => ((r["iter"] as number) % 100 === 0 ? { ...r, fld: 30 - (r["iter"] as number) / 20, kid: 1 - (r["iter"] as number) / 400, kid_std: 0.01 } : r));
    const out = await writePlots(dir, rows);
    assert.deepEqual(out.quality, [join(dir, "plots", "quality.svg"), join(dir, "plots", "quality.png")]);
    const svg = readFileSync(out.quality[0]!, "utf8");
    for (const t of ["Quality score (lower is better)", "FLD", "KID"]) assert.ok(svg.includes(`>${t}</text>`), t);
    // without any score: no quality plot
    assert.deepEqual((await writePlots(tmp("no-quality"), syntheticRows(10))).quality, []);
  });

  it("zero rows write nothing; one row and non-finite losses still plot", async () => {
    const d0 = tmp("p0");
    assert.deepEqual(await writePlots(d0, []), { losses: [], scores: [], quality: [], parts: [] });
    assert.equal(existsSync(join(d0, "plots")), false);

    const d1 = tmp("p1");
    const one = await writePlots(d1, syntheticRows(1));
    assert.equal(one.losses.length, 2);
    assert.equal(one.scores.length, 2);
    assert.match(readFileSync(join(d1, "plots", "losses.svg"), "utf8"), />G<\/text>/);

    // the terms of a sum (`part_` columns): their own chart, one series per term
    const dp = tmp("pparts");
    const parted = await writePlots(dp, syntheticRows(20).map((r, i) => ({ ...r, "part_G:10 * l1(rec, A)": 5 / (i + 1), "part_G:mse(D(fake), 1)": 0.4 })));
    assert.equal(parted.parts.length, 2);
    assert.match(readFileSync(join(dp, "plots", "parts.svg"), "utf8"), /10 \* l1\(rec, A\)/);
    assert.deepEqual((await writePlots(tmp("pnoparts"), syntheticRows(5))).parts, []);

    const d2 = tmp("pnan");
    const rows = syntheticRows(200).map((r, i) => (i > 150 ? { ...r, loss_D: i % 2 ? NaN : Infinity } : r));
    const out = await writePlots(d2, rows);
    assert.equal((await sharp(readFileSync(out.losses[1] as string)).metadata()).format, "png");
  });
});

describe("index.html", () => {
  const spec = 'model G {\n  # <script>alert("x")</script> & more\n}\n';
  const info = (dir: string): ReportInfo => ({
    title: "dcgan<&>",
    spec,
    specPath: "specs/dcgan.gan",
    settings: { lr: 0.0002, batch: 64, "note<b>": "a & b", amp: false },
    backend: "tensorflow (cpu) <fast>",
    samples: ["samples/iter_000100.png", "samples/iter_000200.png", "samples/iter 300 #1.png"],
    real: "samples/real.png",
    plots: { losses: [join(dir, "plots", "losses.svg"), join(dir, "plots", "losses.png")], scores: ["plots/scores.svg", "plots/scores.png"] },
    last: syntheticRows(300)[299] as Row,
    checkpoint: join(dir, "checkpoints", "iter_000300"),
    status: { state: "running", iteration: 1200, total: 5000 },
    updated: new Date("2025-01-02T03:04:05Z"),
  });

  it("escapes the spec, names and settings; links images relatively", () => {
    const dir = tmp("html");
    writeReport(dir, info(dir));
    const html = readFileSync(join(dir, "index.html"), "utf8");
    assert.ok(html.startsWith("<!DOCTYPE html>"));
    assert.doesNotMatch(html, /<script/i);
    assert.ok(html.includes(escapeHtml(spec)));
    assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"));
    assert.ok(html.includes("<h1>dcgan&lt;&amp;&gt;</h1>"));
    assert.ok(html.includes("<th>note&lt;b&gt;</th><td>a &amp; b</td>"));
    assert.ok(html.includes("tensorflow (cpu) &lt;fast&gt;"));
    assert.ok(html.includes("running, iteration 1200 of 5000"));
    assert.ok(html.includes('http-equiv="refresh"'));
    // images: relative links, the latest first, earlier ones, the real batch, the plots
    assert.ok(html.includes('src="samples/iter%20300%20%231.png"'));
    assert.ok(html.includes('src="samples/iter_000200.png"'));
    assert.ok(html.includes('src="samples/iter_000100.png"'));
    assert.ok(html.includes('src="samples/real.png"'));
    assert.ok(html.includes('src="plots/losses.png"'));
    assert.ok(html.includes('href="plots/losses.svg"'));
    assert.ok(html.includes('src="plots/scores.png"'));
    assert.ok(html.includes('href="checkpoints/iter_000300"'));
    assert.ok(!html.includes(dir), "no absolute paths");
    assert.ok(html.indexOf("iter%20300") < html.indexOf("iter_000200.png"), "latest shown first");
    // external assets: none
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
    // the last row
    assert.ok(html.includes("<th>score_D(fake)@G</th>"));
    assert.ok(html.includes("<td class=\"num\">300</td>"));
  });

  it("finished and stopped status lines; no refresh when not running", () => {
    const dir = tmp("html2");
    const fin = renderReport(dir, { ...info(dir), status: { state: "finished" } });
    assert.ok(fin.includes(">finished<"));
    assert.ok(!fin.includes('http-equiv="refresh"'));
    const stop = renderReport(dir, { ...info(dir), status: { state: "stopped", iteration: 321, reason: "SIGINT" } });
    assert.ok(stop.includes("stopped at iteration 321 (SIGINT)"));
    const none = renderReport(dir, { ...info(dir), samples: [], plots: { losses: [], scores: [] }, status: "starting" });
    assert.ok(none.includes("No samples yet."));
    assert.ok(!none.includes("plots/losses"));
    // a flat list of plot files and a status string
    const flat = renderReport(dir, { ...info(dir), plots: ["plots/losses.svg", "plots/losses.png", "plots/scores.svg"], status: "running: iteration 5 of 9" });
    assert.ok(flat.includes('<a href="plots/losses.svg"><img src="plots/losses.png"'));
    assert.ok(flat.includes('<a href="plots/scores.svg"><img src="plots/scores.svg"'));
    assert.ok(flat.includes('http-equiv="refresh"'));
    assert.ok(flat.includes('class="status running"'));
  });
});
