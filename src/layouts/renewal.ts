import { describeKubeadm, describeKubelet } from "./renewal-kubeadm.js";
import { describeClusterObject, describeEtcd, describeKops, describeKubeedge, describeTalos } from "./renewal-others.js";
import { describeRancher } from "./renewal-rancher.js";
import { formatDays, GENERIC_RENEWAL, type CertFacts, type RenewalDescriber } from "./renewal-types.js";
import type { Placement } from "./types.js";

const DESCRIBERS: readonly RenewalDescriber[] = [
  describeClusterObject,
  describeKubeadm,
  describeKubelet,
  describeRancher,
  describeKubeedge,
  describeTalos,
  describeKops,
  describeEtcd,
];

const SHORT_LIVED_DAYS = 100;

/**
 * Remediation text for a certificate at `placement`, naming the distribution's own command and
 * facts. Pure: the same inputs always give the same text.
 */
export function describeRenewal(placement: Placement, cert: CertFacts): string {
  if (placement.backup) {
    return "This is an archived copy (a backup, a pre-rotation copy or a superseded file) that no component reads, so there is nothing to renew. Delete it when it is no longer needed, and never copy it back into place.";
  }
  for (const describe of DESCRIBERS) {
    const text = describe(placement, cert);
    if (text !== undefined) return text;
  }
  return describeGeneric(cert);
}

function describeGeneric(cert: CertFacts): string {
  if (cert.isCA) {
    return `${GENERIC_RENEWAL} For a CA: issue a new one, add it next to the old one in every trust bundle, re-issue the certificates it signs, then remove the old CA.`;
  }
  if (cert.lifetimeDays > 0 && cert.lifetimeDays <= SHORT_LIVED_DAYS) {
    return `${GENERIC_RENEWAL} It is short-lived (${formatDays(cert.lifetimeDays)} days), so it is most likely renewed by automation (cert-manager, ACME, a Vault role): find out why renewal stopped instead of replacing it by hand.`;
  }
  if (cert.selfIssued) {
    return `${GENERIC_RENEWAL} It is self-signed, so every client that trusts it must get the new certificate too.`;
  }
  return GENERIC_RENEWAL;
}
