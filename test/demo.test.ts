import assert from "node:assert/strict";
import { describe, it, before } from "node:test";
import { scan } from "../src/engine/scan.js";
import type { ScanResult } from "../src/engine/types.js";
import { demoNow, demoPath } from "./support/fixtures.js";

// The embedded demo (demo/README.md): every story fires, everything healthy stays silent.
describe("demo cluster stories", () => {
  let result: ScanResult;
  before(async () => {
    result = await scan({ paths: [demoPath()], now: demoNow, warnDays: 30, critDays: 7 });
  });

  const has = (rule: string, severity: string, locationPart: string) =>
    result.findings.some((f) => f.rule === rule && f.severity === severity && f.locations.some((l) => l.includes(locationPart)));

  const stories = [
    { name: "1 expiring admin.conf client certificate", rule: "cert-expiring", severity: "critical", where: "cp-1/etc/kubernetes/admin.conf#users/" },
    { name: "2 mismatched front-proxy-client key", rule: "key-mismatch", severity: "critical", where: "cp-1/etc/kubernetes/pki/front-proxy-client.key" },
    { name: "3 kubelet rotation blocked on worker-1", rule: "kubelet-rotation-blocked", severity: "critical", where: "worker-1/var/lib/kubelet/pki/kubelet-client-current.pem" },
    { name: "3 worker-1 kubelet client cert expiring", rule: "cert-expiring", severity: "warning", where: "worker-1/var/lib/kubelet/pki/kubelet-client-current.pem" },
    { name: "4 K3s server CA differs between servers", rule: "ca-divergence", severity: "critical", where: "k3s-server-2/var/lib/rancher/k3s/server/tls/server-ca.crt" },
    { name: "4 K3s server-2 serving cert not trusted by server-1's CA", rule: "chain-untrusted", severity: "critical", where: "k3s-server-2/var/lib/rancher/k3s/server/tls/serving-kube-apiserver.crt" },
    { name: "5 KubeEdge CA differs between CloudCore and edge-1", rule: "ca-divergence", severity: "critical", where: "secret:kubeedge/casecret#cadata" },
    { name: "5 CloudCore serving cert not trusted by edge-1", rule: "chain-untrusted", severity: "critical", where: "edge-1/etc/kubeedge/ca/rootCA.crt" },
    { name: "5 edge-1 certificate not from CloudCore's CA", rule: "chain-untrusted", severity: "critical", where: "edge-1/etc/kubeedge/certs/server.crt" },
    { name: "6 pending kubelet-serving CSR (Talos)", rule: "csr-pending", severity: "critical", where: "csr:csr-t7q9w" },
  ];
  for (const s of stories) {
    it(s.name, () => assert.ok(has(s.rule, s.severity, s.where), `no ${s.rule}/${s.severity} at ${s.where}`));
  }

  it("stays silent on everything healthy", () => {
    const silent = ["/pki/expired/", "tls-1764000000", "edge-2/", "policy-webhook", "kube-root-ca.crt", "csr-2bq8m", "/kubelet.crt"];
    for (const f of result.findings) {
      // ca-divergence lists every place of every variant: edge-2 legitimately holds the current KubeEdge CA.
      const about = f.rule === "ca-divergence" ? f.locations.filter((l) => !l.includes("edge-2/")) : f.locations;
      for (const part of silent) assert.ok(!about.some((l) => l.includes(part)), `${f.rule} fired on ${part}: ${f.title}`);
    }
    const stray = result.findings.filter((f) => !stories.some((s) => s.rule === f.rule));
    assert.deepEqual(stray.map((f) => `${f.rule}: ${f.title}`), []);
  });

  it("parses every certificate in the dump and verifies every non-root", () => {
    // 54 distinct certificates: counted from demo/gen-demo.sh's output (backups and chain copies included).
    assert.equal(result.certificates.length, 54);
    assert.deepEqual(result.issues.filter((i) => i.material), []);
    const orphans = result.certificates.filter((c) => c.issuers.length === 0);
    assert.deepEqual(orphans.map((c) => c.record.subject), []);
  });
});
