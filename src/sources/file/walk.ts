import { fileRef, formatRef } from "../../model/ref.js";
import { lstatSync, opendirSync, statSync, type Stats } from "node:fs";
import { join, resolve } from "node:path";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { ScanIssue } from "../../model/issue.js";
import type { FileEntry, ReadContext } from "../../model/scan.js";
import { compileExclude, hostPseudoDevices, type WalkFilter } from "./walk-filter.js";

export type { WalkFilter } from "./walk-filter.js";

export type { FileEntry };

/** Directory listings larger than this are read in sorted chunks of names only, never as Dirent arrays. */
const MAX_DIR_ENTRIES = 1_000_000;

/** One walk's fixed inputs and its loop bookkeeping. */
interface Walk {
  ctx: ReadContext;
  root: string;
  rootDev: number;
  excluded?: (path: string, root: string) => boolean;
  oneFileSystem: boolean;
  pseudoDevices: ReadonlySet<number>;
  /** Directories already walked, by dev:ino, across all roots. */
  walked: Set<string>;
  /** dev:ino of the directories on the current path (loop detection). */
  onPath: string[];
  onDirectory?: (path: string) => void;
}

/**
 * Walks files below `roots` in sorted order, following symlinks with loop protection (a directory
 * already on the current path, by dev:ino, is a loop; one already walked elsewhere is skipped quietly).
 * Pseudo-filesystems reached by descent, other filesystems with `oneFileSystem` and `exclude` matches
 * are left out (see walk-filter.ts); a root is always walked. A missing root throws ERR_PATH_NOT_FOUND;
 * everything else becomes a ScanIssue.
 */
export async function* walkPaths(
  roots: string[],
  ctx: ReadContext,
  filter: WalkFilter = {},
  onDirectory?: (path: string) => void,
): AsyncGenerator<FileEntry | ScanIssue> {
  const absRoots = roots.map((r) => resolve(r));
  const rootDevs = absRoots.map((root) => {
    try {
      return statSync(root).dev;
    } catch (err) {
      throw new CertdoctorError(ErrorCode.ERR_PATH_NOT_FOUND, `path not found: ${root}`, { cause: err });
    }
  });
  const excluded = filter.exclude !== undefined && filter.exclude.length > 0 ? compileExclude(filter.exclude) : undefined;
  const pseudoDevices = filter.pseudoDevices ?? hostPseudoDevices();
  const walked = new Set<string>();
  for (const [i, root] of absRoots.entries()) {
    const walk: Walk = { ctx, root, rootDev: rootDevs[i]!, excluded, oneFileSystem: filter.oneFileSystem === true, pseudoDevices, walked, onPath: [], onDirectory };
    yield* walkEntry(walk, root, 0, false);
  }
}

async function* walkEntry(walk: Walk, path: string, depth: number, regularFile: boolean): AsyncGenerator<FileEntry | ScanIssue> {
  const { ctx } = walk;
  if (isAborted(ctx)) return;
  if (depth > 0 && walk.excluded?.(path, walk.root) === true) return;
  if (regularFile) {
    // The directory listing already says it is a regular file: no stat per file on the main thread.
    yield { path, symlink: false };
    return;
  }
  let link: Stats;
  let stats: Stats;
  try {
    link = lstatSync(path);
    stats = link.isSymbolicLink() ? statSync(path) : link;
  } catch (err) {
    yield fsIssue(path, err);
    return;
  }
  const symlink = link.isSymbolicLink();
  if (stats.isFile()) {
    if (stats.size > ctx.limits.maxFileBytes) {
      yield { code: ErrorCode.ERR_FILE_TOO_LARGE, ref: formatRef(fileRef(path)), message: `skipped: ${stats.size} bytes is over the ${ctx.limits.maxFileBytes} byte limit`, material: false };
      return;
    }
    yield { path, symlink, size: stats.size };
    return;
  }
  if (!stats.isDirectory()) return; // sockets, fifos, devices
  if (depth > 0 && stats.dev !== walk.rootDev) {
    if (walk.pseudoDevices.has(stats.dev)) {
      yield { code: ErrorCode.ERR_SOURCE_SKIPPED, ref: formatRef(fileRef(path)), message: "not descended: a kernel pseudo-filesystem (name it as a path to scan it)", material: false };
      return;
    }
    if (walk.oneFileSystem) {
      yield { code: ErrorCode.ERR_SOURCE_SKIPPED, ref: formatRef(fileRef(path)), message: "not descended: another filesystem (--one-file-system)", material: false };
      return;
    }
  }
  const id = `${stats.dev}:${stats.ino}`;
  if (walk.onPath.includes(id)) {
    yield { code: ErrorCode.ERR_SOURCE_SYMLINK_LOOP, ref: formatRef(fileRef(path)), message: "symlink loop: directory is its own ancestor", material: false };
    return;
  }
  if (walk.walked.has(id)) return; // reached again through another link: already scanned
  walk.walked.add(id);
  if (depth >= ctx.limits.maxDepth) {
    yield { code: ErrorCode.ERR_SOURCE_UNREADABLE, ref: formatRef(fileRef(path)), message: `not descended: deeper than ${ctx.limits.maxDepth} levels`, material: false };
    return;
  }
  let names: Array<{ name: string; regularFile: boolean }>;
  try {
    names = listNames(path);
  } catch (err) {
    yield fsIssue(path, err);
    return;
  }
  walk.onDirectory?.(path);
  walk.onPath.push(id);
  for (const { name, regularFile } of names) {
    if (isAborted(ctx)) break;
    yield* walkEntry(walk, join(path, name), depth + 1, regularFile);
  }
  walk.onPath.pop();
  // Let cancellation and other tasks in between large directories.
  await Promise.resolve();
}

function isAborted(ctx: ReadContext): boolean {
  return ctx.signal?.aborted === true;
}

function listNames(dir: string): Array<{ name: string; regularFile: boolean }> {
  const names: Array<{ name: string; regularFile: boolean }> = [];
  const handle = opendirSync(dir);
  try {
    for (let d = handle.readSync(); d !== null && names.length < MAX_DIR_ENTRIES; d = handle.readSync()) {
      names.push({ name: d.name, regularFile: d.isFile() });
    }
  } finally {
    handle.closeSync();
  }
  return names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function fsIssue(path: string, err: unknown): ScanIssue {
  const code = (err as NodeJS.ErrnoException).code;
  const ref = formatRef(fileRef(path));
  if (code === "EACCES" || code === "EPERM") return { code: ErrorCode.ERR_SOURCE_PERMISSION_DENIED, ref, message: "permission denied", material: false };
  if (code === "ELOOP") return { code: ErrorCode.ERR_SOURCE_SYMLINK_LOOP, ref, message: "symlink loop", material: false };
  if (code === "ENOENT") return { code: ErrorCode.ERR_SOURCE_UNREADABLE, ref, message: "dangling symlink or vanished file", material: false };
  return { code: ErrorCode.ERR_SOURCE_UNREADABLE, ref, message: `unreadable (${code ?? "unknown error"})`, material: false };
}
