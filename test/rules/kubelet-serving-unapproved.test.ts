import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { EndpointPki, scanWithEndpoints } from "../support/endpoint-pki.js";
import { alertPeer, refusedPort, type LoopbackServer } from "../support/tls-servers.js";
import { findingsOf } from "../support/scan.js";

/** A real PKCS#10 kubelet-serving request wrapped in a CertificateSigningRequest manifest. */
function csrManifest(pki: EndpointPki, name: string, node: string, approved: boolean): string {
  execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", pki.path(`${name}.key`),
    "-out", pki.path(`${name}.csr`), "-subj", `/O=system:nodes/CN=system:node:${node}`, "-addext", `subjectAltName=DNS:${node}`], { stdio: "ignore" });
  const request = pki.read(`${name}.csr`).toString("base64");
  const status = approved ? `\nstatus:\n  conditions:\n  - type: Approved\n    status: "True"\n    reason: AutoApproved` : "";
  return `apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: ${name}\n  creationTimestamp: "2026-05-31T20:00:00Z"\nspec:\n  signerName: kubernetes.io/kubelet-serving\n  username: system:node:${node}\n  usages: [digital signature, server auth]\n  request: ${request}${status}\n`;
}

describe("kubelet-serving-unapproved (alert 80 on the wire + pending CSR)", () => {
  const pki = new EndpointPki();
  const servers: LoopbackServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    pki.cleanup();
  });
  const rows = [
    { name: "alert 80 and a pending CSR from that node", peer: "alert80", csrNode: "talos-worker-1", approved: false, want: ["kubelet-serving-unapproved"] },
    { name: "alert 80, the node's CSR already approved", peer: "alert80", csrNode: "talos-worker-1", approved: true, want: ["endpoint-unreachable"] },
    { name: "alert 80, a pending CSR from another node", peer: "alert80", csrNode: "talos-worker-2", approved: false, want: ["endpoint-unreachable"] },
    { name: "refused port with a pending CSR: not the Talos symptom", peer: "refused", csrNode: "talos-worker-1", approved: false, want: ["endpoint-unreachable"] },
  ];
  for (const [i, row] of rows.entries()) {
    it(row.name, async () => {
      let port: number;
      if (row.peer === "alert80") {
        const s = await alertPeer(80);
        servers.push(s);
        port = s.port;
      } else port = await refusedPort();
      const file = pki.write(`csr-${i}.yaml`, csrManifest(pki, `csr-${i}`, row.csrNode, row.approved));
      const result = await scanWithEndpoints([file], [{ host: "127.0.0.1", port, sni: "talos-worker-1" }]);
      const got = result.findings.map((f) => f.rule).filter((r) => r === "kubelet-serving-unapproved" || r === "endpoint-unreachable");
      assert.deepEqual(got, row.want);
      const found = findingsOf(result, "kubelet-serving-unapproved");
      for (const f of found) assert.deepEqual(f.locations, [`endpoint:127.0.0.1:${port}`, `csr:csr-${i}`]);
    });
  }
});
