import type { Finding } from "../model/finding.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import { DAY_MS, makeFinding, type Rule } from "./rule.js";
import { addressOf, presentedLeaf, rolesForPort, storedLocations, checkedName, nameMatches } from "./support/endpoint.js";
import { humanDuration, isoDate, nameCert } from "./support/describe.js";

export const servedCertStale: Rule = {
  id: "served-cert-stale",
  severity: "critical",
  title: "Endpoint serves an older certificate than the one stored",
  explain: `A live TLS endpoint presents a certificate that is older than the one stored for the same identity on
disk or in a Secret: same subject and SANs, or the certificate the distribution layout says that port serves
(port 6443 and \`/etc/kubernetes/pki/apiserver.crt\`, 10250 and \`kubelet-server-current.pem\`, 2379 and the
etcd server certificate, CloudCore's 10000/10002 and Secret \`cloudcoresecret\`). The file was renewed but the
process never reloaded it, so the old certificate keeps being served — and the cluster breaks on the *old*
certificate's expiry date even though \`kubeadm certs check-expiration\` looks fine (the kops kube-proxy story).
Critical when the served certificate expires within \`--warn-days\`, a warning otherwise.

**Fix:** restart the process that serves the endpoint so it loads the stored certificate (kubeadm: move the
static-pod manifest out of \`/etc/kubernetes/manifests\` and back, or restart the kubelet; kubelet:
\`systemctl restart kubelet\`; K3s/RKE2: restart the service; CloudCore: restart its pod). Then probe again.`,
  check(inv, ctx) {
    const out: Finding[] = [];
    for (const ep of inv.endpoints) {
      const served = presentedLeaf(inv, ep);
      if (!served) continue;
      const stored = newestStoredMatch(inv.live(), served, ep.port, checkedName(ep));
      if (!stored) continue;
      const { cert, location } = stored;
      const expiresSoon = served.record.notAfter - ctx.now <= ctx.warnDays * DAY_MS;
      const storedAge = ctx.now - cert.record.notBefore;
      out.push(
        makeFinding(this, {
          severity: expiresSoon ? "critical" : "warning",
          title: `${addressOf(ep)} still serves the old certificate: ${served.record.subject}`,
          detail: `${ep.ref} presents ${served.record.subject} (serial ${served.record.serialNumber}, issued ${isoDate(served.record.notBefore)}, expires ${isoDate(served.record.notAfter)}), but the ${nameCert(cert)} stored at ${location.ref} is newer: issued ${isoDate(cert.record.notBefore)} (${humanDuration(storedAge)} ago), serial ${cert.record.serialNumber}, expires ${isoDate(cert.record.notAfter)}. The certificate was renewed but the process serving ${addressOf(ep)} never loaded it; clients see the old one and fail when it expires on ${isoDate(served.record.notAfter)}.`,
          remediation: `Restart the process serving ${addressOf(ep)} so it loads ${location.ref} (kubeadm static pods: move the manifest out of /etc/kubernetes/manifests and back; kubelet, K3s, RKE2: restart the service), then run the probe again.`,
          certificates: [served.record.fingerprint, cert.record.fingerprint],
          locations: [ep.ref, location.ref],
          ...(served.record.notAfter > ctx.now ? { breaksAt: served.record.notAfter } : {}),
        }),
      );
    }
    return out;
  },
};

/** The newest stored certificate for the served one's identity, when it is newer than what is served. */
function newestStoredMatch(live: InventoryCert[], served: InventoryCert, port: number, name: string): { cert: InventoryCert; location: Location } | undefined {
  const roles = rolesForPort(port);
  let best: { cert: InventoryCert; location: Location } | undefined;
  for (const cert of live) {
    if (cert === served || cert.record.isCA || cert.record.notBefore <= served.record.notBefore) continue;
    const locations = storedLocations(cert);
    if (locations.length === 0) continue;
    const sameIdentity = cert.record.subject === served.record.subject && sameNames(cert, served);
    const byRole = locations.find((l) => l.role !== undefined && roles.includes(l.role));
    const roleMatch = byRole !== undefined && (nameMatches(cert.record, name) || cert.record.subject === served.record.subject);
    if (!sameIdentity && !roleMatch) continue;
    if (!best || cert.record.notBefore > best.cert.record.notBefore) best = { cert, location: byRole ?? locations[0]! };
  }
  return best;
}

function sameNames(a: InventoryCert, b: InventoryCert): boolean {
  const key = (c: InventoryCert) => [...c.record.dnsNames.map((d) => d.toLowerCase()), ...c.record.ipAddresses].sort().join(",");
  return key(a) === key(b);
}
