import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";
import { addressOf, isUnapprovedKubeletServing } from "./support/endpoint.js";

const MEANING: Record<string, string> = {
  ECONNREFUSED: "nothing listens on that port (the process is down or listens elsewhere)",
  ETIMEDOUT: "no TLS handshake completed in time (a firewall drops packets, or the peer accepts but never answers)",
  NOT_TLS: "the port answers, but not with TLS (plain HTTP, SSH or another protocol)",
  ECONNRESET: "the peer closed the connection during the handshake",
  ENOTFOUND: "the host name does not resolve",
  TLS_ALERT_80: 'the server failed internally ("remote error: tls: internal error"); a kubelet does this when it has no serving certificate',
  TLS_ALERT_40: "the server rejected the handshake (handshake_failure): usually it requires a client certificate or shares no cipher",
  TLS_ALERT_116: "the server requires a client certificate (certificate_required)",
  TLS_ALERT_70: "the server does not accept this TLS version (protocol_version)",
  TLS_ALERT_112: "the server does not know the name sent as SNI (unrecognized_name)",
  TLS_EXCESSIVE_MESSAGE_SIZE: "the server answers with TLS, but sends a certificate chain larger than OpenSSL accepts (excessive message size), so OpenSSL-based clients (curl, Python, Node) cannot connect",
};

export const endpointUnreachable: Rule = {
  id: "endpoint-unreachable",
  severity: "warning",
  title: "TLS endpoint could not be probed",
  explain: `A TLS endpoint given with \`--endpoint\`/\`--endpoints-file\` did not complete a handshake, so what it serves
could not be checked. The finding carries a stable code: \`ECONNREFUSED\`, \`ETIMEDOUT\` (connect + handshake
deadline, \`--endpoint-timeout\`), \`NOT_TLS\` (the port speaks HTTP, SSH or something else), \`ECONNRESET\`,
\`TLS_ALERT_<n>\` (the server sent TLS alert n: 40 handshake failure, 70 protocol version, 80 internal error,
116 certificate required, …). A kubelet answering alert 80 while its serving CSR is pending is reported as
\`kubelet-serving-unapproved\` instead.

**Fix:** check the address and that the process is running and listening with TLS on that port (\`ss -tlnp\`);
for alerts, read the server's log at the probe time. A server that requires a client certificate still shows
its chain (it is read before the server rejects the client).`,
  check(inv) {
    const out: Finding[] = [];
    for (const ep of inv.endpoints) {
      if (!ep.error || isUnapprovedKubeletServing(inv, ep)) continue;
      const meaning = MEANING[ep.error.code] ?? `the TLS handshake failed (${ep.error.message})`;
      out.push(
        makeFinding(this, {
          title: ep.error.code === "TLS_EXCESSIVE_MESSAGE_SIZE" ? `${addressOf(ep)} sends a certificate chain too large for OpenSSL (${ep.error.code})` : `${addressOf(ep)} could not be probed (${ep.error.code})`,
          detail: `Probing ${ep.ref}${ep.sni ? ` with SNI ${ep.sni}` : ""} failed with ${ep.error.code}: ${meaning}. What it serves was not checked.`,
          remediation:
            ep.error.code === "TLS_ALERT_80" && ep.port === 10250
              ? `This is a kubelet port: check for a pending kubelet-serving CSR (kubectl get csr) and approve it; include CSRs in the scan to have this diagnosed.`
              : ep.error.code === "TLS_EXCESSIVE_MESSAGE_SIZE"
                ? `Serve the leaf and its intermediates only (no roots, no duplicates); openssl s_client -showcerts -connect ${addressOf(ep)} counts what is sent.`
                : `Check that the process serving ${addressOf(ep)} runs and listens with TLS there (ss -tlnp), and that nothing in between drops or intercepts the connection.`,
          certificates: [],
          locations: [ep.ref],
        }),
      );
    }
    return out;
  },
};
