import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { EndpointPki, scanWithEndpoints } from "../support/endpoint-pki.js";
import { startOpensslServer, startTlsServer, type LoopbackServer } from "../support/tls-servers.js";
import { findingsOf } from "../support/scan.js";

const SAN = "DNS:localhost,IP:127.0.0.1";

describe("served-cert-stale", () => {
  const pki = new EndpointPki();
  const servers: LoopbackServer[] = [];
  before(() => {
    pki.ca("ca", "/CN=stale-test-ca");
    // A: the certificate the server loaded (expires soon); B: its renewal (same identity, issued later).
    pki.leaf("a", "ca", "/CN=kube-apiserver", SAN, "2025-06-20T00:00:00Z", "2026-06-20T00:00:00Z");
    pki.leaf("b", "ca", "/CN=kube-apiserver", SAN, "2026-05-20T00:00:00Z", "2027-05-20T00:00:00Z");
    pki.leaf("c", "ca", "/CN=kube-apiserver", SAN, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    pki.leaf("other", "ca", "/CN=something-else", "DNS:other.example", "2026-05-25T00:00:00Z", "2027-05-25T00:00:00Z");
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    pki.cleanup();
  });

  it("the story, for real: renew the file on disk while openssl s_server keeps serving the old one", async () => {
    const node = "cp-1/etc/kubernetes/pki";
    pki.write(`${node}/apiserver.crt`, pki.read("a.crt"));
    pki.write(`${node}/apiserver.key`, pki.read("a.key"));
    pki.write(`${node}/ca.crt`, pki.read("ca.crt"));
    const server = await startOpensslServer(pki.dir, ["-cert", `${node}/apiserver.crt`, "-key", `${node}/apiserver.key`]);
    servers.push(server);
    const target = [{ host: server.host, port: server.port, sni: "localhost" }];
    const before = await scanWithEndpoints([pki.path("cp-1")], target);
    assert.deepEqual(findingsOf(before, "served-cert-stale"), [], "nothing stale before the renewal");

    // Renewal: the file changes, the running server does not reload it.
    copyFileSync(pki.path("b.crt"), pki.path(`${node}/apiserver.crt`));
    copyFileSync(pki.path("b.key"), pki.path(`${node}/apiserver.key`));
    const result = await scanWithEndpoints([pki.path("cp-1")], target);
    const found = findingsOf(result, "served-cert-stale");
    assert.equal(found.length, 1);
    assert.equal(found[0]!.severity, "critical", "the served certificate expires in 19 days");
    assert.deepEqual(found[0]!.locations, [`endpoint:127.0.0.1:${server.port}`, `file:${pki.path(`${node}/apiserver.crt`)}`]);
    const byFp = new Map(result.certificates.map((c) => [c.record.fingerprint, c.record]));
    assert.deepEqual(found[0]!.certificates.map((fp) => byFp.get(fp)?.notBefore), [Date.parse("2025-06-20T00:00:00Z"), Date.parse("2026-05-20T00:00:00Z")]);
  });

  const rows = [
    { name: "served A, stored B (newer, same identity): stale", served: "a", stored: ["b"], want: ["critical"] },
    { name: "served C (expires in 7 months), stored B: a warning", served: "c", stored: ["b"], want: ["warning"] },
    { name: "served B, stored B: current", served: "b", stored: ["b"], want: [] },
    { name: "served B, stored A (older): not stale", served: "b", stored: ["a"], want: [] },
    { name: "served A, newer certificate on disk for another identity: not stale", served: "a", stored: ["other"], want: [] },
    { name: "served A, stored A and B: names the newest", served: "a", stored: ["a", "b"], want: ["critical"] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const server = await startTlsServer({ key: pki.read(`${row.served}.key`), cert: pki.read(`${row.served}.crt`) });
      servers.push(server);
      const dir = `row-${rows.indexOf(row)}`;
      const paths = row.stored.map((s) => pki.write(`${dir}/${s}.crt`, pki.read(`${s}.crt`)));
      const found = findingsOf(await scanWithEndpoints(paths, [{ host: server.host, port: server.port, sni: "localhost" }]), "served-cert-stale");
      assert.deepEqual(found.map((f) => f.severity), row.want);
      if (row.want.length > 0) assert.ok(found[0]!.locations.some((l) => l.endsWith("/b.crt")));
    });
  }
});
