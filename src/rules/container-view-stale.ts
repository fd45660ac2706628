import type { Finding } from "../model/finding.js";
import type { InventoryCert } from "../model/inventory.js";
import { formatRef, kubeconfigEntry, makeRef, parseRef, processOf, type SourceRef } from "../model/ref.js";
import { expiryWindows } from "./cert-expiring.js";
import { makeFinding, type Rule } from "./rule.js";
import { humanDuration, isoDate } from "./support/describe.js";

interface ProcessLocation {
  comm: string;
  pid: string;
  /** The path the process sees, and its ref. */
  path: string;
  ref: SourceRef;
}

/** A `process:COMM[PID]:/path#key` ref of the node agent's process source. */
export function parseProcessRef(ref: string): ProcessLocation | undefined {
  const value = parseRef(ref);
  const proc = value === undefined ? undefined : processOf(value);
  if (proc === undefined || !isAbsolute(value!.location)) return undefined;
  return { ...proc, path: value!.location, ref: value! };
}

function isAbsolute(path: string): boolean {
  return path[0] === "/";
}

/** The node's own ref for what a process sees: the same path and key as a file or kubeconfig under `prefix`. */
function nodeRefOf(proc: ProcessLocation, prefix: string): string {
  const section = kubeconfigEntry(proc.ref)?.section;
  const kind = section === "users" || section === "clusters" ? "kubeconfig" : "file";
  return formatRef(makeRef(kind, `${prefix}${proc.path}`, proc.ref.key));
}

export const containerViewStale: Rule = {
  id: "container-view-stale",
  severity: "critical",
  title: "A process sees a different certificate than the node's file",
  explain: `A Kubernetes process (kube-proxy, kubelet, kube-apiserver, etcd, k3s, cloudcore, edgecore …) reads
its certificate or kubeconfig from inside its own mount namespace, and what it sees there is a different
certificate from the node's file at the same path. This is the kops kube-proxy story: the certificate was
renewed on the node, but the container mounts the file by inode (a \`hostPath\` of type \`File\`, or a bind
mount), so it keeps the old certificate until it restarts — and the node breaks when the old one expires,
although every file on disk looks fine. Found by \`certdoctor agent\`, which reads \`/proc/PID/root/<path>\`
for every process it recognises. A certificate a process holds only in its own container path, with no
node file at that path, is not reported. Critical when the process's copy is expired or inside its
expiry warning window, warning otherwise.

**Fix:** restart the pod or container so it mounts the current file — for a static pod (kops kube-proxy,
kubeadm control plane) move its manifest out of \`/etc/kubernetes/manifests\` and back or \`crictl stop\` the
container; for a DaemonSet pod \`kubectl -n kube-system delete pod <pod>\`; for a systemd service
\`systemctl restart <name>\`. To avoid it, mount the directory rather than the single file.`,
  check(inv, ctx) {
    const nodeRefs = new Map<string, InventoryCert>();
    const prefixes = new Set<string>([""]);
    for (const cert of inv.certs) {
      for (const loc of cert.locations) {
        const kind = parseRef(loc.ref)?.kind;
        if (loc.backup || (kind !== "file" && kind !== "kubeconfig")) continue;
        nodeRefs.set(loc.ref, cert);
        if (loc.node !== undefined) prefixes.add(loc.node);
      }
    }
    // The node root is the shortest node prefix that holds the same path (the agent's --root).
    const ordered = [...prefixes].sort((a, b) => a.length - b.length || a.localeCompare(b));
    const out: Finding[] = [];
    for (const cert of inv.certs) {
      for (const loc of cert.locations) {
        const proc = parseProcessRef(loc.ref);
        if (proc === undefined) continue;
        let node: { ref: string; cert: InventoryCert } | undefined;
        for (const prefix of ordered) {
          const ref = nodeRefOf(proc, prefix);
          const hit = nodeRefs.get(ref);
          if (hit !== undefined) {
            node = { ref, cert: hit };
            break;
          }
        }
        if (node === undefined || node.cert === cert) continue;
        out.push(staleFinding(this, cert, loc.ref, proc, node, ctx.now, expiryWindows(cert, ctx).warnMs));
      }
    }
    return out;
  },
};

function staleFinding(
  rule: Rule,
  seen: InventoryCert,
  seenRef: string,
  proc: ProcessLocation,
  node: { ref: string; cert: InventoryCert },
  now: number,
  warnMs: number,
): Finding {
  const s = seen.record;
  const n = node.cert.record;
  const left = s.notAfter - now;
  const nodeNewer = n.notBefore > s.notBefore || (n.notBefore === s.notBefore && n.notAfter > s.notAfter);
  const entry = kubeconfigEntry(proc.ref);
  const what = entry?.section === "users" ? `client certificate of kubeconfig user ${entry.name}` : entry?.section === "clusters" ? `CA of kubeconfig cluster ${entry.name}` : "certificate";
  const expiry = left < 0 ? `expired on ${isoDate(s.notAfter)}, ${humanDuration(-left)} ago` : `expires on ${isoDate(s.notAfter)}, in ${humanDuration(left)}`;
  const age = nodeNewer
    ? `The node's copy is newer (issued ${isoDate(n.notBefore)}, ${humanDuration(n.notBefore - s.notBefore)} after the process's): the file was renewed, but ${proc.comm} still sees the old one until it restarts.`
    : `The process's copy is the newer one (issued ${isoDate(s.notBefore)}; the node's ${isoDate(n.notBefore)}): the node's file was replaced by an older certificate (a restored backup?) or the container mounts a different source.`;
  return makeFinding(rule, {
    severity: left <= warnMs ? "critical" : "warning",
    title: `${proc.comm} (pid ${proc.pid}) sees a stale ${proc.path}`,
    detail: `${proc.comm} (pid ${proc.pid}) reads ${proc.path} from its own mount namespace, and the ${what} there (${s.subject}, serial ${s.serialNumber}) is not the one in the node's file at the same path (${n.subject}, serial ${n.serialNumber}, expires on ${isoDate(n.notAfter)}). ${age} What the process uses ${expiry}; at that point it fails with "x509: certificate has expired or is not yet valid".`,
    remediation: `Restart ${proc.comm} so it mounts the node's current ${proc.path}: for a static pod (kops kube-proxy, kubeadm control plane) move its manifest out of /etc/kubernetes/manifests and back or \`crictl stop\` its container; for a DaemonSet pod \`kubectl -n kube-system delete pod <pod>\`; for a systemd service \`systemctl restart ${proc.comm}\`. Then run the agent again to confirm.`,
    certificates: [s.fingerprint, n.fingerprint],
    locations: [seenRef, node.ref],
    ...(left > 0 ? { breaksAt: s.notAfter } : {}),
  });
}
