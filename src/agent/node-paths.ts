import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Where each distribution keeps its certificates, relative to the node root. `whole` roots are walked
 * recursively; `topFiles` takes only regular files directly inside (so /var/lib/kubelet's pod volumes and
 * K3s's container images are never walked).
 */
const NODE_ROOTS: ReadonlyArray<{ path: string; mode: "whole" | "topFiles" }> = [
  { path: "etc/kubernetes", mode: "whole" },
  { path: "var/lib/kubelet/pki", mode: "whole" },
  { path: "var/lib/kubelet", mode: "topFiles" },
  { path: "var/lib/kube-proxy", mode: "whole" },
  { path: "var/lib/rancher/k3s/server/tls", mode: "whole" },
  { path: "var/lib/rancher/k3s/agent", mode: "topFiles" },
  { path: "var/lib/rancher/rke2/server/tls", mode: "whole" },
  { path: "var/lib/rancher/rke2/agent", mode: "topFiles" },
  { path: "etc/rancher/k3s", mode: "whole" },
  { path: "etc/rancher/rke2", mode: "whole" },
  { path: "etc/kubeedge", mode: "whole" },
  { path: "srv/kubernetes", mode: "whole" },
  { path: "etc/etcd", mode: "whole" },
  { path: "etc/ssl/etcd", mode: "whole" },
  { path: "system/secrets", mode: "whole" },
];

const MAX_TOP_FILES = 256;

/** The paths to scan under `root`: existing layout roots, and for top-file roots their regular files. */
export function detectNodePaths(root: string): { paths: string[]; roots: string[] } {
  const paths: string[] = [];
  const roots: string[] = [];
  for (const { path, mode } of NODE_ROOTS) {
    const abs = join(root, path);
    if (!isDirectory(abs)) continue;
    roots.push(`/${path}`);
    if (mode === "whole") {
      paths.push(abs);
      continue;
    }
    try {
      const files = readdirSync(abs, { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(abs, e.name))
        .sort()
        .slice(0, MAX_TOP_FILES);
      paths.push(...files);
    } catch {
      // unreadable directory: nothing to add; the agent notes the missing layout by its absence
    }
  }
  return { paths, roots };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * True when `nodePath` (as the node names it, e.g. /var/lib/kubelet/pki/x.pem) is inside a known certificate
 * directory: below a whole root, or directly inside a top-files root. The only places a repair may write.
 */
export function isKnownCertificatePath(nodePath: string): boolean {
  return NODE_ROOTS.some(({ path, mode }) => {
    const dir = `/${path}`;
    if (!nodePath.startsWith(`${dir}/`)) return false;
    return mode === "whole" || !nodePath.slice(dir.length + 1).includes("/");
  });
}

/** True when `path` is `dir` or below it. */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}
