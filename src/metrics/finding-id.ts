/**
 * A finding's stable id: the same problem at the same places keeps its id from scan to scan while its
 * wording (days left) and severity change. SHA-256 over the rule, the sorted locations and the sorted
 * certificate fingerprints; 16 hex characters.
 */
import { createHash } from "node:crypto";
import type { Finding } from "../model/finding.js";

export function findingId(finding: Pick<Finding, "rule" | "locations" | "certificates">): string {
  const h = createHash("sha256").update(finding.rule);
  for (const ref of [...finding.locations].sort()) h.update("\0l").update(ref);
  for (const fp of [...finding.certificates].sort()) h.update("\0c").update(fp);
  return h.digest("hex").slice(0, 16);
}
