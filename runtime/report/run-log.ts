// The per-iteration log of a training run: `log.csv` (header + one line per row, numbers
// with up to 6 significant digits) and `log.jsonl` (one JSON object per line, full
// precision) in the run folder. Rows are appended and flushed line by line, so a crash loses
// at most the line being written; on resume the files are cut back to the resumed
// iteration (rewritten atomically) and appending continues.
//
// Columns: `iter` (1-based), `epoch`, `time` (seconds since start), `img_per_s`, then
// `loss_<Model>` per trained model, then `score_<text>` (e.g. `score_D(fake)@G`). They are
// fixed when the log is opened (or by the first row when opened with no columns).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";

export type Row = Record<string, number>;

export const LOG_CSV = "log.csv";
export const LOG_JSONL = "log.jsonl";
export const BASE_COLUMNS = ["iter", "epoch", "time", "img_per_s"] as const;

/** The quality score's columns (runtime/eval/quality.ts), filled at the iterations it is computed. */
export const QUALITY_COLUMNS = ["fld", "kid", "kid_std"] as const;

/**
 * The column list in the canonical order: base columns, `loss_<model>`, `score_<name>`, the
 * quality score, then `part_<step>:<term>` (the terms of losses that are sums).
 */
export function logColumns(models: readonly string[], scores: readonly string[], quality = false, parts: readonly string[] = []): string[] {
  return [...BASE_COLUMNS, ...models.map((m) => `loss_${m}`), ...scores.map((s) => `score_${s}`), ...(quality ? QUALITY_COLUMNS : []), ...parts.map((p) => `part_${p}`)];
}

// ---------------------------------------------------------------------------------------
// CSV (RFC 4180 quoting; lines end in "\n")

/** Quotes a field when it holds anything beyond [A-Za-z0-9_.+-]; inner quotes are doubled. */
export function csvField(s: string): string {
  if (/^[A-Za-z0-9_.+-]*$/.test(s) && s !== "") return s;
  return `"${s.replace(/"/g, '""')}"`;
}

/** A number with up to 6 significant digits; integers (iter, epoch) stay exact. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  return String(Number(x.toPrecision(6)));
}

function csvLine(columns: readonly string[], row: Row): string {
  return columns.map((c) => (c in row ? formatNumber(row[c] as number) : "")).join(",") + "\n";
}

function csvHeader(columns: readonly string[]): string {
  return columns.map(csvField).join(",") + "\n";
}

/**
 * Parses RFC 4180 CSV (quoted fields may hold commas, doubled quotes and line breaks;
 * accepts "\n" and "\r\n"). A last record without a line break is still returned.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let rec: string[] = [];
  let field = "";
  let i = 0;
  let inQuotes = false;
  let fieldStarted = false;
  const n = text.length;
  while (i < n) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      inQuotes = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (ch === ",") {
      rec.push(field);
      field = "";
      fieldStarted = false;
      i++;
      continue;
    }
    if (ch === "\n" || ch === "\r") {
      rec.push(field);
      records.push(rec);
      rec = [];
      field = "";
      fieldStarted = false;
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
      continue;
    }
    field += ch;
    fieldStarted = true;
    i++;
  }
  if (fieldStarted || rec.length > 0) {
    rec.push(field);
    records.push(rec);
  }
  return records;
}

// ---------------------------------------------------------------------------------------
// Reading back an existing log (for resume)

function numberOrNaN(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "") {
    const x = Number(v);
    return x;
  }
  return NaN;
}

function readJsonl(path: string): { columns: string[]; rows: Row[] } {
  const rows: Row[] = [];
  let columns: string[] = [];
  if (!existsSync(path)) return { columns, rows };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { columns, rows };
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      continue; // a torn or garbled line: skip it
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) continue;
    const rec = obj as Record<string, unknown>;
    if (typeof rec.iter !== "number" || !Number.isFinite(rec.iter)) continue;
    const row: Row = {};
    for (const [k, v] of Object.entries(rec)) {
      if (v === null || typeof v === "number") row[k] = v === null ? NaN : v;
    }
    if (columns.length === 0) columns = Object.keys(row);
    rows.push(row);
  }
  return { columns, rows };
}

function readCsv(path: string): { columns: string[]; rows: Row[] } {
  const rows: Row[] = [];
  if (!existsSync(path)) return { columns: [], rows };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { columns: [], rows };
  }
  // A last line without "\n" may be torn by a crash: drop it.
  const cut = text.lastIndexOf("\n");
  const body = cut < 0 ? "" : text.slice(0, cut + 1);
  const records = parseCsv(body);
  const header = records[0];
  if (!header || !header.includes("iter")) return { columns: [], rows };
  for (const rec of records.slice(1)) {
    if (rec.length !== header.length) continue;
    const row: Row = {};
    let ok = true;
    header.forEach((c, j) => {
      const cell = rec[j] as string;
      if (cell.trim() === "") return; // not computed at this iteration
      const x = numberOrNaN(cell);
      if (cell.trim() !== "" && Number.isNaN(x) && cell.trim() !== "NaN") ok = false;
      row[c] = x;
    });
    if (!ok || !Number.isFinite(row.iter)) continue;
    rows.push(row);
  }
  return { columns: header, rows };
}

/** Reads a run folder's log (JSONL preferred for its precision, else CSV); never throws. */
export function readRunLog(dir: string): { columns: string[]; rows: Row[] } {
  const j = readJsonl(join(dir, LOG_JSONL));
  const c = readCsv(join(dir, LOG_CSV));
  return c.rows.length > j.rows.length ? c : j.rows.length > 0 ? j : c;
}

// ---------------------------------------------------------------------------------------

function jsonLine(columns: readonly string[], row: Row): string {
  const obj: Record<string, number | null> = {};
  for (const c of columns) {
    const v = row[c];
    if (v === undefined) continue; // not computed at this iteration (the quality score): absent, as the CSV's empty cell
    obj[c] = !Number.isFinite(v) ? null : v;
  }
  return JSON.stringify(obj) + "\n";
}

export class RunLog {
  private csvFd = -1;
  private jsonFd = -1;
  private cols: string[] | null;
  private readonly data: Row[];

  private constructor(
    readonly dir: string,
    columns: string[] | null,
    rows: Row[],
  ) {
    this.cols = columns;
    this.data = rows;
  }

  /**
   * Opens the log in `dir` (created if missing). `resumeAt === null` starts a fresh log
   * (existing files are replaced); `resumeAt = k` keeps the readable rows with iter <= k
   * from the existing files, rewrites both files atomically with only those and appends
   * after them. An empty `columns` takes them from the resumed log, else from the first row.
   */
  static open(dir: string, columns: readonly string[], resumeAt: number | null): RunLog {
    mkdirSync(dir, { recursive: true });
    // A model trained in two steps would name its loss column twice: keep one.
    let cols: string[] | null = columns.length > 0 ? [...new Set(columns)] : null;
    let kept: Row[] = [];
    if (resumeAt !== null) {
      const old = readRunLog(dir);
      if (!cols && old.columns.length > 0) cols = old.columns;
      kept = old.rows.filter((r) => (r.iter as number) <= resumeAt);
      if (cols) {
        const c = cols;
        kept = kept.map((r) => {
          const out: Row = {};
          for (const k of c) if (k in r) out[k] = r[k] as number; // a column the row did not have stays empty
          return out;
        });
      }
    }
    const log = new RunLog(dir, cols, kept);
    log.rewrite();
    return log;
  }

  get columns(): readonly string[] {
    return this.cols ?? [];
  }

  private rewrite(): void {
    const cols = this.cols;
    if (cols) {
      writeFileAtomic(join(this.dir, LOG_CSV), csvHeader(cols) + this.data.map((r) => csvLine(cols, r)).join(""));
      writeFileAtomic(join(this.dir, LOG_JSONL), this.data.map((r) => jsonLine(cols, r)).join(""));
    } else {
      writeFileAtomic(join(this.dir, LOG_CSV), "");
      writeFileAtomic(join(this.dir, LOG_JSONL), "");
    }
    this.csvFd = openSync(join(this.dir, LOG_CSV), "a");
    this.jsonFd = openSync(join(this.dir, LOG_JSONL), "a");
  }

  /** Appends one row (flushed to the OS at once). Keys outside the columns are an error. */
  append(row: Readonly<Row>): void {
    if (this.csvFd < 0) throw new Error("RunLog: append after close");
    if (!this.cols) {
      this.cols = Object.keys(row);
      writeSync(this.csvFd, csvHeader(this.cols));
    }
    const cols = this.cols;
    for (const k of Object.keys(row)) {
      if (!cols.includes(k)) throw new Error(`RunLog: column '${k}' is not in the log's columns (${cols.join(", ")})`);
    }
    if (typeof row.iter !== "number") throw new Error("RunLog: a row needs 'iter'");
    const copy: Row = {};
    for (const c of cols) copy[c] = c in row ? (row[c] as number) : NaN;
    writeSync(this.csvFd, csvLine(cols, row));
    writeSync(this.jsonFd, jsonLine(cols, row));
    this.data.push(copy);
  }

  rows(): readonly Row[] {
    return this.data;
  }

  close(): void {
    if (this.csvFd >= 0) closeSync(this.csvFd);
    if (this.jsonFd >= 0) closeSync(this.jsonFd);
    this.csvFd = -1;
    this.jsonFd = -1;
  }
}
