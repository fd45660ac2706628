/**
 * Reads never leave the paths certdoctor was given. One resolver for every path the scan opens: symlinks
 * resolve on the host (`realpath`) or, under the agent's --root, inside the node root (an absolute link
 * target restarts at the root, `..` never climbs above it: in-root.ts). A resolved path is then checked
 * against the scanned roots; /proc, /sys and /dev are never read, whatever the roots.
 */
import { realpathSync } from "node:fs";
import { posix, resolve } from "node:path";
import type { Confinement } from "../model/scan.js";
import { resolveInRoot } from "./in-root.js";

/** Never read: kernel state and devices. The walker leaves /dev to its pseudo-filesystem check (a link into /dev/shm is a link to tmpfs). */
export const SYSTEM_DIRS: readonly string[] = ["/proc", "/sys", "/dev"];
export const KERNEL_DIRS: readonly string[] = ["/proc", "/sys"];

/** `path` with every symlink resolved (inside `nodeRoot` when given); undefined when it does not exist, loops or leaves `nodeRoot`. */
export function resolvePath(path: string, nodeRoot: string | undefined): string | undefined {
  const abs = resolve(path);
  if (nodeRoot === undefined) {
    try {
      return realpathSync(abs);
    } catch {
      return undefined;
    }
  }
  const root = resolve(nodeRoot);
  if (!isInside(abs, [root])) return undefined;
  return resolveInRoot(root, abs === root ? "/" : abs.slice(root === "/" ? 0 : root.length));
}

/** An absolute path as the node names it (`/var/lib/kubelet/x`), as certdoctor opens it: under `nodeRoot`, resolved. */
export function resolveNodePath(nodePath: string, nodeRoot: string | undefined): string | undefined {
  if (nodeRoot === undefined) return resolvePath(nodePath, undefined);
  return resolveInRoot(resolve(nodeRoot), nodePath);
}

/** True when `path` is one of `dirs` or below one (segment-aligned: /etc/kubernetes2 is not below /etc/kubernetes). */
export function isInside(path: string, dirs: readonly string[]): boolean {
  return dirs.some((d) => path === d || path.startsWith(d === "/" ? "/" : `${d}/`));
}

/** True for `dirs` (default /proc, /sys and /dev) on the host and in the node root: never read, even when a root contains them. */
export function isSystemPath(resolved: string, confine: Confinement | undefined, dirs: readonly string[] = SYSTEM_DIRS): boolean {
  const bases = confine?.nodeRoot === undefined ? [""] : ["", resolve(confine.nodeRoot).replace(/\/$/, "")];
  return bases.some((b) => isInside(resolved, dirs.map((d) => posix.join(b || "/", d))));
}

/** The confinement of a scan over `paths`: each root resolved once. A root that does not resolve is kept as given (the walker reports it). */
export function confineTo(paths: readonly string[], options: { nodeRoot?: string; followSymlinksOut?: boolean } = {}): Confinement {
  const roots = paths.map((p) => resolvePath(p, options.nodeRoot) ?? resolve(p));
  return {
    roots,
    ...(options.nodeRoot === undefined ? {} : { nodeRoot: resolve(options.nodeRoot) }),
    ...(options.followSymlinksOut ? { followSymlinksOut: true } : {}),
  };
}
