// The run folder's `index.html`: one self-contained page (inline CSS, no scripts, no
// external assets) that links its images by paths relative to the folder, so the folder
// can be moved or copied as a whole. Everything that comes from the user (spec text, names,
// settings, file names) is HTML-escaped; image paths are also percent-encoded per segment.
import { existsSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import { formatNumber } from "./run-log.ts";

export type ReportStatus =
  | { state: "running"; iteration: number; total: number }
  | { state: "finished"; iteration?: number }
  | { state: "stopped"; iteration: number; reason?: string }
  | { state: "failed"; iteration?: number; error: string };

export interface ReportInfo {
  /** The page title: the spec's name. */
  title: string;
  /** The spec's source text, shown verbatim (escaped). */
  spec: string;
  /** Where the spec was read from, if known. */
  specPath?: string;
  /** The run's settings (command line, train section, seed, ...). */
  settings: Readonly<Record<string, string | number | boolean>>;
  /** The backend line, e.g. "tensorflow (cpu), 16 threads". */
  backend: string;
  /** Sample grids in order (oldest first, latest last), relative to the run folder. */
  samples: readonly string[];
  /** A grid of a real batch, relative to the run folder. */
  real?: string;
  /**
   * Plot files: writePlots's result, or a flat list. Files are grouped into one chart per
   * name stem (`losses.svg` + `losses.png`): the PNG is shown, linking to the SVG.
   */
  plots?: readonly string[] | { readonly losses: readonly string[]; readonly scores: readonly string[] };
  /** The last logged row. */
  last?: Readonly<Record<string, number>>;
  /** The latest checkpoint. */
  checkpoint?: string;
  /** Links to the logs, relative to the run folder (default: log.csv and log.jsonl if present). */
  logs?: readonly string[];
  /** "running, iteration 1200 of 5000", "finished", "stopped at ..." — or a structured status. */
  status: ReportStatus | string;
  /** When the report was written (default: now). */
  updated?: Date;
  /** Reload the page every this many seconds while running (default 30; 0 = never). */
  refreshSeconds?: number;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;",
  );
}

/** `p` relative to the run folder (see relUrl). */
export function relPath(dir: string, p: string): string {
  if (isAbsolute(p)) return relative(resolve(dir), p);
  if (!existsSync(resolve(dir, p)) && existsSync(p)) return relative(resolve(dir), resolve(p));
  return p;
}

/**
 * A path as a relative URL from the run folder: absolute paths (and paths that exist from
 * the working directory but not inside `dir`, like writePlots's results) are made relative
 * to `dir`; each segment is percent-encoded and the result HTML-escaped for an attribute.
 */
export function relUrl(dir: string, p: string): string {
  const segs = relPath(dir, p).split(sep === "\\" ? /[\\/]/ : "/");
  return escapeHtml(segs.map((s) => (s === "." || s === ".." ? s : encodeURIComponent(s))).join("/"));
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

export function statusText(status: ReportStatus | string): string {
  if (typeof status === "string") return status;
  switch (status.state) {
    case "running":
      return `running, iteration ${status.iteration} of ${status.total}`;
    case "finished":
      return status.iteration !== undefined ? `finished (${status.iteration} iterations)` : "finished";
    case "stopped":
      return `stopped at iteration ${status.iteration}${status.reason ? ` (${status.reason})` : ""}`;
    case "failed":
      return `failed${status.iteration !== undefined ? ` at iteration ${status.iteration}` : ""}: ${status.error}`;
  }
}

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 1.5em auto; max-width: 1100px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.status { font-size: 1.1em; padding: 0.4em 0.7em; border-radius: 4px; display: inline-block; background: #eef; }
.status.finished { background: #e6f4e6; } .status.stopped, .status.failed { background: #fbeaea; }
table { border-collapse: collapse; font-size: 0.92em; } td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 0.8em; overflow-x: auto; font-size: 0.88em; line-height: 1.35; }
img { image-rendering: auto; } .latest { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; } .latest figure { margin: 0; }
.latest img { max-width: 100%; image-rendering: pixelated; min-width: 256px; }
.plots img { max-width: 100%; } .strip { display: flex; flex-wrap: wrap; gap: 0.5em; }
.strip figure { margin: 0; text-align: center; font-size: 0.75em; color: #666; } .strip img { width: 128px; image-rendering: pixelated; }
.muted { color: #777; }
`;

/** Writes `index.html` in `dir` (atomically). */
export function writeReport(dir: string, info: ReportInfo): void {
  writeFileAtomic(join(dir, "index.html"), renderReport(dir, info));
}

/** The report's HTML text (see writeReport). */
export function renderReport(dir: string, info: ReportInfo): string {
  const e = escapeHtml;
  const url = (p: string): string => relUrl(dir, p);
  const status = statusText(info.status);
  const state =
    typeof info.status !== "string"
      ? info.status.state
      : (/^(running|finished|stopped|failed)\b/i.exec(info.status)?.[1]?.toLowerCase() ?? "");
  const updated = (info.updated ?? new Date()).toISOString();
  const refresh = info.refreshSeconds ?? 30;
  const out: string[] = [];

  out.push("<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  if (state === "running" && refresh > 0) out.push(`<meta http-equiv="refresh" content="${Math.round(refresh)}">`);
  out.push(`<title>${e(info.title)} — gan-train</title>`, `<style>${CSS}</style>`, "</head>", "<body>");
  out.push(`<h1>${e(info.title)}</h1>`);
  out.push(`<p><span class="status ${e(state)}">${e(status)}</span> <span class="muted">updated ${e(updated)}</span></p>`);
  out.push(`<p>Backend: <code>${e(info.backend)}</code></p>`);
  if (info.checkpoint) {
    out.push(`<p>Checkpoint: <a href="${url(info.checkpoint)}"><code>${e(relPath(dir, info.checkpoint))}</code></a></p>`);
  }
  const logs = info.logs ?? ["log.csv", "log.jsonl"].filter((f) => existsSync(join(dir, f)));
  if (logs.length > 0) out.push(`<p>Log: ${logs.map((l) => `<a href="${url(l)}">${e(baseName(l))}</a>`).join(", ")}</p>`);

  // Samples
  out.push("<h2>Samples</h2>");
  const latest = info.samples[info.samples.length - 1];
  if (latest !== undefined) {
    out.push('<div class="latest">');
    out.push(`<figure><a href="${url(latest)}"><img src="${url(latest)}" alt="latest samples"></a>`);
    out.push(`<figcaption>latest: ${e(baseName(latest))}</figcaption></figure>`);
    if (info.real) {
      out.push(`<figure><a href="${url(info.real)}"><img src="${url(info.real)}" alt="real batch"></a>`);
      out.push(`<figcaption>real batch: ${e(baseName(info.real))}</figcaption></figure>`);
    }
    out.push("</div>");
  } else {
    out.push('<p class="muted">No samples yet.</p>');
    if (info.real) {
      out.push(`<figure class="latest"><a href="${url(info.real)}"><img src="${url(info.real)}" alt="real batch"></a>`);
      out.push(`<figcaption>real batch: ${e(baseName(info.real))}</figcaption></figure>`);
    }
  }
  if (info.samples.length > 1) {
    out.push("<h3>Earlier samples (newest first)</h3>", '<div class="strip">');
    for (const s of info.samples.slice(0, -1).reverse()) {
      out.push(
        `<figure><a href="${url(s)}"><img src="${url(s)}" alt="${e(baseName(s))}" loading="lazy"></a>` +
          `<figcaption>${e(baseName(s))}</figcaption></figure>`,
      );
    }
    out.push("</div>");
  }

  // Plots: one chart per file stem, in order of first appearance
  const files = info.plots === undefined ? [] : "losses" in info.plots ? [...info.plots.losses, ...info.plots.scores] : info.plots;
  const charts = new Map<string, string[]>();
  for (const f of files) {
    const stem = baseName(f).replace(/\.[^.]*$/, "");
    const list = charts.get(stem) ?? [];
    list.push(f);
    charts.set(stem, list);
  }
  const chartHtml: string[] = [];
  for (const [stem, list] of charts) {
    const png = list.find((f) => f.toLowerCase().endsWith(".png"));
    const svg = list.find((f) => f.toLowerCase().endsWith(".svg"));
    const shown = png ?? svg ?? list[0];
    if (shown === undefined) continue;
    chartHtml.push(`<p><a href="${url(svg ?? shown)}"><img src="${url(shown)}" alt="${e(stem)}" width="760"></a></p>`);
  }
  if (chartHtml.length > 0) out.push("<h2>Plots</h2>", '<div class="plots">', ...chartHtml, "</div>");

  // Last row
  if (info.last) {
    const entries = Object.entries(info.last);
    out.push("<h2>Last logged iteration</h2>", "<table>");
    out.push(`<tr>${entries.map(([k]) => `<th>${e(k)}</th>`).join("")}</tr>`);
    out.push(`<tr>${entries.map(([, v]) => `<td class="num">${e(formatNumber(v))}</td>`).join("")}</tr>`);
    out.push("</table>");
  }

  // Settings
  out.push("<h2>Settings</h2>", "<table>");
  for (const [k, v] of Object.entries(info.settings)) out.push(`<tr><th>${e(k)}</th><td>${e(String(v))}</td></tr>`);
  out.push("</table>");

  // Spec
  out.push(`<h2>Spec${info.specPath ? ` <small class="muted"><code>${e(info.specPath)}</code></small>` : ""}</h2>`);
  out.push(`<pre>${e(info.spec)}</pre>`);
  out.push("</body>", "</html>", "");
  return out.join("\n");
}
