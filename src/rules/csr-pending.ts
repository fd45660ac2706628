import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";
import { KUBELET_SERVING_SIGNER, isDecided, requesterOf } from "./support/csr.js";
import { humanDuration } from "./support/describe.js";

const PENDING_AFTER_MS = 5 * 60_000;
const KUBELET_SERVING_CRITICAL_MS = 60 * 60_000;

export const csrPending: Rule = {
  id: "csr-pending",
  severity: "critical",
  title: "CertificateSigningRequest waits for approval",
  explain: `A CertificateSigningRequest has neither an Approved nor a Denied condition after five minutes.
kube-controller-manager auto-approves only kubelet *client* CSRs; kubelet *serving* CSRs
(\`kubernetes.io/kubelet-serving\`, created when \`serverTLSBootstrap\`/\`rotate-server-certificates\` is on — the
Talos default) are never approved by anything built in. Until one is approved the kubelet has no serving
certificate: \`kubectl logs/exec/port-forward\` and metrics-server fail with \`remote error: tls: internal
error\`. Critical for kubelet-serving CSRs older than an hour.

**Fix:** check the request (node name, SANs) and \`kubectl certificate approve <name>\`; run an approver that
validates kubelet-serving CSRs (kubelet-serving-cert-approver, kubelet-csr-approver) so it does not recur.`,
  check(inv, ctx) {
    const out: Finding[] = [];
    for (const csr of inv.kubeCsrs) {
      if (isDecided(csr) || csr.createdAt === undefined) continue;
      const age = ctx.now - csr.createdAt;
      if (age < PENDING_AFTER_MS) continue;
      const serving = csr.signerName === KUBELET_SERVING_SIGNER;
      const critical = serving && age >= KUBELET_SERVING_CRITICAL_MS;
      const names = csr.request ? [...csr.request.dnsNames, ...csr.request.ipAddresses] : [];
      out.push(
        makeFinding(this, {
          severity: critical ? "critical" : "warning",
          title: `CSR ${csr.name} from ${requesterOf(csr)} pending for ${humanDuration(age)}`,
          detail: serving
            ? `The kubelet serving-certificate request ${csr.name} (signer ${csr.signerName}${names.length ? `, for ${names.join(", ")}` : ""}) from ${requesterOf(csr)} has waited ${humanDuration(age)} with no approval. Serving-certificate rotation is on but nobody approves these CSRs (kube-controller-manager never does): the kubelet has no valid serving certificate, so kubectl logs/exec, metrics-server and anything else that calls the kubelet on :10250 fail with "remote error: tls: internal error". On Talos this is the default behaviour until an approver is installed.`
            : `The request ${csr.name} (signer ${csr.signerName}) from ${requesterOf(csr)} has waited ${humanDuration(age)} with no Approved or Denied condition; whatever asked for it is still without its certificate.`,
          remediation: serving
            ? `Verify the request names only that node's own hostnames/IPs, then: kubectl certificate approve ${csr.name}. To stop it recurring, run an approver that validates kubelet-serving CSRs (e.g. kubelet-serving-cert-approver or kubelet-csr-approver) or turn off serverTLSBootstrap.`
            : `Inspect it (kubectl get csr ${csr.name} -o yaml) and approve (kubectl certificate approve ${csr.name}) or deny it; check that the controller responsible for signer ${csr.signerName} is running.`,
          certificates: [],
          locations: [csr.ref],
        }),
      );
    }
    return out;
  },
};
