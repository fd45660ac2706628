import { describeRenewal, isOsTrustStorePath, type Placement } from "../../layouts/index.js";
import { Inventory } from "../../inventory/inventory.js";
import type { InventoryCert, Location } from "../../model/inventory.js";
import { DAY_MS } from "../rule.js";

/** The location that best names what a certificate is: a live one with a known role first. */
export function primaryLocation(cert: InventoryCert): Location | undefined {
  const live = Inventory.liveLocations(cert);
  return live.find((l) => l.role !== undefined) ?? live[0] ?? cert.locations[0];
}

/** e.g. `kubeadm API server serving certificate "CN=kube-apiserver"` or `certificate "CN=foo"`. */
export function nameCert(cert: InventoryCert): string {
  const title = primaryLocation(cert)?.roleTitle;
  return title ? `${title} (${cert.record.subject || "empty subject"})` : `certificate ${cert.record.subject || "with empty subject"}`;
}

export function liveRefs(cert: InventoryCert): string[] {
  return Inventory.liveLocations(cert).map((l) => l.ref);
}

/** Renewal advice for a certificate from its best-known location. */
export function renewalFor(cert: InventoryCert): string {
  const loc = primaryLocation(cert);
  const placement: Placement = { backup: false, ...(loc ?? {}) } as Placement;
  return describeRenewal(placement, {
    isCA: cert.record.isCA,
    selfIssued: cert.record.selfIssued,
    lifetimeDays: lifetimeMs(cert) / DAY_MS,
  });
}

export function lifetimeMs(cert: InventoryCert): number {
  return Math.max(0, cert.record.notAfter - cert.record.notBefore);
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** "3 days", "5 hours", "12 minutes": the largest unit that reads naturally. */
export function humanDuration(ms: number): string {
  const abs = Math.abs(ms);
  const units: Array<[number, string]> = [
    [365 * DAY_MS, "year"],
    [DAY_MS, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  for (const [size, name] of units) {
    if (abs >= size * (name === "year" ? 2 : 1)) {
      const n = Math.floor(abs / size);
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return "less than a minute";
}

/** Consequence of a certificate becoming invalid, in operator terms. */
export function consequenceOf(cert: InventoryCert, inv: Inventory): string {
  if (cert.record.isCA) {
    const n = inv.signedBy(cert).length;
    return `It is a CA: every certificate it signed${n > 0 ? ` (${n} found in this scan)` : ""} stops verifying, so every client that trusts it fails with "x509: certificate signed by unknown authority" or "certificate has expired".`;
  }
  const eku = cert.record.extKeyUsage;
  if (eku.includes("clientAuth") && !eku.includes("serverAuth")) {
    return `It is a client certificate: whatever logs in with it is rejected (HTTP 401, "x509: certificate has expired or is not yet valid").`;
  }
  return `Every TLS client that checks it rejects the connection with "x509: certificate has expired or is not yet valid".`;
}

/**
 * A self-signed root that lives only in OS trust stores: distributions ship expired roots until the
 * ca-certificates package drops them, and TLS clients never accept an expired root, so its expiry breaks
 * nothing by itself.
 */
export function isOsTrustStoreRoot(cert: InventoryCert): boolean {
  if (!cert.record.selfIssued || !cert.record.isCA) return false;
  const live = Inventory.liveLocations(cert);
  return live.length > 0 && live.every((l) => l.path !== undefined && isOsTrustStorePath(l.path));
}
