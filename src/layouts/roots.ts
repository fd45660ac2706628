import type { Distribution } from "./types.js";

interface LayoutRoot {
  /** Segment-aligned marker, with slashes on both ends. */
  marker: string;
  /** Distribution of a file below this root that no catalog entry names. */
  fallback(rooted: string): Distribution | undefined;
}

const ROOTS: readonly LayoutRoot[] = [
  { marker: "/etc/kubernetes/", fallback: (r) => (r.startsWith("/etc/kubernetes/pki/") ? "kubeadm" : undefined) },
  { marker: "/var/lib/kubelet/", fallback: () => "kubelet" },
  { marker: "/var/lib/rancher/", fallback: rancherDistribution },
  { marker: "/etc/rancher/", fallback: rancherDistribution },
  { marker: "/etc/kubeedge/", fallback: () => "kubeedge" },
  { marker: "/srv/kubernetes/", fallback: () => "kops" },
  { marker: "/var/lib/kube-proxy/", fallback: () => undefined },
  { marker: "/system/secrets/", fallback: () => "talos" },
  { marker: "/etc/etcd/", fallback: () => "etcd" },
  { marker: "/etc/ssl/etcd/", fallback: () => "etcd" },
];

function rancherDistribution(rooted: string): Distribution | undefined {
  if (/^\/(?:var\/lib|etc)\/rancher\/k3s\//.test(rooted)) return "k3s";
  if (/^\/(?:var\/lib|etc)\/rancher\/rke2\//.test(rooted)) return "rke2";
  return undefined;
}

export interface RootMatch {
  /** Path before the root: the node id ("" when the root is "/"). */
  node: string;
  /** Path from the root on, starting with the marker. */
  rooted: string;
  fallback: Distribution | undefined;
}

/**
 * Finds the layout root in an absolute POSIX path. When several roots occur, the LAST (rightmost)
 * wins: a dump directory may itself sit below a directory called `etc/kubernetes`, but a layout
 * never nests another layout's root inside itself.
 */
export function findLayoutRoot(path: string): RootMatch | undefined {
  let best: { index: number; root: LayoutRoot } | undefined;
  for (const root of ROOTS) {
    const index = path.lastIndexOf(root.marker);
    if (index >= 0 && (best === undefined || index > best.index)) best = { index, root };
  }
  if (best === undefined) return undefined;
  const rooted = path.slice(best.index);
  return { node: path.slice(0, best.index), rooted, fallback: best.root.fallback(rooted) };
}

/** The layout directories of the node at prefix `node` ("" for "/"): where a node's kubeconfigs may reference files. */
export function layoutDirs(node: string): string[] {
  return ROOTS.map((r) => `${node}${r.marker.slice(0, -1)}`);
}
