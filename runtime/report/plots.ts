// Loss and score plots of a run log, drawn headless: a vega-lite spec compiled to vega,
// rendered by a vega View with no renderer to SVG text, and the SVG rasterised to PNG by
// sharp (librsvg). No `canvas` package is needed: without one vega estimates text widths.
//
// Every series is downsampled to at most ~2,000 points (min/max per bucket for the raw
// line so spikes survive; the smoothed line is computed on the full series first), so a
// 100k-iteration run plots about as fast as a short one.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { compile, type TopLevelSpec } from "vega-lite";
import { Error as VegaLogError, View, parse } from "vega";
import { writeFileAtomic } from "../io/atomic.ts";
import type { Row } from "./run-log.ts";

/** Most points drawn per raw series (min/max buckets) and per smoothed line. */
export const MAX_POINTS = 2000;
export const MAX_SMOOTH_POINTS = 500;

interface Point {
  iter: number;
  series: string;
  kind: "raw" | "smoothed";
  value: number | null;
}

/** Centred moving average over the finite values (non-finite ones are skipped). */
export function movingAverage(values: readonly number[], window: number): (number | null)[] {
  const n = values.length;
  const sum = new Float64Array(n + 1);
  const cnt = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const ok = Number.isFinite(v);
    sum[i + 1] = (sum[i] as number) + (ok ? v : 0);
    cnt[i + 1] = (cnt[i] as number) + (ok ? 1 : 0);
  }
  const half = Math.floor(window / 2);
  const out: (number | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(n, i + half + 1);
    const c = (cnt[b] as number) - (cnt[a] as number);
    out[i] = c > 0 ? ((sum[b] as number) - (sum[a] as number)) / c : null;
  }
  return out;
}

/**
 * Indices to keep so that at most ~`max` points remain: for each of max/2 buckets, the
 * first point and the positions of the bucket's minimum and maximum (in order).
 */
export function downsampleMinMax(values: readonly (number | null)[], max: number): number[] {
  const n = values.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(max / 2));
  const keep: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const a = Math.floor((b * n) / buckets);
    const e = Math.floor(((b + 1) * n) / buckets);
    let lo = -1;
    let hi = -1;
    for (let i = a; i < e; i++) {
      const v = values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      if (lo < 0 || v < (values[lo] as number)) lo = i;
      if (hi < 0 || v > (values[hi] as number)) hi = i;
    }
    if (lo < 0) {
      keep.push(a); // a bucket of gaps: keep one so the line breaks there
      continue;
    }
    if (lo === hi) keep.push(lo);
    else keep.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  if (keep[keep.length - 1] !== n - 1) keep.push(n - 1);
  return keep;
}

/** Evenly spaced indices (always including the last). */
function strideIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}

function finiteOrNull(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

/** Long-format points for the given columns (raw + smoothed), downsampled. */
export function seriesPoints(rows: readonly Row[], columns: readonly string[], prefix: string): Point[] {
  const n = rows.length;
  const iters = rows.map((r, i) => (Number.isFinite(r.iter) ? (r.iter as number) : i + 1));
  const window = n >= 20 ? Math.max(5, Math.round(n / 50)) : 1;
  const points: Point[] = [];
  for (const col of columns) {
    const name = col.slice(prefix.length);
    const raw = rows.map((r) => (r[col] === undefined ? NaN : (r[col] as number)));
    for (const i of downsampleMinMax(raw, MAX_POINTS)) {
      points.push({ iter: iters[i] as number, series: name, kind: "raw", value: finiteOrNull(raw[i]) });
    }
    if (window > 1) {
      const smooth = movingAverage(raw, window);
      for (const i of strideIndices(n, MAX_SMOOTH_POINTS)) {
        points.push({ iter: iters[i] as number, series: name, kind: "smoothed", value: smooth[i] ?? null });
      }
    }
  }
  return points;
}

function chartSpec(
  title: string,
  yTitle: string,
  legendTitle: string,
  points: Point[],
  yDomain: [number, number] | null,
  single: boolean,
): TopLevelSpec {
  const hasSmooth = points.some((p) => p.kind === "smoothed");
  const x = { field: "iter", type: "quantitative" as const, title: "iteration", axis: { format: "~s" } };
  const y = {
    field: "value",
    type: "quantitative" as const,
    title: yTitle,
    scale: yDomain ? { domain: yDomain } : { zero: false },
  };
  const color = { field: "series", type: "nominal" as const, title: legendTitle };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 640,
    height: 300,
    background: "white",
    data: { values: points },
    layer: [
      {
        transform: [{ filter: "datum.kind === 'raw'" }],
        mark: {
          type: "line",
          strokeWidth: 1,
          opacity: hasSmooth ? 0.3 : 1,
          clip: true,
          point: single,
        },
        encoding: { x, y, color },
      },
      ...(hasSmooth
        ? [
            {
              transform: [{ filter: "datum.kind === 'smoothed'" }],
              mark: { type: "line" as const, strokeWidth: 2, clip: true },
              encoding: { x, y, color },
            },
          ]
        : []),
    ],
    config: { font: "DejaVu Sans, Helvetica, Arial, sans-serif" },
  } as TopLevelSpec;
}

async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(spec).spec;
  const view = new View(parse(vg), { renderer: "none", logLevel: VegaLogError });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

async function writeChart(dir: string, name: string, spec: TopLevelSpec): Promise<string[]> {
  const svg = await renderSvg(spec);
  const png = await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
  const svgPath = join(dir, `${name}.svg`);
  const pngPath = join(dir, `${name}.png`);
  writeFileAtomic(svgPath, svg);
  writeFileAtomic(pngPath, png);
  return [svgPath, pngPath];
}

/**
 * Writes `plots/losses.{svg,png}` (every `loss_*` column vs iter, per model: faint raw line
 * and a moving average), `plots/parts.{svg,png}` (every `part_*` column: the terms of the
 * losses that are sums, the same way) and `plots/scores.{svg,png}` (every `score_*` column, y in [0, 1]
 * unless values leave it) and `plots/quality.{svg,png}` (the quality score: FLD and KID,
 * one panel each, at the iterations it was computed) under `dir`. Returns the written paths
 * (joined onto `dir`); a chart with no columns or no rows is not written.
 */
export async function writePlots(dir: string, rows: readonly Row[]): Promise<{ losses: string[]; scores: string[]; quality: string[]; parts: string[] }> {
  const result = { losses: [] as string[], scores: [] as string[], quality: [] as string[], parts: [] as string[] };
  if (rows.length === 0) return result;
  const cols: string[] = [];
  const seen = new Set<string>();
  for (const r of [rows[0] as Row, rows[rows.length - 1] as Row]) {
    for (const k of Object.keys(r)) if (!seen.has(k)) (seen.add(k), cols.push(k));
  }
  // the quality score: only the rows that have it (a line through the evaluations)
  const scored = rows.filter((r) => Number.isFinite(r["kid"]));
  const lossCols = cols.filter((c) => c.startsWith("loss_"));
  const scoreCols = cols.filter((c) => c.startsWith("score_"));
  const partCols = cols.filter((c) => c.startsWith("part_"));
  if (lossCols.length === 0 && scoreCols.length === 0) return result;
  const plotDir = join(dir, "plots");
  mkdirSync(plotDir, { recursive: true });
  const single = rows.length === 1;

  const jobs: Promise<void>[] = [];
  if (lossCols.length > 0) {
    const pts = seriesPoints(rows, lossCols, "loss_");
    const spec = chartSpec("Losses", "loss", "model", pts, null, single);
    jobs.push(writeChart(plotDir, "losses", spec).then((p) => void (result.losses = p)));
  }
  if (partCols.length > 0) {
    // the terms of the losses that are sums (CycleGAN's cycle and identity losses, a gradient penalty)
    const pts = seriesPoints(rows, partCols, "part_");
    const spec = chartSpec("Loss terms", "value", "term", pts, null, single);
    jobs.push(writeChart(plotDir, "parts", spec).then((p) => void (result.parts = p)));
  }
  if (scoreCols.length > 0) {
    const pts = seriesPoints(rows, scoreCols, "score_");
    let lo = 0;
    let hi = 1;
    for (const p of pts) {
      if (p.value === null) continue;
      if (p.value < lo) lo = p.value;
      if (p.value > hi) hi = p.value;
    }
    const spec = chartSpec("Scores", "score", "score", pts, [lo, hi], single);
    jobs.push(writeChart(plotDir, "scores", spec).then((p) => void (result.scores = p)));
  }
  if (scored.length > 0) {
    // one panel per number (their scales differ by orders of magnitude)
    const panel = (column: string, title: string) => {
      const rowsOf = scored.filter((r) => Number.isFinite(r[column])).map((r) => ({ iter: r.iter as number, [`q_${title}`]: r[column] as number }));
      if (rowsOf.length === 0) return null;
      const { $schema: _s, config: _c, background: _b, ...rest } = chartSpec(title, title, "score", seriesPoints(rowsOf, [`q_${title}`], "q_"), null, true) as unknown as Record<string, unknown>;
      return { ...rest, height: 150 };
    };
    const panels = [panel("fld", "FLD"), panel("kid", "KID")].filter((x) => x !== null);
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: "Quality score (lower is better)",
      background: "white",
      vconcat: panels,
      config: { font: "DejaVu Sans, Helvetica, Arial, sans-serif" },
    } as unknown as TopLevelSpec;
    jobs.push(writeChart(plotDir, "quality", spec).then((p) => void (result.quality = p)));
  }
  await Promise.all(jobs);
  return result;
}
