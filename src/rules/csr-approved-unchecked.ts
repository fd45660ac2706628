/**
 * csr-approved-unchecked: a kubelet-serving CSR that something other than certdoctor approved although
 * the approver's checks (src/controller/policies.ts, docs/adr/0003) refuse it. Node-dependent checks run
 * only when the Node was read; otherwise the finding says what could not be checked.
 */
import { evaluateCsr, kubeletServingChain, DEFAULT_APPROVAL_CONFIG, type CsrFacts, type Policy, type Reason } from "../controller/policies.js";
import { nodeFactsOf } from "../controller/node-facts.js";
import type { Finding, Severity } from "../model/finding.js";
import type { KubeCsrItem } from "../model/items.js";
import { conditionOf, KUBELET_SERVING_SIGNER, requesterOf } from "./support/csr.js";
import { parseRef, valueKeyOf } from "../model/ref.js";
import { makeFinding, type Rule } from "./rule.js";

const CERTDOCTOR_REASON = "CertdoctorApproved";
const NODE_CHECKS: readonly Reason[] = ["NodeNotFound", "SANMismatch"];
/** What certdoctor refuses under any config: an approval claiming to be certdoctor's is still checked for these. */
const CONFIG_INDEPENDENT: readonly Reason[] = ["SignerMismatch", "RequesterNotNode", "NodeGroupMissing", "RequestInvalid", "SignatureInvalid", "SubjectMismatch", "UsageMismatch", "SANMissing", "SANTypeForbidden", "SANInCluster"];
/** Refusals that hand out a foreign or privileged identity; the rest weaken the certificate. */
const IMPERSONATION: readonly Reason[] = ["RequesterNotNode", "NodeGroupMissing", "SubjectMismatch", "UsageMismatch", "SANTypeForbidden", "SANInCluster", "SANInServiceCIDR", "SANMismatch"];

export function csrFactsOf(csr: KubeCsrItem): CsrFacts {
  return {
    name: csr.name,
    signerName: csr.signerName,
    ...(csr.username === undefined ? {} : { username: csr.username }),
    groups: csr.groups,
    usages: csr.usages,
    ...(csr.expirationSeconds === undefined ? {} : { expirationSeconds: csr.expirationSeconds }),
    request: csr.request ?? { error: "spec.request is missing or unreadable" },
  };
}

export const csrApprovedUnchecked: Rule = {
  id: "csr-approved-unchecked",
  severity: "critical",
  title: "A kubelet serving CSR was approved that certdoctor's checks refuse",
  explain: `A \`kubernetes.io/kubelet-serving\` CertificateSigningRequest was approved by something other than
certdoctor (a person, kubelet-csr-approver, kubelet-serving-cert-approver, a script; an approval whose reason claims \`CertdoctorApproved\` is checked for
what certdoctor refuses under every config) although it fails the
checks \`certdoctor approver\` makes (docs/approver.md): the requester is not a node in \`system:nodes\`, the
subject is not exactly \`CN=system:node:NAME, O=system:nodes\`, a client usage was smuggled in, or a DNS
name / IP is not the node's own (another node's, an in-cluster name such as \`kubernetes.default.svc\`, an
email or URI). A serving certificate signed by the cluster CA is trusted for every name in it: whoever holds
the key can impersonate that node (or the API server) to anything that trusts the CA. Weak keys and
overlong lifetimes are reported as warnings. With the Nodes read from the API the names are checked against
\`.status.addresses\`; from a dump without Nodes only the Node-independent checks run.

**Fix:** find out what approved it (the condition's reason and message say), delete the CSR and, if it was
issued, treat the certificate as compromised: rotate the cluster CA or, at least, restart the kubelet so it
asks again and remove the approver that let it through; run \`certdoctor approver\` instead.`,
  check(inv) {
    const nodes = nodeFactsOf(inv.objects);
    const out: Finding[] = [];
    for (const csr of inv.kubeCsrs) {
      if (csr.signerName !== KUBELET_SERVING_SIGNER) continue;
      const approved = conditionOf(csr, "Approved");
      if (approved === undefined) continue;
      // the reason is free text anyone with approve rights can write: an approval "by certdoctor" is still
      // checked for what certdoctor refuses under every config (its allow-lists are not known to a scan)
      const claimsCertdoctor = approved.reason === CERTDOCTOR_REASON;
      const facts = csrFactsOf(csr);
      const nodeName = csr.username?.startsWith("system:node:") ? csr.username.slice("system:node:".length) : undefined;
      const nodeKnown = nodeName !== undefined && nodes.has(nodeName);
      const chain: readonly Policy[] = kubeletServingChain.filter((p) => (nodeKnown || !NODE_CHECKS.includes(p.reason)) && (!claimsCertdoctor || CONFIG_INDEPENDENT.includes(p.reason)));
      const verdict = evaluateCsr({ csr: facts, nodes, config: DEFAULT_APPROVAL_CONFIG }, chain);
      if (verdict.approved) continue;
      const severity: Severity = IMPERSONATION.includes(verdict.reason) ? "critical" : "warning";
      const by = `${approved.reason ? `reason ${approved.reason}` : "no reason"}${approved.message ? `, "${approved.message.slice(0, 200)}"` : ""}`;
      const forged = claimsCertdoctor ? ` Its reason says ${CERTDOCTOR_REASON}, but certdoctor never approves this: the reason was written by something else.` : "";
      const unchecked = claimsCertdoctor ? "" : nodeKnown ? "" : nodes.size === 0 ? " The Nodes were not read, so the names were not compared with the node's addresses." : ` No Node ${nodeName ?? ""} was read, so the names were not compared with its addresses.`;
      out.push(
        makeFinding(this, {
          severity,
          title: `CSR ${csr.name} from ${requesterOf(csr)} was approved although it fails ${verdict.reason}`,
          detail: `${csr.ref} (kubernetes.io/kubelet-serving) was approved (${by}) but certdoctor's approval checks refuse it: ${verdict.reason}: ${verdict.message}.${csr.issued ? " It was issued: the certificate is in status.certificate." : ""}${forged}${unchecked}`,
          remediation: `Find what approved ${csr.name}, stop it approving unchecked CSRs (deploy certdoctor approver: kubectl apply -k deploy/overlays/approver), delete the CSR (kubectl delete csr ${csr.name})${csr.issued ? " and treat its issued certificate as compromised" : ""}.`,
          certificates: csr.issued ? inv.certs.filter((c) => c.locations.some((l) => isIssuedBy(l.ref, csr))).map((c) => c.record.fingerprint) : [],
          locations: [csr.ref],
        }),
      );
    }
    return out;
  },
};

/** The ref is a certificate in this CSR's status.certificate (`csr:NAME#status.certificate[/N]`). */
function isIssuedBy(ref: string, csr: KubeCsrItem): boolean {
  const value = parseRef(ref);
  return value?.kind === "csr" && value.location === csr.name && valueKeyOf(value) === "status.certificate";
}
