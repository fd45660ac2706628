import type { Finding } from "../model/finding.js";
import { certProblems, firstGoParseError, splitProblem } from "../pki/cert-problems.js";
import { makeFinding, type Rule } from "./rule.js";
import { liveRefs, nameCert } from "./support/describe.js";

export const certMalformed: Rule = {
  id: "cert-malformed",
  severity: "warning",
  title: "Certificate breaks DER or RFC 5280 rules",
  explain: `A certificate that can be read but is not encoded as DER and RFC 5280 require: the signature
algorithm inside the signed part differs from the one outside, an extension appears twice, a length or
BOOLEAN is BER-encoded, the serial number is negative or zero, a subject alternative name holds non-ASCII
bytes or an IP address of the wrong length. certdoctor keeps such certificates in the inventory (so its
leaves are still judged against it) and says what is wrong.

**Warning** when Go's crypto/x509 — every Kubernetes component — refuses to parse it: the finding's
\`goError\` is the error \`x509.ParseCertificate\` returns, and a Go component that loads a file holding it
refuses the whole file (client-go's certificate loaders stop at the first certificate they cannot parse).
**Info** when Go reads it anyway (OpenSSL and stricter verifiers may still reject it).

**Fix:** re-issue the certificate with a conforming tool (openssl, cfssl, cert-manager); for a
vendor-supplied CA, ask the vendor for a conforming one.`,
  check(inv) {
    const out: Finding[] = [];
    for (const cert of inv.live()) {
      const problems = cert.record.problems;
      if (problems === undefined || problems.length === 0) continue;
      const goError = firstGoParseError(problems);
      const texts = problems.map((p) => {
        const { code, detail } = splitProblem(p);
        const known = certProblems[code];
        const text = known?.text ?? code;
        return detail === undefined ? text : `${text} (${detail})`;
      });
      out.push(
        makeFinding(this, {
          severity: goError === undefined ? "info" : "warning",
          title: `${goError === undefined ? "Non-conforming" : "Go cannot parse"} certificate: ${cert.record.subject || cert.record.fingerprint.slice(0, 16)}`,
          detail:
            `The ${nameCert(cert)} is readable but ${texts.join("; ")}. ` +
            (goError === undefined
              ? "Go's crypto/x509 still reads it, so Kubernetes components accept it; stricter verifiers may not."
              : `Go's crypto/x509 refuses it with \`${goError}\`${problems.some((p) => certProblems[splitProblem(p).code]?.goNote !== undefined) ? ` (${problems.map((p) => certProblems[splitProblem(p).code]?.goNote).filter((n) => n !== undefined).join("; ")})` : ""}: any Go component that loads a file holding it fails to load that file.`),
          remediation: "Re-issue the certificate with a conforming tool (openssl, cfssl, cert-manager), or ask its vendor for a conforming one; then replace every copy listed.",
          certificates: [cert.record.fingerprint],
          locations: liveRefs(cert),
          ...(goError === undefined ? {} : { goError }),
        }),
      );
    }
    return out;
  },
};
