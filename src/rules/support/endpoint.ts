import { parseRef } from "../../model/ref.js";
import { isIP } from "node:net";
import type { Inventory } from "../../inventory/inventory.js";
import type { InventoryCert, Location } from "../../model/inventory.js";
import type { EndpointItem, KubeCsrItem } from "../../model/items.js";
import { KUBELET_SERVING_SIGNER, isDecided } from "./csr.js";

/** `HOST:PORT` of an endpoint, as in its ref. */
export function addressOf(ep: EndpointItem): string {
  const ref = parseRef(ep.ref);
  return ref?.kind === "endpoint" ? ref.location : `${ep.host}:${ep.port}`;
}

export function isEndpointLocation(l: Location): boolean {
  return parseRef(l.ref)?.kind === "endpoint";
}

/** The certificates of every endpoint's presented chain, by ref. Built once per inventory. */
const chainIndex = new WeakMap<Inventory, Map<string, InventoryCert>>();
function indexOf(inv: Inventory): Map<string, InventoryCert> {
  let index = chainIndex.get(inv);
  if (index) return index;
  index = new Map();
  for (const cert of inv.certs) for (const l of cert.locations) if (isEndpointLocation(l)) index.set(l.ref, cert);
  chainIndex.set(inv, index);
  return index;
}

/** The presented chain of an endpoint, leaf first (certificates that failed to parse are left out). */
export function presentedChain(inv: Inventory, ep: EndpointItem): InventoryCert[] {
  const index = indexOf(inv);
  return ep.chain.map((ref) => index.get(ref)).filter((c): c is InventoryCert => c !== undefined);
}

export function presentedLeaf(inv: Inventory, ep: EndpointItem): InventoryCert | undefined {
  const ref = ep.chain[0];
  return ref === undefined ? undefined : indexOf(inv).get(ref);
}

/** Live locations outside any endpoint: where the certificate is stored (disk, Secret, kubeconfig ...). */
export function storedLocations(cert: InventoryCert): Location[] {
  return cert.locations.filter((l) => !l.backup && !isEndpointLocation(l));
}

/** The name a client checks: the SNI when one was sent, else the host. */
export function checkedName(ep: EndpointItem): string {
  return (ep.sni ?? ep.host).toLowerCase().replace(/\.$/, "");
}

/** Layout roles whose certificate a listener on this port serves. */
const ROLES_BY_PORT: Record<number, string[]> = {
  6443: ["kubeadm-apiserver", "talos-apiserver", "kops-apiserver", "k3s-serving-dynamic", "rke2-serving-dynamic"],
  443: ["kops-apiserver"],
  9345: ["rke2-serving-dynamic"],
  10250: ["kubelet-server-current", "kubelet-self-signed-serving", "kops-kubelet-server"],
  2379: ["kubeadm-etcd-server", "etcd-server", "talos-etcd-server"],
  2380: ["kubeadm-etcd-peer", "etcd-peer", "talos-etcd-peer"],
  10000: ["kubeedge-cloudcore-server"],
  10002: ["kubeedge-cloudcore-server"],
};

export function rolesForPort(port: number): readonly string[] {
  return ROLES_BY_PORT[port] ?? [];
}

/** Normalised textual IP (lowercase, IPv6 compressed as the DER reader prints it). */
function normalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

/**
 * RFC 6125 §6.4: DNS names compare case-insensitively; a wildcard is allowed only as the whole
 * left-most label and matches exactly one label (never a dot, never the bare parent, never an IP).
 * IP hosts match only IP SANs. The subject CN is not consulted (Go ≥ 1.15, browsers).
 */
export function nameMatches(cert: { dnsNames: string[]; ipAddresses: string[] }, name: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, "");
  if (isIP(host) !== 0) {
    const want = normalIp(host);
    return cert.ipAddresses.some((ip) => normalIp(ip) === want);
  }
  return cert.dnsNames.some((san) => dnsMatches(san.toLowerCase().replace(/\.$/, ""), host));
}

function dnsMatches(pattern: string, host: string): boolean {
  if (!pattern.includes("*")) return pattern === host;
  if (!pattern.startsWith("*.") || pattern.indexOf("*", 1) >= 0) return false;
  const suffix = pattern.slice(1); // ".example.com"
  if (suffix.split(".").length < 3) return false; // "*.com" covers nothing
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  return label.length > 0 && !label.includes(".");
}

/**
 * A pending kubelet-serving CSR from the node behind this endpoint: its requester is
 * `system:node:<host or sni>` or it asks for the endpoint's host/SNI as a SAN.
 */
export function pendingServingCsrFor(inv: Inventory, ep: EndpointItem): KubeCsrItem | undefined {
  const names = new Set([ep.host.toLowerCase(), ...(ep.sni ? [ep.sni.toLowerCase()] : [])]);
  return inv.kubeCsrs.find((csr) => {
    if (csr.signerName !== KUBELET_SERVING_SIGNER || isDecided(csr)) return false;
    const user = csr.username ?? "";
    if (user.startsWith("system:node:") && names.has(user.slice("system:node:".length).toLowerCase())) return true;
    const req = csr.request;
    if (!req) return false;
    return [...names].some((n) => nameMatches(req, n));
  });
}

/** The Talos symptom: the kubelet answers the handshake with alert 80 (internal error) while its serving CSR waits. */
export function isUnapprovedKubeletServing(inv: Inventory, ep: EndpointItem): KubeCsrItem | undefined {
  if (ep.error?.code !== "TLS_ALERT_80") return undefined;
  return pendingServingCsrFor(inv, ep);
}
