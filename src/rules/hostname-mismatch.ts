import { isIP } from "node:net";
import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";
import { addressOf, checkedName, presentedLeaf } from "./support/endpoint.js";
import { goVerifyHostname } from "../pki/go-hostname.js";

export const hostnameMismatch: Rule = {
  id: "hostname-mismatch",
  severity: "critical",
  title: "Endpoint certificate does not cover the name clients use",
  explain: `The certificate a live endpoint presents does not list the name it was reached by — the SNI sent,
or the host when no SNI was given — among its subject alternative names. Names are compared as RFC 6125
says: case-insensitively; a wildcard only as the whole left-most label, matching exactly one label
(\`*.example.com\` covers \`a.example.com\`, not \`example.com\` or \`a.b.example.com\`); an IP address only
against IP SANs; the subject CN is ignored (as Go ≥ 1.15 and browsers do). The finding quotes Go's exact
error (\`goError\`): \`x509: certificate is valid for a, b, not c\` (the DNS names for a DNS host, the IP SANs
for an IP), \`x509: cannot validate certificate for IP because it doesn't contain any IP SANs\` or
\`x509: certificate relies on legacy Common Name field, use SANs instead\`. A warning when the endpoint was probed by bare IP without SNI
(clients may use a name instead), critical otherwise.

**Fix:** re-issue the certificate with the missing name as a SAN (kubeadm: add it to
\`apiServer.certSANs\`, delete \`apiserver.crt\`/\`.key\` and run \`kubeadm init phase certs apiserver\`;
kubelet: set the node's addresses or \`--tls-cert-file\`), or make clients use a name it covers.`,
  check(inv) {
    const out: Finding[] = [];
    for (const ep of inv.endpoints) {
      const leaf = presentedLeaf(inv, ep);
      if (!leaf) continue;
      const name = checkedName(ep);
      const goError = goVerifyHostname(leaf.record, name);
      if (goError === undefined) continue;
      const byBareIp = ep.sni === undefined && isIP(ep.host) !== 0;
      const covered = [...leaf.record.dnsNames, ...leaf.record.ipAddresses];
      out.push(
        makeFinding(this, {
          severity: byBareIp ? "warning" : "critical",
          title: `${addressOf(ep)}: certificate not valid for ${name}`,
          detail: `${ep.ref} was reached as ${name}${ep.sni ? " (SNI)" : ""} and presents ${leaf.record.subject}, valid only for ${covered.length ? covered.join(", ") : "no subject alternative names at all"}. Clients that connect as ${name} fail with \`${goError}\`.`,
          remediation: `Re-issue the serving certificate with ${isIP(name) ? `IP:${name}` : `DNS:${name}`} among its subject alternative names (kubeadm API server: apiServer.certSANs, then regenerate apiserver.crt), or have clients use one of the names it covers.`,
          certificates: [leaf.record.fingerprint],
          locations: [ep.ref],
          goError,
        }),
      );
    }
    return out;
  },
};
