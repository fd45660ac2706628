/**
 * Runs Go's Verify (pki/go-verify.ts) over inventory certificates: signatures come from the trust graph
 * (a child's verified issuers), the extended key usage from what the location says about the consumer.
 */
import { kubeconfigEntry, parseRef } from "../../model/ref.js";
import type { InventoryCert, Location } from "../../model/inventory.js";
import { goVerify, type GoKeyUsage, type GoVerifyError } from "../../pki/go-verify.js";
import { clientUsage, serverUsage, usagesForRole, type UsageChecks } from "../../layouts/usages.js";

export interface UsageVerdict {
  checks: UsageChecks;
  /** How the usage was chosen, for the finding's text: known from the layout, or inferred from the certificate. */
  basis: "layout" | "kubeconfig user" | "certificate" | "unknown";
}

/** What the consumer of a certificate at `location` asks Go for. */
export function consumerUsage(cert: InventoryCert, location: Location): UsageVerdict {
  const byRole = usagesForRole(location.role);
  if (byRole !== undefined) return { checks: byRole, basis: "layout" };
  if (isKubeconfigUser(location.ref)) return { checks: clientUsage, basis: "kubeconfig user" };
  if (cert.record.isCA) return { checks: [["any"]], basis: "unknown" };
  const eku = cert.record.extKeyUsage;
  if (eku.length === 0 || eku.includes("serverAuth")) return { checks: serverUsage, basis: "certificate" };
  if (eku.includes("clientAuth")) return { checks: clientUsage, basis: "certificate" };
  return { checks: [["any"]], basis: "unknown" };
}

/** The first error Go returns over the usage checks, or undefined when every check passes. */
export function verifyLikeGo(
  leaf: InventoryCert,
  roots: readonly InventoryCert[],
  intermediates: readonly InventoryCert[],
  now: number,
  checks: UsageChecks,
  dnsName?: string,
): GoVerifyError<InventoryCert> | undefined {
  for (const keyUsages of checks) {
    const options = {
      roots,
      intermediates,
      now,
      keyUsages: keyUsages as GoKeyUsage[],
      signatureVerifies: (child: InventoryCert, parent: InventoryCert) => child.issuers.includes(parent.record.fingerprint),
    };
    const result = goVerify(leaf, dnsName === undefined ? options : { ...options, dnsName });
    if (!result.ok) return result.error;
  }
  return undefined;
}

/** Expiry of a certificate in the chain: the expiry rules report it (with the same Go error) on that certificate. */
export function isTimeError(err: GoVerifyError<InventoryCert>): boolean {
  return err.reason === "expired" || err.reason === "not-yet-valid";
}

/** "x509: …" in backticks, for details. */
export function quoteGo(message: string): string {
  return "`" + message + "`";
}

function isKubeconfigUser(ref: string): boolean {
  const value = parseRef(ref);
  return value?.kind === "kubeconfig" && kubeconfigEntry(value)?.section === "users";
}
