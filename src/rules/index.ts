import type { Inventory } from "../inventory/inventory.js";
import type { Finding } from "../model/finding.js";
import { caDivergence } from "./ca-divergence.js";
import { certExpired } from "./cert-expired.js";
import { certExpiring } from "./cert-expiring.js";
import { certMalformed } from "./cert-malformed.js";
import { certNotYetValid } from "./cert-not-yet-valid.js";
import { chainUntrusted } from "./chain-untrusted.js";
import { containerViewStale } from "./container-view-stale.js";
import { csrDenied } from "./csr-denied.js";
import { csrFailed } from "./csr-failed.js";
import { csrPending } from "./csr-pending.js";
import { keyMismatch } from "./key-mismatch.js";
import { kubeletRotationBlocked } from "./kubelet-rotation-blocked.js";
import { parseError } from "./parse-error.js";
import type { Rule, RuleContext } from "./rule.js";
import { weakCrypto } from "./weak-crypto.js";
import { servedCertStale } from "./served-cert-stale.js";
import { hostnameMismatch } from "./hostname-mismatch.js";
import { kubeletServingUnapproved } from "./kubelet-serving-unapproved.js";
import { endpointUnreachable } from "./endpoint-unreachable.js";
import { csrUnapprovedKubeletServing } from "./csr-unapproved-kubelet-serving.js";
import { csrApprovedUnchecked } from "./csr-approved-unchecked.js";
import { servingCertForeignSan } from "./serving-cert-foreign-san.js";
import { sourceForbidden } from "./source-forbidden.js";
import { sourceUnavailable } from "./source-unavailable.js";
import { agentSilent } from "./agent-silent.js";
import { tlsSecretInvalid } from "./tls-secret-invalid.js";
import { webhookCaBundleMismatch } from "./webhook-cabundle-mismatch.js";
import { rbacCertAuthority } from "./rbac-cert-authority.js";

/** Every diagnosis rule, in the order `certdoctor rules` lists them. */
export const rules: readonly Rule[] = [
  certExpired,
  certExpiring,
  certNotYetValid,
  caDivergence,
  chainUntrusted,
  webhookCaBundleMismatch,
  tlsSecretInvalid,
  keyMismatch,
  weakCrypto,
  certMalformed,
  csrPending,
  csrDenied,
  csrFailed,
  csrUnapprovedKubeletServing,
  csrApprovedUnchecked,
  servingCertForeignSan,
  rbacCertAuthority,
  kubeletRotationBlocked,
  servedCertStale,
  hostnameMismatch,
  kubeletServingUnapproved,
  endpointUnreachable,
  containerViewStale,
  sourceForbidden,
  sourceUnavailable,
  agentSilent,
  parseError,
];

export function findRule(id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}

/** Runs every rule and collects all findings. */
export function runRules(inv: Inventory, ctx: RuleContext): Finding[] {
  return rules.flatMap((rule) => rule.check(inv, ctx));
}
