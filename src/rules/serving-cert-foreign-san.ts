/**
 * serving-cert-foreign-san: an issued kubelet serving certificate (subject CN=system:node:NAME,
 * O=system:nodes, serverAuth) — in a CSR's status.certificate, presented on :10250, or on disk — that
 * carries a DNS name or IP Node NAME does not own. Needs the Nodes (a live read).
 */
import { canonicalIp } from "../controller/ip.js";
import { nodeFactsOf } from "../controller/node-facts.js";
import type { Finding } from "../model/finding.js";
import { makeFinding, type Rule } from "./rule.js";
import { liveRefs } from "./support/describe.js";

const NODE_SUBJECT = /^(?:CN=system:node:([a-z0-9.-]+),O=system:nodes|O=system:nodes,CN=system:node:([a-z0-9.-]+))$/;

export const servingCertForeignSan: Rule = {
  id: "serving-cert-foreign-san",
  severity: "critical",
  title: "A kubelet serving certificate names addresses its node does not own",
  explain: `A kubelet serving certificate (subject \`CN=system:node:NAME, O=system:nodes\`, extended key usage
serverAuth, issued by the cluster's kubelet-serving signer) carries a DNS name or IP that is not one of Node
NAME's \`.status.addresses\`: another node's name or IP, an in-cluster name, anything. Everything that trusts
the cluster CA for kubelet connections (the API server for logs/exec, metrics-server, Prometheus) accepts it
for those names, so the holder of its key can impersonate the other node. This is what an approver that does
not check SAN values lets through (kubelet-serving-cert-approver #337/#348, a prefix or \`.*\` regex in
kubelet-csr-approver). Checked wherever the certificate was found: a CSR's \`status.certificate\`, the
kubelet's :10250 endpoint, \`kubelet-server-current.pem\` on disk; only when the Nodes were read.

**Fix:** delete the CSR that produced it, remove the certificate from the node
(\`/var/lib/kubelet/pki/kubelet-server-*.pem\`) and restart the kubelet so it asks again; replace the approver
with \`certdoctor approver\` (docs/approver.md). If the extra name is legitimately the node's (a load
balancer name), add it to the approver's \`allowedDnsNames\`/\`allowedIpCidrs\` and accept this finding.`,
  check(inv) {
    const nodes = nodeFactsOf(inv.objects);
    if (nodes.size === 0) return [];
    const out: Finding[] = [];
    for (const cert of inv.certs) {
      const m = NODE_SUBJECT.exec(cert.record.subject);
      const name = m?.[1] ?? m?.[2];
      if (name === undefined || !cert.record.extKeyUsage.includes("serverAuth")) continue;
      const node = nodes.get(name);
      if (node === undefined) continue;
      const own = new Set(node.addresses.map((a) => canonicalIp(a.address) ?? a.address.toLowerCase()));
      const foreign = [
        ...cert.record.dnsNames.filter((d) => !own.has(d.toLowerCase())),
        ...cert.record.ipAddresses.filter((ip) => !own.has(canonicalIp(ip) ?? ip)),
      ];
      if (foreign.length === 0) continue;
      const others = foreign.flatMap((f) => {
        const key = canonicalIp(f) ?? f.toLowerCase();
        const holder = [...nodes.values()].find((n) => n.name !== name && n.addresses.some((a) => (canonicalIp(a.address) ?? a.address.toLowerCase()) === key));
        return holder ? [`${f} is Node ${holder.name}'s`] : [];
      });
      const where = liveRefs(cert);
      out.push(
        makeFinding(this, {
          title: `Kubelet serving certificate of node ${name} also names ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? " …" : ""}`,
          detail: `The kubelet serving certificate for system:node:${name} (${where.join(", ") || "no live location"}) carries ${foreign.join(", ")}, which ${foreign.length === 1 ? "is" : "are"} not among Node ${name}'s addresses (${node.addresses.map((a) => a.address).join(", ") || "none"})${others.length > 0 ? `; ${others.join("; ")}` : ""}. Whoever holds its key can serve as ${foreign.length === 1 ? "that name" : "those names"} to every client that trusts the cluster CA.`,
          remediation: `Delete the CSR that issued it, remove /var/lib/kubelet/pki/kubelet-server-*.pem on ${name} and restart its kubelet; approve kubelet-serving CSRs with certdoctor approver so it does not recur.`,
          certificates: [cert.record.fingerprint],
          locations: where.length > 0 ? where : cert.locations.map((l) => l.ref),
        }),
      );
    }
    return out;
  },
};
