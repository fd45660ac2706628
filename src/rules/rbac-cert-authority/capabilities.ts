/**
 * What one identity can do to the cluster's certificate authority, with the grant paths: approve CSRs (and
 * for which signers), create CSRs, read or rewrite CA Secrets, rewrite caBundles and CA ConfigMaps. Pure.
 */
import type { Severity } from "../../model/finding.js";
import { ruleAllows, type Access, type Grant, type Principal, type RbacGraph } from "./grants.js";
import type { Targets } from "./targets.js";

export type CapabilityKind = "approve" | "create-csr" | "read-ca-key" | "write-ca-secret" | "write-ca-bundle" | "write-trust-configmap";

export interface Capability {
  kind: CapabilityKind;
  /** Plain words: "approve CSRs for any signer", "rewrite CA Secret kubeedge/casecret (update, delete)". */
  text: string;
  severity: Severity;
  /** Equal keys: the same capability (to drop what the identity holds only as a member of a group). */
  key: string;
  paths: Grant[];
  /** Refs of what is at stake. */
  targets: string[];
  certificates: string[];
  /** What is at stake in words: "kubeedge/casecret", "MutatingWebhookConfiguration hook". */
  targetName?: string;
  /** approve: the signers (`*` for any). */
  signers?: string[];
}

const CERTS = "certificates.k8s.io";
/** Approving these is minting client certificates the API server accepts (O=system:masters is cluster-admin), or any. */
const CLIENT_SIGNERS = new Set(["*", "kubernetes.io/*", "kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/legacy-unknown"]);
/** In the service's own namespace a ConfigMap rewrite reaches only that namespace's pods, except here. */
const SHARED_NAMESPACES = new Set(["kube-system", "kube-public"]);

export function capabilitiesOf(graph: RbacGraph, p: Principal, t: Targets, own: "with-groups" | "groups-only"): Capability[] {
  const out: Capability[] = [];
  const allows = (a: Access) => graph.allows(p, a, own);

  const approval = allows({ verb: "update", group: CERTS, resource: "certificatesigningrequests", subresource: "approval" });
  // The CertificateApproval admission check asks `approve` on `signers` named SIGNER or DOMAIN/*; which names a rule grants is its resourceNames.
  const signerGrants = graph.grants(p, own).filter((g) => g.namespace === undefined && ruleAllows({ ...g.rule, resourceNames: [] }, { verb: "approve", group: CERTS, resource: "signers" }));
  const create = allows({ verb: "create", group: CERTS, resource: "certificatesigningrequests" });
  if (approval.length > 0 && signerGrants.length > 0) {
    const signers = signerGrants.some((g) => g.rule.resourceNames.length === 0) ? ["*"] : [...new Set(signerGrants.flatMap((g) => g.rule.resourceNames))].sort();
    const mintsClients = signers.some((s) => CLIENT_SIGNERS.has(s));
    const which = signers[0] === "*" ? "any signer" : `signer${signers.length > 1 ? "s" : ""} ${signers.join(", ")}`;
    const consequence = mintsClients ? (create.length > 0 ? " — and it can create CSRs: it can mint itself a cluster-admin client certificate (O=system:masters)" : " — a client certificate it approves for O=system:masters is cluster-admin") : "";
    out.push({ kind: "approve", text: `approve CSRs for ${which}${consequence}`, severity: mintsClients ? "critical" : "warning", key: `approve ${signers.join(",")}`, paths: [...approval, ...signerGrants, ...(mintsClients ? create : [])], targets: [], certificates: [], signers });
  }
  if (create.length > 0) out.push({ kind: "create-csr", text: "create CSRs for any signer (kubernetes.io/kube-apiserver-client included: whoever approves them hands out API credentials)", severity: "warning", key: "create-csr", paths: create, targets: [], certificates: [] });

  for (const s of t.caSecrets) {
    const name = `${s.namespace}/${s.name}`;
    const read = [
      ...allows({ verb: "get", group: "", resource: "secrets", namespace: s.namespace, name: s.name }),
      ...allows({ verb: "list", group: "", resource: "secrets", namespace: s.namespace }),
      ...allows({ verb: "watch", group: "", resource: "secrets", namespace: s.namespace }),
    ];
    const certificates = s.certs.map((c) => c.record.fingerprint);
    if (read.length > 0) out.push({ kind: "read-ca-key", text: `read the CA key in Secret ${name} (${s.why}): it can sign certificates everything trusting that CA accepts`, severity: "critical", key: `read ${name}`, targetName: name, paths: read, targets: [s.ref], certificates });
    const writes = verbsAllowed(["update", "patch", "delete"], (verb) => allows({ verb, group: "", resource: "secrets", namespace: s.namespace, name: s.name }));
    if (writes.verbs.length > 0) out.push({ kind: "write-ca-secret", text: `rewrite CA Secret ${name} (${writes.verbs.join(", ")}; ${s.why}): it can swap the CA everything trusting it accepts`, severity: "critical", key: `write ${name}`, targetName: name, paths: writes.paths, targets: [s.ref], certificates });
  }

  for (const b of t.bundles) {
    const writes = verbsAllowed(["update", "patch"], (verb) => b.resources.flatMap((r) => allows({ verb, group: r.group, resource: r.resource, name: b.name })));
    if (writes.verbs.length === 0) continue;
    const why = b.admission ? "it can point the API server's admission calls at its own service and CA" : "it can point the API server at its own service and CA";
    out.push({ kind: "write-ca-bundle", text: `rewrite the caBundle of ${b.label} (${writes.verbs.join(", ")}): ${why}`, severity: b.admission ? "critical" : "warning", key: `bundle ${b.ref}`, targetName: b.label, paths: writes.paths, targets: [b.ref], certificates: b.certs.map((c) => c.record.fingerprint) });
  }

  for (const cm of t.configMaps) {
    // a grant in the ConfigMap's own namespace reaches only pods that identity could already run there
    const reaches = (g: Grant) => g.namespace === undefined || SHARED_NAMESPACES.has(cm.namespace);
    const writes = verbsAllowed(["update", "patch", "delete"], (verb) => allows({ verb, group: "", resource: "configmaps", namespace: cm.namespace, name: cm.name }).filter(reaches));
    if (writes.verbs.length === 0) continue;
    out.push({ kind: "write-trust-configmap", text: `rewrite CA ConfigMap ${cm.namespace}/${cm.name} (${writes.verbs.join(", ")}): whoever reads it would trust its CA`, severity: "warning", key: `configmap ${cm.ref}`, targetName: `${cm.namespace}/${cm.name}`, paths: writes.paths, targets: [cm.ref], certificates: cm.certs.map((c) => c.record.fingerprint) });
  }
  return out;
}

function verbsAllowed(verbs: string[], ask: (verb: string) => Grant[]): { verbs: string[]; paths: Grant[] } {
  const out = { verbs: [] as string[], paths: [] as Grant[] };
  for (const verb of verbs) {
    const paths = ask(verb);
    if (paths.length === 0) continue;
    out.verbs.push(verb);
    out.paths.push(...paths);
  }
  return out;
}

/** "ClusterRoleBinding ci → ClusterRole cluster-admin (verbs *, resources *, apiGroups *)", naming the group it holds through. */
export function describeGrant(g: Grant, holder: Principal): string {
  const via = g.principal.kind === holder.kind && g.principal.name === holder.name && g.principal.namespace === holder.namespace ? "" : `as a member of Group ${g.principal.name}: `;
  const binding = g.binding.kind === "RoleBinding" ? `RoleBinding ${g.binding.namespace}/${g.binding.name}` : `ClusterRoleBinding ${g.binding.name}`;
  const role = g.role.kind === "Role" ? `Role ${g.namespace}/${g.role.name}` : `ClusterRole ${g.role.name}`;
  const from = g.aggregatedFrom ? `, aggregated from ClusterRole ${g.aggregatedFrom}` : "";
  const names = g.rule.resourceNames.length > 0 ? `, names ${g.rule.resourceNames.join(" ")}` : "";
  const scope = g.namespace ? ` in namespace ${g.namespace}` : "";
  return `${via}${binding} → ${role}${from} (verbs ${g.rule.verbs.join(" ")}, resources ${g.rule.resources.join(" ")}, apiGroups ${g.rule.apiGroups.map((x) => (x === "" ? '""' : x)).join(" ")}${names})${scope}`;
}

