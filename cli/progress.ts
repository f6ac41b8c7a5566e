// Progress of a training run: on a terminal one line redrawn in place (cli-progress), which
// always fits the terminal's width: iteration/total, img/s and the ETA first, then a bar and
// the losses and scores as far as they fit. Plain periodic lines when stderr is not a TTY
// (CI, log files), so a log never fills with carriage returns. Everything else gan-train
// prints during a run goes through the reporter, which takes the bar's line away first,
// so nothing is ever written over it; no cursor hiding and no switched-off line wrapping,
// so nothing is left to restore when the process is stopped at any moment.
import cliProgress from "cli-progress";
import type { Reporter, Row } from "../runtime/train/trainer.ts";

const num = (v: number | undefined, digits = 4) => (v === undefined || Number.isNaN(v) ? "-" : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(digits));

/** The losses, then the scores: `D 1.3022`, `D:D(real) 0.8161`. */
function parts(row: Row, digits: number): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(row)) if (k.startsWith("loss_")) out.push(`${k.slice(5)} ${num(v, digits)}`);
  for (const [k, v] of Object.entries(row)) if (k.startsWith("score_")) out.push(`${k.slice(6)} ${num(v, digits)}`);
  return out;
}

export function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s % 60).padStart(2, "0")}s`;
}

export interface LineState {
  readonly iter: number;
  readonly total: number;
  readonly imgPerS: number;
  readonly etaText: string;
  readonly row: Row;
}

/**
 * The progress line for a terminal `columns` wide, at most columns - 1 characters (a full
 * last column makes some terminals wrap): `1234/3600  1359.0 img/s  ETA 1m30s`, then a bar
 * and the losses and scores while they fit (with fewer digits before any is left out).
 */
export function progressLine(s: LineState, columns: number): string {
  const width = Math.max(10, columns) - 1;
  const heads = [
    `${s.iter}/${s.total}  ${s.imgPerS.toFixed(1)} img/s  ETA ${s.etaText}`,
    `${s.iter}/${s.total} ${s.imgPerS.toFixed(0)} img/s ETA ${s.etaText}`,
    `${s.iter}/${s.total} ETA ${s.etaText}`,
  ];
  const head = heads.find((h) => h.length <= width) ?? heads[2]!.slice(0, width);
  if (head !== heads[0]) return head;
  let line = head;
  const barSize = Math.min(20, Math.floor((width - line.length - 2) / 4));
  if (barSize >= 6) {
    const done = Math.round((Math.min(s.iter, s.total) / Math.max(1, s.total)) * barSize);
    line += `  ${"\u2588".repeat(done)}${"\u2591".repeat(barSize - done)}`;
  }
  for (const digits of [4, 2]) {
    const all = parts(s.row, digits);
    let text = "";
    let fitted = 0;
    for (const [i, p] of all.entries()) {
      // Room for this part, and for "  …" after it unless it is the last one.
      const reserve = i < all.length - 1 ? 3 : 0;
      if (line.length + text.length + 2 + p.length + reserve > width) break;
      text += `  ${p}`;
      fitted++;
    }
    if (fitted === all.length) return line + text;
    if (digits === 2) return `${line}${text}  \u2026`;
  }
  return line;
}

export interface ProgressOptions {
  readonly mode: "bar" | "lines" | "none";
  readonly write: (s: string) => void;
  /** Plain-line mode: one line every this many seconds (and at the first and last iteration). */
  readonly everySeconds?: number;
  /** Bar mode: where the bar is drawn (default process.stderr). */
  readonly stream?: NodeJS.WriteStream;
}

export function makeReporter(o: ProgressOptions): Reporter {
  let bar: cliProgress.SingleBar | undefined;
  let startedAt = 0;
  let startIter = 0;
  let total = 0;
  let lastLine = 0;
  let ips = 0;
  let state: LineState | undefined;
  const stream = o.stream ?? process.stderr;
  /** Takes the bar's line away (its last state stays on screen) before anything else is written. */
  const pauseBar = () => {
    bar?.stop();
    bar = undefined;
  };
  const showBar = () => {
    if (bar || state === undefined) return;
    bar = new cliProgress.SingleBar({
      format: (_opts, params, payload: { state?: LineState }) => (payload.state ? progressLine(payload.state, params.maxWidth) : ""),
      stream,
      hideCursor: false,
      linewrap: true,
      gracefulExit: false,
      clearOnComplete: false,
      fps: 10,
    });
    bar.start(state.total, state.iter, { state });
  };
  return {
    info: (line) => {
      if (o.mode === "none") return;
      pauseBar();
      o.write(`gan-train: ${line}\n`);
    },
    notice: (line) => {
      pauseBar();
      o.write(`gan-train: ${line}\n`);
    },
    warn: (line) => {
      pauseBar();
      o.write(`gan-train: warning: ${line}\n`);
    },
    start(t, done) {
      startedAt = performance.now();
      startIter = done;
      total = t;
    },
    progress(row) {
      const iter = row["iter"]!;
      const rate = row["img_per_s"]!;
      ips = ips === 0 ? rate : 0.9 * ips + 0.1 * rate;
      const elapsed = (performance.now() - startedAt) / 1000;
      const perIter = elapsed / Math.max(1, iter - startIter);
      state = { iter, total, imgPerS: ips, etaText: eta((total - iter) * perIter), row };
      if (o.mode === "bar") {
        showBar();
        bar!.update(iter, { state });
        return;
      }
      if (o.mode === "none") return;
      const now = performance.now();
      if (iter === startIter + 1 || iter === total || now - lastLine >= (o.everySeconds ?? 10) * 1000) {
        lastLine = now;
        o.write(`[${iter}/${total}] epoch ${row["epoch"]}  ${parts(row, 4).join("  ")}  ${ips.toFixed(1)} img/s  ETA ${state.etaText}\n`);
      }
    },
    stop: pauseBar,
  };
}
