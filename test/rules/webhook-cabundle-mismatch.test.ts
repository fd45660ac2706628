import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { b64, tlsSecret, webhookConfig } from "../kube-api/seed.js";
import { scanObjects } from "../support/kube-scan.js";
import { makeOpensslDir, type OpensslDir } from "../support/openssl.js";
import { findingsOf } from "../support/scan.js";

describe("webhook-cabundle-mismatch", () => {
  let d: OpensslDir;
  before(() => {
    d = makeOpensslDir();
    d.makeCa("ca-a", "/CN=webhook-ca-a");
    d.makeCa("ca-b", "/CN=webhook-ca-b");
    d.makeLeaf("hook", "ca-a", "/CN=hook", "DNS:hook.system.svc,DNS:hook.system.svc.cluster.local");
    d.makeLeaf("plain", "ca-a", "/CN=plain-hook");
  });
  after(() => d.cleanup());
  const svc = { namespace: "system", name: "hook" };
  const apiService = (ca: string) => ({
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: "v1beta1.metrics.k8s.io" },
    spec: { group: "metrics.k8s.io", version: "v1beta1", caBundle: b64(ca), service: { namespace: "system", name: "hook", port: 443 } },
  });

  const rows: Array<{ name: string; objects: () => Array<Record<string, unknown>>; want: string[] }> = [
    { name: "caBundle is the CA that signed the SAN-matched serving cert", objects: () => [webhookConfig("w", d.readText("ca-a.crt"), svc), tlsSecret("system", "anything", d.readText("hook.crt"), d.readText("hook.key"))], want: [] },
    { name: "caBundle is another CA (matched by SAN)", objects: () => [webhookConfig("w", d.readText("ca-b.crt"), svc), tlsSecret("system", "anything", d.readText("hook.crt"), d.readText("hook.key"))], want: ["webhook:w#webhooks/0|secret:system/anything#tls.crt"] },
    { name: "mutating webhook, no SAN: matched by Secret name hook-tls", objects: () => [webhookConfig("m", d.readText("ca-b.crt"), svc, "MutatingWebhookConfiguration"), tlsSecret("system", "hook-tls", d.readText("plain.crt"), d.readText("plain.key"))], want: ["webhook:m#webhooks/0|secret:system/hook-tls#tls.crt"] },
    { name: "APIService with a stale caBundle", objects: () => [apiService(d.readText("ca-b.crt")), tlsSecret("system", "x", d.readText("hook.crt"), d.readText("hook.key"))], want: ["apiservice:v1beta1.metrics.k8s.io|secret:system/x#tls.crt"] },
    { name: "serving Secret in another namespace is not the service's", objects: () => [webhookConfig("w", d.readText("ca-b.crt"), svc), tlsSecret("elsewhere", "hook-tls", d.readText("hook.crt"), d.readText("hook.key"))], want: [] },
    { name: "no serving cert found: nothing to compare, no finding", objects: () => [webhookConfig("w", d.readText("ca-b.crt"), svc)], want: [] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const found = findingsOf(await scanObjects(row.objects()), "webhook-cabundle-mismatch");
      assert.deepEqual(
        found.map((f) => `${f.locations[0]}|${f.locations[f.locations.length - 1]}`),
        row.want,
      );
      for (const f of found) assert.equal(f.severity, "critical");
    });
  }

  it("says the Secret is managed by cert-manager when a Certificate writes it", async () => {
    const cert = { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "hook-cert", namespace: "system" }, spec: { secretName: "anything", issuerRef: { name: "selfsigned", kind: "Issuer" } } };
    const result = await scanObjects([webhookConfig("w", d.readText("ca-b.crt"), svc), tlsSecret("system", "anything", d.readText("hook.crt"), d.readText("hook.key")), cert]);
    const [f] = findingsOf(result, "webhook-cabundle-mismatch");
    assert.ok(f);
    assert.match(f.remediation, /inject-ca-from: system\/hook-cert/);
  });
});
