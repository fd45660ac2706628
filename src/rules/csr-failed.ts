import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";
import { conditionOf, requesterOf } from "./support/csr.js";

export const csrFailed: Rule = {
  id: "csr-failed",
  severity: "warning",
  title: "CertificateSigningRequest failed to be signed",
  explain: `A CertificateSigningRequest carries a Failed condition: it was approved but the signer could not
issue the certificate (unknown signer, a signer whose CA files are missing or expired, a request the
signer's policy refuses).

**Fix:** check the signer (\`kube-controller-manager\` logs for \`kubernetes.io/*\` signers, the
\`--cluster-signing-*\` flags and CA files), then have the requester create a new CSR.`,
  check(inv) {
    const out: Finding[] = [];
    for (const csr of inv.kubeCsrs) {
      const failed = conditionOf(csr, "Failed");
      if (!failed) continue;
      out.push(
        makeFinding(this, {
          title: `CSR ${csr.name} from ${requesterOf(csr)} failed`,
          detail: `The request ${csr.name} (signer ${csr.signerName}) from ${requesterOf(csr)} failed${failed.reason ? ` (${failed.reason}${failed.message ? `: ${failed.message}` : ""})` : ""}: no certificate was issued.`,
          remediation: `Check that the signer ${csr.signerName} is served (kube-controller-manager --cluster-signing-cert-file/--cluster-signing-key-file exist and are valid), then let the requester create a new CSR.`,
          certificates: [],
          locations: [csr.ref],
        }),
      );
    }
    return out;
  },
};
