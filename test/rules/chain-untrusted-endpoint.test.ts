import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EndpointPki, scanWithEndpoints } from "../support/endpoint-pki.js";
import { startTlsServer, type LoopbackServer } from "../support/tls-servers.js";
import { findingsOf } from "../support/scan.js";

describe("chain-untrusted for endpoints (and expiry rules on served certificates)", () => {
  const pki = new EndpointPki();
  const servers: LoopbackServer[] = [];
  before(() => {
    pki.ca("root", "/CN=ep-root");
    pki.issue("int", { subj: "/CN=ep-intermediate", start: "2025-01-01T00:00:00Z", end: "2034-01-01T00:00:00Z", ext: "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign", signer: "root" });
    pki.leaf("leaf", "int", "/CN=localhost", "DNS:localhost,IP:127.0.0.1");
    pki.leaf("expiring", "root", "/CN=localhost", "DNS:localhost,IP:127.0.0.1", "2025-06-10T00:00:00Z", "2026-06-04T00:00:00Z");
    pki.ca("other", "/CN=ep-other-root");
    // Same name as the real root, different key: a CA that "claims" the issuer name but did not sign.
    pki.ca("impostor", "/CN=ep-intermediate");
    pki.write("full.pem", Buffer.concat([pki.read("leaf.crt"), pki.read("int.crt")]));
    pki.write("disk-int/int.crt", pki.read("int.crt"));
    pki.write("disk-impostor/ca.crt", pki.read("impostor.crt"));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    pki.cleanup();
  });

  const rows = [
    { name: "full chain verifies against ca=root", serve: "full.pem", ca: "root.crt", paths: [], want: 0 },
    { name: "full chain, ca= is another CA", serve: "full.pem", ca: "other.crt", paths: [], want: 1 },
    { name: "leaf only, intermediate on disk, ca=root: missing intermediate", serve: "leaf.crt", ca: "root.crt", paths: ["disk-int"], want: 1 },
    { name: "no ca=: CA on disk claims the issuer name but did not sign", serve: "leaf.crt", ca: undefined, paths: ["disk-impostor"], want: 1 },
    { name: "no ca=: the real intermediate on disk verifies", serve: "leaf.crt", ca: undefined, paths: ["disk-int"], want: 0 },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const server = await startTlsServer({ key: pki.read("leaf.key"), cert: pki.read(row.serve) });
      servers.push(server);
      const ref = `endpoint:127.0.0.1:${server.port}`;
      const result = await scanWithEndpoints(row.paths.map((p) => pki.path(p)), [{ host: server.host, port: server.port, sni: "localhost", ...(row.ca ? { ca: pki.path(row.ca) } : {}) }]);
      const found = findingsOf(result, "chain-untrusted").filter((f) => f.locations[0] === ref);
      assert.equal(found.length, row.want);
      for (const f of found) assert.equal(f.severity, "critical");
    });
  }

  it("cert-expiring fires on a served certificate, located at the endpoint", async () => {
    const server = await startTlsServer({ key: pki.read("expiring.key"), cert: pki.read("expiring.crt") });
    servers.push(server);
    const result = await scanWithEndpoints([], [{ host: server.host, port: server.port, sni: "localhost", ca: pki.path("root.crt") }]);
    const found = findingsOf(result, "cert-expiring");
    assert.deepEqual(found.map((f) => [f.severity, f.locations]), [["critical", [`endpoint:127.0.0.1:${server.port}#0`]]]);
    assert.deepEqual(findingsOf(result, "chain-untrusted"), []);
  });
});
