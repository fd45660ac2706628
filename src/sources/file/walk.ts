import { fileRef, formatRef } from "../../model/ref.js";
import { lstatSync, opendirSync, statSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { confineTo, isInside, isSystemPath, KERNEL_DIRS, resolvePath } from "../../fs/confine.js";
import type { ScanIssue } from "../../model/issue.js";
import type { Confinement, FileEntry, ReadContext } from "../../model/scan.js";
import { compileExclude, hostPseudoFilesystems, type WalkFilter } from "./walk-filter.js";

export type { WalkFilter } from "./walk-filter.js";

export type { FileEntry };

/** Directory listings larger than this are read in sorted chunks of names only, never as Dirent arrays. */
const MAX_DIR_ENTRIES = 1_000_000;

/** One walk's fixed inputs and its loop bookkeeping. */
interface Walk {
  ctx: ReadContext;
  confine: Confinement;
  root: string;
  rootDev: number;
  excluded?: (path: string, root: string) => boolean;
  oneFileSystem: boolean;
  pseudoDevices: ReadonlySet<number>;
  /** No mount table was readable: the usual pseudo-filesystem paths (/proc, /sys) are refused by path as well. */
  pseudoByPath: boolean;
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
 * are left out (see walk-filter.ts); a root is always walked. Symlinks resolve through the one resolver
 * (fs/confine.ts: inside the node root under the agent's --root) and are followed only while they stay
 * inside the roots (a link into another root is fine), unless --follow-symlinks-out; never into /proc
 * or /sys. A link out is an ERR_SOURCE_OUTSIDE_ROOT note. A missing root throws ERR_PATH_NOT_FOUND;
 * everything else becomes a ScanIssue.
 */
export async function* walkPaths(
  roots: string[],
  ctx: ReadContext,
  filter: WalkFilter = {},
  onDirectory?: (path: string) => void,
): AsyncGenerator<FileEntry | ScanIssue> {
  const absRoots = roots.map((r) => resolve(r));
  const confine = ctx.confine ?? confineTo(absRoots);
  const realRoots = absRoots.map((root) => {
    const real = resolvePath(root, confine.nodeRoot);
    if (real !== undefined) return real;
    let cause: unknown;
    try {
      statSync(root);
    } catch (err) {
      cause = err;
    }
    throw new CertdoctorError(ErrorCode.ERR_PATH_NOT_FOUND, `path not found: ${root}`, { cause });
  });
  const rootDevs = realRoots.map((real, i) => {
    try {
      return statSync(real).dev;
    } catch (err) {
      throw new CertdoctorError(ErrorCode.ERR_PATH_NOT_FOUND, `path not found: ${absRoots[i]}`, { cause: err });
    }
  });
  const excluded = filter.exclude !== undefined && filter.exclude.length > 0 ? compileExclude(filter.exclude) : undefined;
  const pseudo = filter.pseudoFilesystems ?? hostPseudoFilesystems();
  const pseudoDevices = pseudo.devices;
  const pseudoByPath = !pseudo.fromMountTable;
  const walked = new Set<string>();
  for (const [i, root] of absRoots.entries()) {
    const walk: Walk = { ctx, confine, root, rootDev: rootDevs[i]!, excluded, oneFileSystem: filter.oneFileSystem === true, pseudoDevices, pseudoByPath, walked, onPath: [], onDirectory };
    yield* walkEntry(walk, { path: root, real: realRoots[i]!, symlink: isLinkAsNamed(root, confine) }, 0);
  }
}

/** An entry as reached (`path`, for refs) and as opened (`real`: every symlink on the way resolved). */
interface Reached {
  path: string;
  real: string;
  /** Known for roots; else read from lstat. */
  symlink?: boolean;
  /** The directory listing says it is a regular file: no stat per file on the main thread. */
  regularFile?: boolean;
}

async function* walkEntry(walk: Walk, at: Reached, depth: number): AsyncGenerator<FileEntry | ScanIssue> {
  const { ctx, confine } = walk;
  const { path } = at;
  let real = at.real;
  if (isAborted(ctx)) return;
  if (depth > 0 && walk.excluded?.(path, walk.root) === true) return;
  if (at.regularFile) {
    yield entryOf(path, real, false);
    return;
  }
  let symlink = at.symlink ?? false;
  let stats: Stats;
  try {
    const link = lstatSync(real);
    if (link.isSymbolicLink()) {
      symlink = true;
      const target = resolvePath(real, confine.nodeRoot);
      if (target === undefined) {
        yield confine.nodeRoot === undefined ? fsIssue(path, statError(real)) : { code: ErrorCode.ERR_SOURCE_UNREADABLE, ref: formatRef(fileRef(path)), message: "dangling symlink, a symlink loop, or too many links (resolved inside the node root)", material: false };
        return;
      }
      // stat only: nothing below a link is opened before the pseudo-filesystem and confinement checks.
      const targetStats = statSync(target);
      if (isPseudoFilesystem(walk, target, targetStats.dev)) {
        yield { code: ErrorCode.ERR_SOURCE_SKIPPED, ref: formatRef(fileRef(path)), message: "not descended: a kernel pseudo-filesystem (a symlink into /proc, /sys or /dev is never followed)", material: false };
        return;
      }
      if (!confine.followSymlinksOut && !isInside(target, confine.roots)) {
        yield { code: ErrorCode.ERR_SOURCE_OUTSIDE_ROOT, ref: formatRef(fileRef(path)), message: `symlink to ${target} leads out of the scanned paths; not followed (--follow-symlinks-out follows it)`, material: false };
        return;
      }
      real = target;
      stats = targetStats;
    } else {
      stats = at.symlink === undefined ? link : statSync(real);
    }
  } catch (err) {
    yield fsIssue(path, err);
    return;
  }
  if (stats.isFile()) {
    if (stats.size > ctx.limits.maxFileBytes) {
      yield { code: ErrorCode.ERR_FILE_TOO_LARGE, ref: formatRef(fileRef(path)), message: `skipped: ${stats.size} bytes is over the ${ctx.limits.maxFileBytes} byte limit`, material: false };
      return;
    }
    yield { ...entryOf(path, real, symlink), size: stats.size };
    return;
  }
  if (!stats.isDirectory()) return; // sockets, fifos, devices
  if (depth > 0 && stats.dev !== walk.rootDev) {
    if (isPseudoFilesystem(walk, real, stats.dev)) {
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
    names = listNames(real);
  } catch (err) {
    yield fsIssue(path, err);
    return;
  }
  walk.onDirectory?.(path);
  walk.onPath.push(id);
  for (const { name, regularFile } of names) {
    if (isAborted(ctx)) break;
    yield* walkEntry(walk, { path: join(path, name), real: join(real, name), regularFile }, depth + 1);
  }
  walk.onPath.pop();
  // Let cancellation and other tasks in between large directories.
  await Promise.resolve();
}

/** The one pseudo-filesystem test, for links and for descent: the device, and the path only where no mount table was read. */
function isPseudoFilesystem(walk: Walk, real: string, dev: number): boolean {
  return walk.pseudoDevices.has(dev) || (walk.pseudoByPath && isSystemPath(real, walk.confine, KERNEL_DIRS));
}

function entryOf(path: string, real: string, symlink: boolean): FileEntry {
  return real === path ? { path, symlink } : { path, symlink, real };
}

/** Whether a root, as the user named it, is itself a symlink (its parents resolved first under a node root). */
function isLinkAsNamed(root: string, confine: Confinement): boolean {
  const parent = confine.nodeRoot === undefined ? dirname(root) : resolvePath(dirname(root), confine.nodeRoot);
  if (parent === undefined) return false;
  try {
    return lstatSync(join(parent, basename(root))).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Why a link does not resolve, as the system says it (ENOENT: dangling, ELOOP: a loop). */
function statError(path: string): unknown {
  try {
    statSync(path);
    return Object.assign(new Error("unresolvable"), { code: "ELOOP" });
  } catch (err) {
    return err;
  }
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
