import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";

export const parseError: Rule = {
  id: "parse-error",
  severity: "warning",
  title: "Certificate material could not be read",
  explain: `Something that looks like certificate material — a PEM block, a DER certificate, a private key, a
kubeconfig, a Kubernetes manifest, a PKCS#12 bundle — could not be read: broken base64, a truncated
certificate, invalid YAML, a kubeconfig that references a missing file, a PKCS#12 whose password is not
known. The scan goes on without it, so anything it holds is not checked. Files that are simply not
certificate material (binaries, oversized files) are listed as notes, not findings.

**Fix:** repair or replace the file (the finding says what is wrong and where); for PKCS#12 pass the
password with \`--pkcs12-password-file\`.`,
  check(inv) {
    const out: Finding[] = [];
    for (const issue of inv.issues) {
      if (!issue.material) continue;
      out.push(
        makeFinding(this, {
          title: `Unreadable: ${issue.ref}`,
          detail: `${issue.ref}: ${issue.message} (${issue.code}). Whatever it holds was not checked.`,
          remediation:
            issue.code === "ERR_PKCS12_PASSWORD"
              ? `Pass the bundle's password with --pkcs12-password-file FILE (one password per line).`
              : issue.code === "ERR_KUBECONFIG_REF_MISSING"
                ? `The kubeconfig points at a file that does not exist: restore it, or include the node's filesystem in the scan.`
                : `Repair or replace the file; compare with: openssl x509 -noout -text -in FILE (certificates) or openssl pkey -noout -in FILE (keys).`,
          certificates: [],
          locations: [issue.ref],
        }),
      );
    }
    return out;
  },
};
