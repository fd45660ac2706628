import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";
import { conditionOf, requesterOf } from "./support/csr.js";

export const csrDenied: Rule = {
  id: "csr-denied",
  severity: "warning",
  title: "CertificateSigningRequest was denied",
  explain: `A CertificateSigningRequest carries a Denied condition: the requester (often a kubelet renewing its
certificate) did not get a certificate and keeps its old one until that expires.

**Fix:** read the denial reason (\`kubectl get csr NAME -o yaml\`); if the request was legitimate, fix what the
approver objected to and let the requester create a new CSR (a denied CSR cannot be approved).`,
  check(inv) {
    const out: Finding[] = [];
    for (const csr of inv.kubeCsrs) {
      const denied = conditionOf(csr, "Denied");
      if (!denied) continue;
      out.push(
        makeFinding(this, {
          title: `CSR ${csr.name} from ${requesterOf(csr)} was denied`,
          detail: `The request ${csr.name} (signer ${csr.signerName}) from ${requesterOf(csr)} was denied${denied.reason ? ` (${denied.reason}${denied.message ? `: ${denied.message}` : ""})` : ""}. The requester has no new certificate and keeps using its current one until it expires.`,
          remediation: `Check why it was denied; if the requester is legitimate, correct the cause and have it request again (restart the kubelet for kubelet CSRs). Delete the denied CSR: kubectl delete csr ${csr.name}.`,
          certificates: [],
          locations: [csr.ref],
        }),
      );
    }
    return out;
  },
};
