import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";
import { goTime } from "../pki/go-names.js";
import { consequenceOf, humanDuration, isOsTrustStoreRoot, isoDate, liveRefs, nameCert, renewalFor } from "./support/describe.js";

export const certExpired: Rule = {
  id: "cert-expired",
  severity: "critical",
  title: "Certificate has expired",
  explain: `A certificate in live use is past its notAfter date. Every TLS peer that checks it rejects the
connection with \`x509: certificate has expired or is not yet valid\`; an expired CA breaks every
certificate it signed. Backups (kubeadm \`pki/expired\`, K3s \`tls-<timestamp>\`) are not reported, and an expired
root that lives only in an operating-system trust store (\`/etc/ssl/certs\`, \`/etc/pki/ca-trust\`, …) is info:
distributions ship those until \`ca-certificates\` drops them, and no client accepts them anyway.

**Fix:** renew it with the distribution's own command (shown per finding), then restart the process
that loaded it — most Kubernetes components read certificates only at start. The finding's \`goError\` is
the exact line the component logs, e.g. \`x509: certificate has expired or is not yet valid: current time
2026-12-01T00:00:00Z is after 2026-11-05T00:00:00Z\` (the current time in the component's time zone).`,
  check(inv, ctx) {
    const out: Finding[] = [];
    for (const cert of inv.live()) {
      if (cert.record.notAfter >= ctx.now) continue; // Go: valid through notAfter itself
      if (isOsTrustStoreRoot(cert)) {
        out.push(
          makeFinding(this, {
            severity: "info",
            title: `Expired root in the OS trust store: ${cert.record.subject}`,
            detail: `The root CA ${cert.record.subject} in the operating system's trust store expired on ${isoDate(cert.record.notAfter)}. Clients never accept an expired root, so nothing that still works depends on it; it is listed so an unexpected "certificate has expired" can be traced.`,
            remediation: "Update the ca-certificates package (update-ca-certificates / update-ca-trust); remove it from a custom bundle if you added it.",
            certificates: [cert.record.fingerprint],
            locations: liveRefs(cert),
          }),
        );
        continue;
      }
      out.push(
        makeFinding(this, {
          title: `Expired ${humanDuration(ctx.now - cert.record.notAfter)} ago: ${cert.record.subject}`,
          detail: `The ${nameCert(cert)} expired on ${isoDate(cert.record.notAfter)}, ${humanDuration(ctx.now - cert.record.notAfter)} ago. ${consequenceOf(cert, inv)}`,
          remediation: renewalFor(cert),
          certificates: [cert.record.fingerprint],
          locations: liveRefs(cert),
          goError: `x509: certificate has expired or is not yet valid: current time ${goTime(ctx.now)} is after ${goTime(cert.record.notAfter)}`,
        }),
      );
    }
    return out;
  },
};
