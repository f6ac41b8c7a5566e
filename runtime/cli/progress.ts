// Progress of a training run: a cli-progress bar with the losses, img/s and ETA on a
// terminal; plain periodic lines when stderr is not a TTY (CI, log files), so a log never
// fills with carriage returns.
import cliProgress from "cli-progress";
import type { Reporter, Row } from "../train/trainer.ts";

const num = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "-" : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));

function summary(row: Row): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith("loss_")) parts.push(`${k.slice(5)} ${num(v)}`);
  }
  const scores = Object.entries(row).filter(([k]) => k.startsWith("score_"));
  for (const [k, v] of scores) parts.push(`${k.slice(6)} ${num(v)}`);
  return parts.join("  ");
}

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s % 60).padStart(2, "0")}s`;
}

export interface ProgressOptions {
  readonly mode: "bar" | "lines" | "none";
  readonly write: (s: string) => void;
  /** Plain-line mode: one line every this many seconds (and at the first and last iteration). */
  readonly everySeconds?: number;
}

export function makeReporter(o: ProgressOptions): Reporter {
  let bar: cliProgress.SingleBar | undefined;
  let startedAt = 0;
  let startIter = 0;
  let lastLine = 0;
  let ips = 0;
  return {
    info: (line) => o.mode !== "none" && o.write(`gan-train: ${line}\n`),
    warn: (line) => {
      if (bar) bar.stop();
      o.write(`gan-train: warning: ${line}\n`);
      if (bar) bar = undefined;
    },
    start(total, done) {
      startedAt = performance.now();
      startIter = done;
      if (o.mode === "bar") {
        bar = new cliProgress.SingleBar(
          { format: " {bar} {value}/{total} | {stats} | {ips} img/s | ETA {etaText}", hideCursor: true, stream: process.stderr, barsize: 24, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { stats: "", ips: "-", etaText: "-" });
      }
    },
    progress(row, total) {
      const iter = row["iter"]!;
      const rate = row["img_per_s"]!;
      ips = ips === 0 ? rate : 0.9 * ips + 0.1 * rate;
      const elapsed = (performance.now() - startedAt) / 1000;
      const perIter = elapsed / Math.max(1, iter - startIter);
      const left = eta((total - iter) * perIter);
      if (o.mode === "bar") {
        if (!bar) this.start(total, iter);
        bar!.update(iter, { stats: summary(row), ips: ips.toFixed(1), etaText: left });
        return;
      }
      if (o.mode === "none") return;
      const now = performance.now();
      if (iter === startIter + 1 || iter === total || now - lastLine >= (o.everySeconds ?? 10) * 1000) {
        lastLine = now;
        o.write(`[${iter}/${total}] epoch ${row["epoch"]}  ${summary(row)}  ${ips.toFixed(1)} img/s  ETA ${left}\n`);
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
