import type { Finding } from "../model/finding.js";
import type { KubeCsrItem } from "../model/items.js";
import { conditionOf, isDecided, KUBELET_SERVING_SIGNER } from "./support/csr.js";
import { DAY_MS, makeFinding, type Rule } from "./rule.js";
import { humanDuration } from "./support/describe.js";

/** Pending kubelet-serving CSRs (older than this) that make a pile. */
export const PILE_UP_COUNT = 3;
const PENDING_AFTER_MS = 5 * 60_000;
/** An approval this recent means an approver is acting. */
const RECENT_APPROVAL_MS = DAY_MS;

export const csrUnapprovedKubeletServing: Rule = {
  id: "csr-unapproved-kubelet-serving",
  severity: "critical",
  title: "Kubelet serving CSRs pile up: no approver is acting",
  explain: `Several \`kubernetes.io/kubelet-serving\` CertificateSigningRequests are pending and none has been approved
in the last 24 hours. Kubelets with serving-certificate rotation on (\`serverTLSBootstrap: true\`,
\`rotate-server-certificates\`; the Talos default) ask for a serving certificate and re-ask every few minutes;
kube-controller-manager never approves these. With no approver running, CSRs keep piling up and every such node
lacks a valid serving certificate: \`kubectl logs/exec/port-forward\`, metrics-server and Prometheus scraping of
the kubelet fail with \`remote error: tls: internal error\`. \`csr-pending\` lists each request; this finding is
about the missing approver. Requesters are resolved against the cluster's Nodes when Nodes were read.

**Fix:** deploy an approver that validates kubelet-serving CSRs (kubelet-serving-cert-approver,
kubelet-csr-approver, or the cloud's own), or approve them by hand after checking the names
(\`kubectl get csr | grep kubelet-serving\`, \`kubectl certificate approve NAME\`); turn serving-certificate
rotation off if nothing should approve them.`,
  check(inv, ctx) {
    const serving = inv.kubeCsrs.filter((c) => c.signerName === KUBELET_SERVING_SIGNER);
    const pending = serving.filter((c) => !isDecided(c) && c.createdAt !== undefined && ctx.now - c.createdAt >= PENDING_AFTER_MS);
    if (pending.length < PILE_UP_COUNT) return [];
    const approvedRecently = serving.some((c) => {
      const approved = conditionOf(c, "Approved");
      return approved !== undefined && approved.status !== "False" && approved.lastUpdateTime !== undefined && ctx.now - approved.lastUpdateTime < RECENT_APPROVAL_MS;
    });
    if (approvedRecently) return [];
    const oldest = Math.min(...pending.map((c) => c.createdAt!));
    const nodes = [...new Set(pending.map(nodeOf))].sort();
    const known = new Map(inv.objects.filter((o) => o.kind === "Node").map((o) => [o.name, o]));
    const described = nodes.map((n) => {
      if (known.size === 0) return n;
      const node = known.get(n);
      return node ? `${n} (${(node.addresses ?? []).join(", ") || "no addresses"})` : `${n} (no such Node: a stale or forged request)`;
    });
    const finding: Finding = makeFinding(this, {
      title: `${pending.length} kubelet serving CSRs pending from ${nodes.length} node(s), none approved in 24 h`,
      detail: `${pending.length} kubernetes.io/kubelet-serving CSRs are pending, the oldest for ${humanDuration(ctx.now - oldest)}, and no kubelet-serving CSR was approved in the last 24 hours: no approver is acting. Requesting nodes: ${described.join("; ")}. Those kubelets have no valid serving certificate, so kubectl logs/exec and metrics-server fail against them.`,
      remediation: `Deploy a kubelet-serving CSR approver (kubelet-serving-cert-approver or kubelet-csr-approver), or check and approve by hand: kubectl certificate approve ${pending.slice(0, 3).map((c) => c.name).join(" ")}${pending.length > 3 ? " …" : ""}. On Talos, install the approver the Talos docs recommend together with rotate-server-certificates.`,
      certificates: [],
      locations: pending.map((c) => c.ref),
    });
    return [finding];
  },
};

function nodeOf(csr: KubeCsrItem): string {
  return csr.username?.startsWith("system:node:") ? csr.username.slice("system:node:".length) : (csr.username ?? "unknown requester");
}
