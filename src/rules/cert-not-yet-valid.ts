import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";
import { goTime } from "../pki/go-names.js";
import { humanDuration, isoDate, liveRefs, nameCert } from "./support/describe.js";

export const certNotYetValid: Rule = {
  id: "cert-not-yet-valid",
  severity: "warning",
  title: "Certificate is not valid yet",
  explain: `A live certificate's notBefore lies in the future. Either the machine that issued it has a clock
running ahead, or the machines that check it run behind. Peers reject it with
\`x509: certificate has expired or is not yet valid\` until their clocks pass notBefore.

**Fix:** check NTP/chrony on the issuing node and on every node that uses the certificate
(\`timedatectl\`, \`chronyc tracking\`); re-issue it after the clocks agree.`,
  check(inv, ctx) {
    const out: Finding[] = [];
    for (const cert of inv.live()) {
      if (cert.record.notBefore <= ctx.now) continue;
      const ahead = cert.record.notBefore - ctx.now;
      out.push(
        makeFinding(this, {
          title: `Not valid for another ${humanDuration(ahead)}: ${cert.record.subject}`,
          detail: `The ${nameCert(cert)} only becomes valid on ${isoDate(cert.record.notBefore)}, ${humanDuration(ahead)} from now. Until then every peer that checks it fails with "x509: certificate has expired or is not yet valid". This usually means clock skew between the issuer and this cluster.`,
          remediation: `Check time synchronisation (timedatectl, chronyc tracking) on the node that issued it and on every node that uses it; once clocks agree, re-issue the certificate or wait until ${isoDate(cert.record.notBefore)}.`,
          certificates: [cert.record.fingerprint],
          locations: liveRefs(cert),
          goError: `x509: certificate has expired or is not yet valid: current time ${goTime(ctx.now)} is before ${goTime(cert.record.notBefore)}`,
        }),
      );
    }
    return out;
  },
};
