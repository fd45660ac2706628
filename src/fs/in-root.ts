import { lstatSync, readlinkSync } from "node:fs";
import { posix } from "node:path";

/** Symlink hops followed while resolving one path (the kernel's own limit is 40). */
const MAX_LINK_HOPS = 40;
const MAX_PATH_CHARS = 4096;

/**
 * Resolves `path` (absolute, as the process names it) inside `root` (e.g. /proc/PID/root), following
 * symlinks the way the process would: an absolute link target restarts at `root`, never at the agent's
 * own `/`, and `..` never climbs above `root`. Returns the host path to open, or undefined when a
 * component is missing, the path is not absolute, or there are too many links.
 */
export function resolveInRoot(root: string, path: string): string | undefined {
  if (!path.startsWith("/") || path.length > MAX_PATH_CHARS || path.includes("\0")) return undefined;
  let pending = path.split("/").filter((s) => s.length > 0);
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const candidate = posix.join(root, ...done, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(candidate).isSymbolicLink();
    } catch {
      return undefined;
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++hops > MAX_LINK_HOPS) return undefined;
    let target: string;
    try {
      target = readlinkSync(candidate);
    } catch {
      return undefined;
    }
    const targetParts = target.split("/").filter((s) => s.length > 0);
    if (target.startsWith("/")) done.length = 0;
    pending = [...targetParts, ...pending];
    if (pending.length > MAX_PATH_CHARS) return undefined;
  }
  return posix.join(root, ...done);
}
