// Writes a file so that a crash at any moment leaves either the old file or the new one,
// never half of either: write a temporary file beside it, fsync it, rename it over the
// target (atomic on POSIX file systems), then fsync the folder so the rename is durable.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let fd = -1;
  try {
    fd = openSync(tmp, "w");
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename itself is still atomic.
  }
}
