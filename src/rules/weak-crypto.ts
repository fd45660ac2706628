import type { Finding } from "../model/finding.js";
import { isSelfSigned } from "../inventory/inventory.js";
import { makeFinding, type Rule } from "./rule.js";
import { liveRefs, nameCert } from "./support/describe.js";

const WEAK_SIGNATURE = /(^|[^a-z])(md2|md4|md5|sha1)/i;

export const weakCrypto: Rule = {
  id: "weak-crypto",
  severity: "warning",
  title: "Weak key or signature algorithm",
  explain: `An RSA key shorter than 2048 bits, or a signature made with SHA-1 or MD5. Go-based Kubernetes
components (since Go 1.18 / Kubernetes 1.24) reject SHA-1 signed certificates with
\`x509: certificate signed using SHA1-RSA is insecure\`, and OpenSSL 3 at security level 2 rejects RSA
keys under 2048 bits. The self-signature of a trust anchor is not checked by clients and is not reported.

**Fix:** re-issue the certificate with RSA-2048 or larger (or ECDSA P-256) and SHA-256.`,
  check(inv) {
    const out: Finding[] = [];
    for (const cert of inv.live()) {
      const reasons: string[] = [];
      if (cert.record.keyType === "RSA" && cert.record.keySize > 0 && cert.record.keySize < 2048) {
        reasons.push(`an RSA key of only ${cert.record.keySize} bits`);
      }
      if (!isSelfSigned(cert) && WEAK_SIGNATURE.test(cert.record.signatureAlgorithm)) {
        reasons.push(`a ${cert.record.signatureAlgorithm} signature`);
      }
      if (reasons.length === 0) continue;
      out.push(
        makeFinding(this, {
          title: `Weak crypto (${reasons.join(", ")}): ${cert.record.subject}`,
          detail: `The ${nameCert(cert)} uses ${reasons.join(" and ")}. Current Go and OpenSSL builds refuse such certificates, so clients fail as soon as they are upgraded.`,
          remediation: `Re-issue it with an RSA-2048+ or ECDSA P-256 key and a SHA-256 signature.`,
          certificates: [cert.record.fingerprint],
          locations: liveRefs(cert),
        }),
      );
    }
    return out;
  },
};
