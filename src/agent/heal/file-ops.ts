/**
 * The file operations of repairs besides replacing content (which is the safe writer's writeFileAtomic):
 * a regular file swapped for a symlink in one rename, a file moved without ever clobbering, a hard-link
 * backup. Each is a single atomic step followed by a directory fsync: a crash leaves the old or the new
 * name, never a partial file.
 */
import { randomBytes } from "node:crypto";
import { linkSync, lstatSync, readdirSync, renameSync, symlinkSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isTempFileName, syncDirectory } from "../../fs/write-atomic.js";

/** The safe writer's temp-file prefix, so its crash clean-up (isTempFileName) also removes ours. */
const TEMP_PREFIX = ".certdoctor-tmp-";
const MAX_NAME_TRIES = 1000;

/** Makes `path` (a regular file or absent) a symlink to `linkTo` (relative to its directory): one rename. */
export function replaceWithSymlink(path: string, linkTo: string): void {
  const st = lstatOrUndefined(path);
  if (st !== undefined && !st.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: "ENOTREG" });
  const dir = dirname(path);
  const tmp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}-${basename(path).slice(0, 180)}`);
  symlinkSync(linkTo, tmp);
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkQuietly(tmp);
    throw err;
  }
  syncDirectory(dir);
}

/** A second name for `path`'s content (fails with EEXIST rather than replace anything). */
export function hardLink(path: string, newName: string): void {
  linkSync(path, newName);
  syncDirectory(dirname(newName));
}

/** Renames `from` to `to` only when `to` does not exist: a link then an unlink, so nothing is overwritten. */
export function moveNoClobber(from: string, to: string): void {
  linkSync(from, to);
  unlinkSync(from);
  syncDirectory(dirname(to));
  if (dirname(from) !== dirname(to)) syncDirectory(dirname(from));
}

/** Renames `from` over `to` (which may be a symlink: the rename replaces the directory entry, never writes through it). */
export function renameOver(from: string, to: string): void {
  renameSync(from, to);
  syncDirectory(dirname(to));
}

/** `<path>.<UTC stamp>.bak` (or `-1`, `-2`, ... on a clash): a name the scanner treats as a backup. */
export function backupName(path: string, now: Date, exists: (p: string) => boolean = (p) => lstatOrUndefined(p) !== undefined): string {
  const stamp = compactStamp(now);
  for (let i = 0; i < MAX_NAME_TRIES; i++) {
    const name = i === 0 ? `${path}.${stamp}.bak` : `${path}.${stamp}-${i}.bak`;
    if (!exists(name)) return name;
  }
  throw Object.assign(new Error(`no free backup name beside ${path}`), { code: "EEXIST" });
}

/** 20261201T000000Z */
export function compactStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

export function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/** Removes temp files and links a killed earlier run left beside `path` (the writer's names for it only). */
export function removeLeftoverTemps(path: string): string[] {
  const dir = dirname(path);
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!isTempFileName(name) || !name.endsWith(`-${basename(path).slice(0, 180)}`)) continue;
    const st = lstatOrUndefined(join(dir, name));
    if (st === undefined || !(st.isFile() || st.isSymbolicLink())) continue;
    unlinkSync(join(dir, name));
    removed.push(join(dir, name));
  }
  if (removed.length > 0) syncDirectory(dir);
  return removed;
}
