/**
 * A finding's stable identity: the same problem at the same places keeps its id from scan to scan while
 * its wording (days left) and severity change. SHA-256 over the rule, the sorted locations and the sorted
 * certificate fingerprints, 16 hex characters — the same value the metrics give `certdoctor_finding`'s id
 * for the server's own findings. An agent's refs are node-local (`file:/etc/...` on every node), so its
 * findings are qualified by the reporting scope.
 */
import { createHash } from "node:crypto";
import type { Finding } from "../model/finding.js";

export function findingId(finding: Pick<Finding, "rule" | "locations" | "certificates">, scope = "server"): string {
  const h = createHash("sha256").update(finding.rule);
  if (scope !== "server") h.update("\0s").update(scope);
  for (const ref of [...finding.locations].sort()) h.update("\0l").update(ref);
  for (const fp of [...finding.certificates].sort()) h.update("\0c").update(fp);
  return h.digest("hex").slice(0, 16);
}

/** Rules whose findings break things when a certificate's notAfter passes. */
const EXPIRY_RULES = new Set(["cert-expired", "cert-expiring", "kubelet-rotation-blocked", "container-view-stale"]);
/** Rules about hygiene: nothing breaks at a known time. */
const HYGIENE_RULES = new Set(["weak-crypto"]);

/**
 * When a finding starts (or started) to break things: the earliest notAfter of its certificates for
 * expiry rules, undefined for hygiene, `now` for what is already broken (untrusted chains, mismatched
 * keys, pending CSRs, divergent CAs).
 */
export function impactAt(rule: string, notAfters: number[], now: number): number | undefined {
  if (HYGIENE_RULES.has(rule)) return undefined;
  if (EXPIRY_RULES.has(rule) && notAfters.length > 0) return Math.min(...notAfters);
  return now;
}
