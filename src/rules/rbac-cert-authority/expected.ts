/**
 * Who is expected to hold certificate authority: Kubernetes' own components and well-known installs, each
 * only for what its job needs (cert-manager approves its own signers, not kube-apiserver-client). Data.
 */
import type { Capability, CapabilityKind } from "./capabilities.js";
import type { Principal } from "./grants.js";

interface Expectation {
  who: string;
  matches(p: Principal): boolean;
  /** Which capabilities it needs; `approve` further narrowed by `signers`. */
  kinds: readonly CapabilityKind[] | "all";
  /** Signer names (or DOMAIN/ prefixes ending in "/") it may approve. */
  signers?: readonly string[];
}

const sa = (namespace: string, name: string) => (p: Principal) => p.kind === "ServiceAccount" && p.namespace === namespace && p.name === name;

const EXPECTED: readonly Expectation[] = [
  { who: "cluster administrators (group system:masters)", matches: (p) => p.kind === "Group" && p.name === "system:masters", kinds: "all" },
  { who: "kube-controller-manager", matches: (p) => p.kind === "User" && p.name === "system:kube-controller-manager", kinds: "all" },
  { who: "the API server's own identity", matches: (p) => p.kind === "User" && p.name === "system:apiserver", kinds: "all" },
  { who: "node bootstrap and node credentials (CSR creation)", matches: (p) => (p.kind === "Group" && (p.name === "system:nodes" || p.name === "system:bootstrappers" || p.name.startsWith("system:bootstrappers:"))) || (p.kind === "User" && p.name.startsWith("system:node:")), kinds: ["create-csr"] },
  { who: "cert-manager (issues into Secrets, approves its own signers)", matches: sa("cert-manager", "cert-manager"), kinds: ["approve", "read-ca-key", "write-ca-secret"], signers: ["issuers.cert-manager.io/", "clusterissuers.cert-manager.io/"] },
  { who: "cert-manager cainjector (injects caBundles)", matches: sa("cert-manager", "cert-manager-cainjector"), kinds: ["read-ca-key", "write-ca-bundle"] },
  { who: "KubeEdge CloudCore (keeps its CA in casecret)", matches: sa("kubeedge", "cloudcore"), kinds: ["read-ca-key", "write-ca-secret"] },
  { who: "certdoctor's scanner (reads Secrets, never outputs payloads)", matches: sa("certdoctor", "certdoctor"), kinds: ["read-ca-key"] },
  { who: "certdoctor's approver (kubelet-serving only)", matches: sa("certdoctor", "certdoctor-approver"), kinds: ["approve"], signers: ["kubernetes.io/kubelet-serving"] },
];

/** Who the capability is expected for, or undefined when it is not. */
export function expectedHolder(p: Principal, cap: Capability): string | undefined {
  if (isOwnController(p, cap)) return `Kubernetes controller ${p.name} (kube-controller-manager --use-service-account-credentials)`;
  for (const e of EXPECTED) {
    if (!e.matches(p)) continue;
    if (e.kinds !== "all" && !e.kinds.includes(cap.kind)) continue;
    if (cap.kind === "approve" && e.signers !== undefined && !(cap.signers ?? []).every((s) => e.signers!.some((allowed) => (allowed.endsWith("/") ? s.startsWith(allowed) && s !== "*" : s === allowed)))) continue;
    return e.who;
  }
  return undefined;
}

/** A kube-system ServiceAccount NAME holding it only through the bootstrap policy's role `system:controller:NAME`. */
function isOwnController(p: Principal, cap: Capability): boolean {
  if (p.kind !== "ServiceAccount" || p.namespace !== "kube-system") return false;
  return cap.paths.length > 0 && cap.paths.every((g) => g.role.name === `system:controller:${p.name}` && g.principal.kind === "ServiceAccount");
}
