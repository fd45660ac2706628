import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export interface AtomicWriteOptions {
  mode?: number;
  /** Keep the file being replaced as `<path>.bak` (a hard link, so the original is never absent). */
  backup?: boolean;
}

/**
 * Replaces `path` with `body` so that a crash leaves either the old or the new content, never a torn
 * file: write a temp file in the same directory, fsync it, rename it over `path`, fsync the directory.
 * Throws the file system's error (callers map it to their own error code).
 */
export function writeFileAtomic(path: string, body: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, "w", options.mode ?? 0o644);
  try {
    writeFileSync(fd, body);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  if (options.backup && existsSync(path)) {
    const bak = `${path}.bak`;
    if (existsSync(bak)) unlinkSync(bak);
    linkSync(path, bak);
  }
  renameSync(tmp, path);
  syncDirectory(dir);
}

/** Makes a rename or unlink in `dir` durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
