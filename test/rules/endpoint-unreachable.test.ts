import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { scanWithEndpoints } from "../support/endpoint-pki.js";
import { makeOpensslDir } from "../support/openssl.js";
import { alertPeer, httpPeer, refusedPort, silentPeer, sshPeer, startOpensslServer, type LoopbackServer } from "../support/tls-servers.js";
import { findingsOf } from "../support/scan.js";

describe("endpoint-unreachable", () => {
  const servers: LoopbackServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const keep = async (p: Promise<LoopbackServer>) => {
    const s = await p;
    servers.push(s);
    return s.port;
  };
  const rows = [
    { name: "refused port", port: () => refusedPort(), want: "ECONNREFUSED" },
    { name: "silent peer times out", port: () => keep(silentPeer()), want: "ETIMEDOUT" },
    { name: "HTTP port", port: () => keep(httpPeer()), want: "NOT_TLS" },
    { name: "SSH port", port: () => keep(sshPeer()), want: "NOT_TLS" },
    { name: "alert 80 without any CSR in the scan", port: () => keep(alertPeer(80)), want: "TLS_ALERT_80" },
    { name: "alert 40", port: () => keep(alertPeer(40)), want: "TLS_ALERT_40" },
  ];
  it("a chain larger than OpenSSL accepts (openssl s_server sending 1,000 certificates): said as such, not 'could not be probed'", async () => {
    const o = makeOpensslDir();
    try {
      o.makeCa("big", "/CN=big-chain");
      o.write("chain.pem", o.readText("big.crt").repeat(1000));
      const server = await startOpensslServer(o.dir, ["-cert", "big.crt", "-key", "big.key", "-cert_chain", "chain.pem"]);
      servers.push(server);
      const result = await scanWithEndpoints([], [{ host: "127.0.0.1", port: server.port }]);
      assert.equal(result.endpoints[0]?.error?.code, "TLS_EXCESSIVE_MESSAGE_SIZE");
      const [found] = findingsOf(result, "endpoint-unreachable");
      assert.match(found!.title, /certificate chain too large for OpenSSL/);
    } finally {
      o.cleanup();
    }
  });

  for (const row of rows) {
    it(`${row.name}: one warning naming the endpoint and the code`, async () => {
      const port = await row.port();
      const result = await scanWithEndpoints([], [{ host: "127.0.0.1", port }]);
      const found = findingsOf(result, "endpoint-unreachable");
      assert.deepEqual(found.map((f) => [f.severity, f.locations]), [["warning", [`endpoint:127.0.0.1:${port}`]]]);
      assert.equal(result.endpoints[0]?.error?.code, row.want);
      assert.ok(found[0]!.title.includes(row.want));
    });
  }
});
