/**
 * `rbac-cert-authority`: who may approve CSRs, create them, read or rewrite the Secrets holding a CA and its
 * key, rewrite caBundles or CA ConfigMaps, from the Roles, ClusterRoles and bindings read (live or a dump).
 * One finding per identity holding something it is not expected to, naming each grant path; one info
 * finding listing the expected holders. Severity by breadth: an identity every user or every ServiceAccount
 * is in is critical whatever it can do.
 */
import type { Finding, Severity } from "../model/finding.js";
import { severityRank } from "../model/finding.js";
import { capabilitiesOf, describeGrant, type Capability } from "./rbac-cert-authority/capabilities.js";
import { expectedHolder } from "./rbac-cert-authority/expected.js";
import { principalKey, RbacGraph, type Principal } from "./rbac-cert-authority/grants.js";
import { targetsOf } from "./rbac-cert-authority/targets.js";
import { makeFinding, type Rule } from "./rule.js";

const BROAD_GROUPS = new Set(["system:authenticated", "system:unauthenticated", "system:serviceaccounts"]);

function isBroad(p: Principal): boolean {
  return (p.kind === "Group" && (BROAD_GROUPS.has(p.name) || p.name.startsWith("system:serviceaccounts:"))) || (p.kind === "User" && p.name === "system:anonymous");
}

export const rbacCertAuthority: Rule = {
  id: "rbac-cert-authority",
  severity: "critical",
  title: "Someone unexpected may approve CSRs or rewrite a CA",
  explain: `Reads the cluster's Roles, ClusterRoles, RoleBindings and ClusterRoleBindings (from the API, or from a
\`kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml\` dump) the way the API server's RBAC
authorizer does — \`*\` verbs, resources and API groups, \`*/subresource\`, resourceNames as exact names,
aggregated ClusterRoles, a RoleBinding granting only in its namespace, the groups every user and ServiceAccount is
in — and reports who can:

- **approve CSRs** (\`update\` on \`certificatesigningrequests/approval\` plus \`approve\` on \`signers\`), and for which
  signers: approving \`kubernetes.io/kube-apiserver-client\` (or any signer) hands out client certificates the API
  server accepts, and one for \`O=system:masters\` is cluster-admin; \`kubernetes.io/kubelet-serving\` lets one node
  impersonate another;
- **create CSRs** (any signer: creation cannot be narrowed by signer);
- **read or rewrite a Secret holding a CA and its key** (the trust graph's CAs, KubeEdge's \`casecret\`, a
  cert-manager CA issuer's Secret): reading the key signs anything the CA's users trust, rewriting swaps the CA;
- **rewrite the caBundle** of a webhook configuration, APIService or CRD conversion webhook (it can point the API
  server at its own service), or a **CA ConfigMap** in kube-system/kube-public or in every namespace at once.

Kubernetes' own components (system:masters, kube-controller-manager and its \`system:controller:*\` service
accounts, node bootstrap) and well-known installs (cert-manager, its cainjector, KubeEdge CloudCore, certdoctor)
are listed as expected, each only for what its job needs. Anything else is a finding: critical for client-CSR
approval, CA keys, CA Secrets, admission webhooks, and for any grant to everyone (system:authenticated,
system:serviceaccounts...); a warning for other signers, CSR creation, APIServices, CRDs and CA ConfigMaps.

**Fix:** remove the binding named in the finding (\`kubectl delete clusterrolebinding NAME\` /
\`kubectl -n NS delete rolebinding NAME\`), or narrow the role: name the signers it may approve
(\`resourceNames: [example.com/my-signer]\`), the Secrets it may write (\`resourceNames\`), or bind it with a
RoleBinding in one namespace instead of a ClusterRoleBinding.`,
  check(inv) {
    const graph = RbacGraph.of(inv.objects);
    if (graph === undefined) return [];
    const targets = targetsOf(inv);
    const out: Finding[] = [];
    const expected: string[] = [];
    for (const p of graph.principals().sort((a, b) => principalKey(a).localeCompare(principalKey(b)))) {
      const viaGroups = new Set(capabilitiesOf(graph, p, targets, "groups-only").map((c) => c.key));
      const unexpected: Capability[] = [];
      for (const cap of capabilitiesOf(graph, p, targets, "with-groups")) {
        if (viaGroups.has(cap.key)) continue; // the group's own finding reports it
        const who = expectedHolder(p, cap);
        if (who === undefined) unexpected.push(cap);
        else expected.push(`${principalKey(p)} (${who}): ${summarize([cap])}`);
      }
      if (unexpected.length > 0) out.push(finding(this, p, unexpected));
    }
    if (expected.length > 0) {
      out.push(
        makeFinding(this, {
          severity: "info",
          title: `${expected.length} expected grant${expected.length === 1 ? "" : "s"} of certificate authority`,
          detail: `Kubernetes' own components and well-known installs hold these, as their job needs: ${expected.join("; ")}.`,
          remediation: "Nothing to do; check the list when components are added or removed.",
          certificates: [],
          locations: [],
        }),
      );
    }
    return out;
  },
};

function finding(rule: Rule, p: Principal, caps: Capability[]): Finding {
  const severity: Severity = isBroad(p) ? "critical" : caps.reduce<Severity>((s, c) => (severityRank[c.severity] > severityRank[s] ? c.severity : s), "info");
  const everyone = isBroad(p) ? ` Every ${p.name.startsWith("system:serviceaccounts") ? "ServiceAccount" : "user"} in ${principalKey(p)} holds this.` : "";
  const lines = caps.map((c) => `It can ${c.text}, through ${[...new Set(c.paths.map((g) => describeGrant(g, p)))].join("; ")}.`);
  const bindings = [...new Set(caps.flatMap((c) => c.paths.map((g) => g.binding.ref)))];
  return makeFinding(rule, {
    severity,
    title: `${principalKey(p)} can ${summarize(caps)}`,
    detail: `${lines.join(" ")}${everyone}`,
    remediation: `If ${principalKey(p)} does not need this, remove it from ${bindings.join(", ")} (or delete the binding), or narrow the role to the signers, Secrets or objects it needs (resourceNames) and to one namespace (a RoleBinding instead of a ClusterRoleBinding).`,
    certificates: caps.flatMap((c) => c.certificates),
    locations: [...bindings, ...caps.flatMap((c) => c.targets)],
  });
}

const NOUNS: Record<Capability["kind"], [string, string]> = {
  approve: ["", ""],
  "create-csr": ["create CSRs", "create CSRs"],
  "read-ca-key": ["read the CA key in Secret ", "read the CA keys in "],
  "write-ca-secret": ["rewrite CA Secret ", "rewrite "],
  "write-ca-bundle": ["rewrite the caBundle of ", "rewrite the caBundles of "],
  "write-trust-configmap": ["rewrite CA ConfigMap ", "rewrite "],
};

/** "approve CSRs for any signer; rewrite CA Secret kubeedge/casecret; rewrite caBundles of 3 objects". */
function summarize(caps: Capability[]): string {
  const parts: string[] = [];
  for (const kind of Object.keys(NOUNS) as Array<Capability["kind"]>) {
    const of = caps.filter((c) => c.kind === kind);
    if (of.length === 0) continue;
    if (kind === "approve") parts.push(`approve CSRs for ${of[0]!.signers?.[0] === "*" ? "any signer" : of[0]!.signers!.join(", ")}`);
    else if (kind === "create-csr") parts.push("create CSRs");
    else if (of.length === 1) parts.push(`${NOUNS[kind][0]}${of[0]!.targetName}`);
    else parts.push(`${NOUNS[kind][1]}${of.length} ${kind === "write-ca-bundle" ? "objects" : kind === "write-trust-configmap" ? "CA ConfigMaps" : "CA Secrets"}`);
  }
  return parts.join("; ");
}
