/**
 * The kubelet-serving CSR approval policy: a cert-manager-style chain of small pure checks that stops at
 * the first violation and names it with one CamelCase reason. A CSR is approved only when every check
 * passes; a check that cannot decide yet (the Node is not registered) says so (`retry`), and the caller
 * retries later instead of approving. No IO, no clock: the CSR, the Nodes and the config are inputs.
 * Shared by the approver (src/controller/reconcile.ts) and the audit rule csr-approved-unchecked, so both
 * judge by the same checks (docs/adr/0003-csr-approval-policy-shared.md).
 */
import type { CsrInfo } from "../model/cert.js";
import { canonicalIp, cidrContains, parseIp, type Cidr } from "./ip.js";

export const KUBELET_SERVING_SIGNER = "kubernetes.io/kubelet-serving";
export const NODE_USER_PREFIX = "system:node:";
export const NODES_GROUP = "system:nodes";

/** What a CSR says, from the API object or a dump. */
export interface CsrFacts {
  name: string;
  signerName: string;
  username?: string;
  groups: readonly string[];
  usages: readonly string[];
  expirationSeconds?: number;
  /** The parsed PKCS#10 request, or why it could not be parsed. */
  request: CsrInfo | { error: string };
}

export interface NodeAddress {
  type: string;
  address: string;
}

export interface NodeFacts {
  name: string;
  addresses: readonly NodeAddress[];
}

export interface ApprovalConfig {
  /** Longest spec.expirationSeconds approved (default 365 days). */
  maxExpirationSeconds: number;
  minRsaBits: number;
  ecCurves: readonly string[];
  allowEd25519: boolean;
  /** Extra DNS names a node may carry: regular expressions, each matched against the whole name; `{node}` stands for the node's name. */
  allowedDnsNames: readonly string[];
  /** Extra IP ranges a node's serving certificate may carry. */
  allowedIpCidrs: readonly Cidr[];
  /** IPs inside these are never approved (the cluster's Services answer there). */
  serviceCidrs: readonly Cidr[];
  /** Names under it, and `kubernetes`, `kubernetes.default`, `*.svc`, are never approved. */
  clusterDomain: string;
  /** An address another Node also lists is refused unless this is set (e.g. nodes behind one NAT ExternalIP). */
  allowSharedAddresses: boolean;
}

export const DEFAULT_APPROVAL_CONFIG: ApprovalConfig = {
  maxExpirationSeconds: 365 * 24 * 3600,
  minRsaBits: 2048,
  ecCurves: ["P-256", "P-384"],
  allowEd25519: true,
  allowedDnsNames: [],
  allowedIpCidrs: [],
  serviceCidrs: [],
  clusterDomain: "cluster.local",
  allowSharedAddresses: false,
};

export interface PolicyInput {
  csr: CsrFacts;
  /** Every Node the approver knows, by name. */
  nodes: ReadonlyMap<string, NodeFacts>;
  config: ApprovalConfig;
}

export type Reason =
  | "SignerMismatch"
  | "RequesterNotNode"
  | "NodeGroupMissing"
  | "RequestInvalid"
  | "SignatureInvalid"
  | "SubjectMismatch"
  | "UsageMismatch"
  | "KeyTooWeak"
  | "ExpirationTooLong"
  | "NodeNotFound"
  | "SANMissing"
  | "SANTypeForbidden"
  | "SANInCluster"
  | "SANInServiceCIDR"
  | "SANMismatch";

/** One check: undefined when it passes, else what is wrong in words an operator understands. */
export interface Policy {
  reason: Reason;
  /** What it verified, for the approval message. */
  checks: string;
  /** The check cannot decide yet: retry later, never approve meanwhile. */
  retry?: boolean;
  check(input: PolicyInput): string | undefined;
}

export type Verdict = { approved: true; checked: string[] } | { approved: false; reason: Reason; message: string; retry: boolean };

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NODE_ADDRESS_TYPES = new Set(["Hostname", "InternalDNS", "ExternalDNS", "InternalIP", "ExternalIP"]);

/** NAME of `system:node:NAME` when it is a valid Node name, else undefined. */
export function nodeNameOf(csr: CsrFacts): string | undefined {
  const user = csr.username ?? "";
  if (!user.startsWith(NODE_USER_PREFIX)) return undefined;
  const name = user.slice(NODE_USER_PREFIX.length);
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name) && name.split(".").every((l) => l.length <= 63) ? name : undefined;
}

function requestOf(input: PolicyInput): CsrInfo | undefined {
  return "error" in input.csr.request ? undefined : input.csr.request;
}

function sansOf(req: CsrInfo): string[] {
  return [...req.dnsNames, ...req.ipAddresses];
}

/** The in-cluster name a DNS SAN is, if any: kubernetes, kubernetes.default, *.svc, *.svc.DOMAIN, *.DOMAIN. */
function inClusterName(name: string, clusterDomain: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, "");
  const domain = clusterDomain.toLowerCase().replace(/^\.|\.$/g, "");
  if (n === "kubernetes" || n === "kubernetes.default" || n.startsWith("kubernetes.default.")) return true;
  if (n === "svc" || n.endsWith(".svc") || n.includes(".svc.")) return true;
  return domain !== "" && (n === domain || n.endsWith(`.${domain}`));
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The allow-list pattern for one node, anchored at both ends whatever it was written as. */
export function allowPattern(source: string, nodeName: string): RegExp {
  return new RegExp(`^(?:${source.split("{node}").map((part, i) => (i === 0 ? part : escapeRegex(nodeName) + part)).join("")})$`, "i");
}

function nodeDnsNames(node: NodeFacts): Set<string> {
  return new Set(node.addresses.filter((a) => NODE_ADDRESS_TYPES.has(a.type) && parseIp(a.address) === undefined).map((a) => a.address.toLowerCase()));
}

function nodeIps(node: NodeFacts): Set<string> {
  return new Set(node.addresses.filter((a) => NODE_ADDRESS_TYPES.has(a.type)).map((a) => canonicalIp(a.address)).filter((a): a is string => a !== undefined));
}

/** The first Node other than `self` that lists this DNS name or (canonical) IP. */
function otherClaimant(nodes: ReadonlyMap<string, NodeFacts>, self: string, san: string, isIp: boolean): string | undefined {
  for (const n of nodes.values()) {
    if (n.name === self) continue;
    if (isIp ? nodeIps(n).has(san) : nodeDnsNames(n).has(san.toLowerCase())) return n.name;
  }
  return undefined;
}

const SERVING_USAGES = ["digital signature", "server auth"];

/** The policy chain, in order: who asks, what the request is, then every name in it. */
export const kubeletServingChain: readonly Policy[] = [
  {
    reason: "SignerMismatch",
    checks: `signer ${KUBELET_SERVING_SIGNER}`,
    check: ({ csr }) => (csr.signerName === KUBELET_SERVING_SIGNER ? undefined : `signerName is "${csr.signerName}", not ${KUBELET_SERVING_SIGNER}`),
  },
  {
    reason: "RequesterNotNode",
    checks: "requester system:node:NAME with a valid Node name",
    check: ({ csr }) => (nodeNameOf(csr) !== undefined ? undefined : `the requester "${csr.username ?? ""}" is not a node (system:node:NAME with NAME a valid Node name)`),
  },
  {
    reason: "NodeGroupMissing",
    checks: `requester in group ${NODES_GROUP}`,
    check: ({ csr }) => (csr.groups.includes(NODES_GROUP) ? undefined : `the requester ${csr.username ?? ""} is not in the ${NODES_GROUP} group (its groups: ${csr.groups.join(", ") || "none"}): the node user name alone does not prove a node credential`),
  },
  {
    reason: "RequestInvalid",
    checks: "request parses",
    check: ({ csr }) => ("error" in csr.request ? `the PKCS#10 request cannot be read: ${csr.request.error}` : undefined),
  },
  {
    reason: "SignatureInvalid",
    checks: "request signature verifies",
    check: (input) => (requestOf(input)?.signatureValid === false ? "the request's signature does not verify with its own public key: it was altered or forged" : undefined),
  },
  {
    reason: "SubjectMismatch",
    checks: "subject CN=system:node:NAME, O=system:nodes",
    check: (input) => {
      const req = requestOf(input)!;
      const name = nodeNameOf(input.csr)!;
      const want = [`CN=${NODE_USER_PREFIX}${name}`, `O=${NODES_GROUP}`];
      // RFC 2253 text: a multi-valued RDN (+), an escape or a hex-dumped value never matches the node's plain names
      const parts = /[+\\#]/.test(req.subject) ? [req.subject] : req.subject.split(",");
      const ok = parts.length === 2 && want.every((w) => parts.includes(w));
      return ok ? undefined : `the subject is "${req.subject}", not exactly CN=${NODE_USER_PREFIX}${name}, O=${NODES_GROUP}`;
    },
  },
  {
    reason: "UsageMismatch",
    checks: "usages digital signature + server auth (+ key encipherment for RSA)",
    check: (input) => {
      const req = requestOf(input)!;
      const got = new Set(input.csr.usages);
      const allowed = new Set([...SERVING_USAGES, ...(req.keyType === "RSA" ? ["key encipherment"] : [])]);
      const missing = SERVING_USAGES.filter((u) => !got.has(u));
      const extra = [...got].filter((u) => !allowed.has(u));
      if (missing.length === 0 && extra.length === 0) return undefined;
      return [extra.length > 0 ? `usages not allowed for a ${req.keyType} serving certificate: ${extra.join(", ")}` : "", missing.length > 0 ? `missing usages: ${missing.join(", ")}` : ""].filter((s) => s !== "").join("; ");
    },
  },
  {
    reason: "KeyTooWeak",
    checks: "key strength",
    check: ({ csr, config }) => {
      const req = csr.request as CsrInfo;
      if (req.keyType === "RSA") return req.keySize >= config.minRsaBits ? undefined : `RSA-${req.keySize} is below the minimum of ${config.minRsaBits} bits`;
      if (req.keyType === "EC") return req.curve !== undefined && config.ecCurves.includes(req.curve) ? undefined : `EC curve ${req.curve ?? "unknown"} is not one of ${config.ecCurves.join(", ")}`;
      if (req.keyType === "Ed25519") return config.allowEd25519 ? undefined : "Ed25519 keys are not allowed by the config";
      return `${req.keyType} keys are not approved`;
    },
  },
  {
    reason: "ExpirationTooLong",
    checks: "requested lifetime",
    check: ({ csr, config }) =>
      csr.expirationSeconds === undefined || csr.expirationSeconds <= config.maxExpirationSeconds ? undefined : `expirationSeconds ${csr.expirationSeconds} is above the maximum of ${config.maxExpirationSeconds}`,
  },
  {
    reason: "NodeNotFound",
    checks: "Node object exists",
    retry: true,
    check: ({ csr, nodes }) => {
      const name = nodeNameOf(csr)!;
      return nodes.has(name) ? undefined : `no Node named ${name} is registered (yet): its addresses cannot be checked`;
    },
  },
  {
    reason: "SANMissing",
    checks: "at least one DNS or IP SAN",
    check: (input) => (sansOf(requestOf(input)!).length > 0 ? undefined : "the request names no DNS name or IP address: a serving certificate without SANs is useless"),
  },
  {
    reason: "SANTypeForbidden",
    checks: "no email or URI SANs",
    check: (input) => {
      const req = requestOf(input)!;
      const bad = [...req.emailAddresses.map((e) => `email ${e}`), ...req.uris.map((u) => `URI ${u}`)];
      return bad.length === 0 ? undefined : `a kubelet serving certificate carries only DNS names and IPs, this one asks for ${bad.join(", ")}`;
    },
  },
  {
    reason: "SANInCluster",
    checks: "no in-cluster names",
    check: ({ csr, config }) => {
      const bad = (csr.request as CsrInfo).dnsNames.filter((d) => inClusterName(d, config.clusterDomain));
      return bad.length === 0 ? undefined : `in-cluster names are never a node's: ${bad.join(", ")} (a certificate for them would impersonate the API server or a Service)`;
    },
  },
  {
    reason: "SANInServiceCIDR",
    checks: "no Service-CIDR IPs",
    check: ({ csr, config }) => {
      const bad = (csr.request as CsrInfo).ipAddresses.filter((ip) => {
        const b = parseIp(ip);
        return b !== undefined && config.serviceCidrs.some((c) => cidrContains(c, b));
      });
      return bad.length === 0 ? undefined : `IPs in the Service CIDR (${config.serviceCidrs.map((c) => c.text).join(", ")}) are never a node's: ${bad.join(", ")}`;
    },
  },
  {
    reason: "SANMismatch",
    checks: "every DNS name and IP is the Node's own (.status.addresses) or allow-listed",
    check: ({ csr, nodes, config }) => {
      const req = csr.request as CsrInfo;
      const name = nodeNameOf(csr)!;
      const node = nodes.get(name)!;
      const dns = nodeDnsNames(node);
      const ips = nodeIps(node);
      const problems: string[] = [];
      for (const d of req.dnsNames) {
        if (d.includes("*")) {
          problems.push(`wildcard ${d} is never approved`);
          continue;
        }
        const own = dns.has(d.toLowerCase());
        const listed = config.allowedDnsNames.some((p) => allowPattern(p, name).test(d));
        if (!own && !listed) {
          problems.push(`DNS name ${d} is not one of Node ${name}'s addresses${dns.size > 0 ? ` (${[...dns].join(", ")})` : ""}`);
          continue;
        }
        const other = own && !listed && !config.allowSharedAddresses ? otherClaimant(nodes, name, d, false) : undefined;
        if (other !== undefined) problems.push(`DNS name ${d} is also listed by Node ${other}`);
      }
      for (const ip of req.ipAddresses) {
        const canon = canonicalIp(ip);
        const bytes = parseIp(ip);
        if (canon === undefined || bytes === undefined) {
          problems.push(`IP SAN ${ip} is not a valid address`);
          continue;
        }
        const own = ips.has(canon);
        const listed = config.allowedIpCidrs.some((c) => cidrContains(c, bytes));
        if (!own && !listed) {
          problems.push(`IP ${canon} is not one of Node ${name}'s addresses${ips.size > 0 ? ` (${[...ips].join(", ")})` : ""}`);
          continue;
        }
        const other = own && !listed && !config.allowSharedAddresses ? otherClaimant(nodes, name, canon, true) : undefined;
        if (other !== undefined) problems.push(`IP ${canon} is also listed by Node ${other}`);
      }
      return problems.length === 0 ? undefined : problems.join("; ");
    },
  },
];

/** Runs the chain; the first violation decides. */
export function evaluateCsr(input: PolicyInput, chain: readonly Policy[] = kubeletServingChain): Verdict {
  for (const p of chain) {
    let problem: string | undefined;
    try {
      problem = p.check(input);
    } catch (err) {
      // never approve on error: a check that breaks is a refusal
      problem = `the check could not run: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (problem !== undefined) return { approved: false, reason: p.reason, message: problem, retry: p.retry === true };
  }
  return { approved: true, checked: chain.map((p) => p.checks) };
}
