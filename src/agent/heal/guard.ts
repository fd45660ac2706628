/**
 * Where a repair may touch the node: only files inside the known certificate directories (node-paths.ts),
 * reached through real directories (a symlinked directory on the way is refused, so a swapped
 * /var/lib/kubelet/pki cannot redirect a write to /etc), never a CA's private key.
 */
import { lstatSync } from "node:fs";
import { join, posix } from "node:path";
import { isKnownCertificatePath } from "../node-paths.js";

/** Why `nodePath` may not be touched under `root`, or undefined when it may. */
export function refuseOutsideCertificateDirs(root: string, nodePath: string): string | undefined {
  if (!nodePath.startsWith("/") || posix.normalize(nodePath) !== nodePath || nodePath.includes("\0")) return `${nodePath} is not a normal absolute path`;
  if (!isKnownCertificatePath(nodePath)) return `${nodePath} is outside the node's known certificate directories`;
  const parts = nodePath.split("/").filter((p) => p.length > 0).slice(0, -1);
  let dir = root;
  for (const part of parts) {
    dir = join(dir, part);
    let isDir: boolean;
    try {
      const st = lstatSync(dir);
      if (st.isSymbolicLink()) return `${posix.join("/", ...parts.slice(0, parts.indexOf(part) + 1))} is a symbolic link: repairs never write through a linked directory`;
      isDir = st.isDirectory();
    } catch (err) {
      return `${dir} cannot be inspected (${(err as NodeJS.ErrnoException).code ?? "error"})`;
    }
    if (!isDir) return `${dir} is not a directory`;
  }
  return undefined;
}

/** The host path of a node path. */
export function hostPath(root: string, nodePath: string): string {
  return join(root, nodePath);
}

/** The node path of a host path under `root`, or undefined when it is not under it. */
export function nodePathOf(root: string, path: string): string | undefined {
  const base = root.endsWith("/") ? root.slice(0, -1) : root;
  if (base === "") return path.startsWith("/") ? path : undefined;
  return path.startsWith(`${base}/`) ? path.slice(base.length) : undefined;
}
