import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";
import { addressOf, isUnapprovedKubeletServing } from "./support/endpoint.js";
import { requesterOf } from "./support/csr.js";

export const kubeletServingUnapproved: Rule = {
  id: "kubelet-serving-unapproved",
  severity: "critical",
  title: "Kubelet has no serving certificate: its CSR is not approved",
  explain: `A kubelet endpoint (normally :10250) answers the TLS handshake with \`remote error: tls: internal
error\` (alert 80) while a \`kubernetes.io/kubelet-serving\` CertificateSigningRequest from that node is pending.
Serving-certificate rotation is on (\`serverTLSBootstrap: true\`, the Talos default), the kubelet asked for a
certificate, and nothing approves it — kube-controller-manager never approves kubelet-serving CSRs. Until one
is approved \`kubectl logs/exec/port-forward\`, metrics-server and Prometheus scraping of that node fail. This
replaces the generic \`endpoint-unreachable\` finding for that endpoint.

**Fix:** check the CSR names only that node's own hostnames/IPs, then \`kubectl certificate approve <csr>\`; to
stop it recurring, deploy an approver that validates kubelet-serving CSRs (kubelet-serving-cert-approver,
kubelet-csr-approver), or turn serving-certificate rotation off.`,
  check(inv) {
    const out: Finding[] = [];
    for (const ep of inv.endpoints) {
      const csr = isUnapprovedKubeletServing(inv, ep);
      if (!csr) continue;
      out.push(
        makeFinding(this, {
          title: `Kubelet at ${addressOf(ep)} has no serving certificate: CSR ${csr.name} is not approved`,
          detail: `${ep.ref} answered the TLS handshake with "remote error: tls: internal error" (alert 80): the kubelet has no serving certificate. The kubelet-serving CSR ${csr.name} from ${requesterOf(csr)} is pending, so serving-certificate rotation is on and nobody approves. kubectl logs/exec/port-forward and metrics-server fail for this node.`,
          remediation: `Verify ${csr.name} names only this node's hostnames/IPs, then: kubectl certificate approve ${csr.name}. Deploy an approver for kubernetes.io/kubelet-serving CSRs (kubelet-serving-cert-approver or kubelet-csr-approver) so it does not recur.`,
          certificates: [],
          locations: [ep.ref, csr.ref],
        }),
      );
    }
    return out;
  },
};
