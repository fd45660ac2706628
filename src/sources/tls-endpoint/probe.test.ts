import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createSecureContext, createServer, type Server, type TlsOptions } from "node:tls";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { defaultLimits } from "../../model/scan.js";
import { probeEndpoint } from "./probe.js";

interface CountingServer {
  port: number;
  handshakes: number;
  clientErrors: string[];
  server: Server;
}

function startCountingServer(options: TlsOptions): Promise<CountingServer> {
  const counts: CountingServer = { port: 0, handshakes: 0, clientErrors: [], server: undefined as unknown as Server };
  counts.server = createServer(options, (s) => {
    counts.handshakes++;
    s.on("error", () => undefined);
    s.end();
  });
  counts.server.on("tlsClientError", (err: NodeJS.ErrnoException) => counts.clientErrors.push(err.code ?? "TLS_ERROR"));
  return new Promise((resolve) =>
    counts.server.listen(0, "127.0.0.1", () => {
      counts.port = (counts.server.address() as AddressInfo).port;
      resolve(counts);
    }),
  );
}

/** Polls (bounded) until the server has seen `n` outcomes, so a slow close is not mistaken for a missing one. */
async function waitForOutcomes(s: CountingServer, n: number): Promise<void> {
  for (let i = 0; i < 100 && s.handshakes + s.clientErrors.length < n; i++) await new Promise((r) => setTimeout(r, 20));
}

describe("probeEndpoint as the server sees it", () => {
  let o: OpensslDir;
  const servers: CountingServer[] = [];
  before(() => {
    o = makeOpensslDir("certdoctor-probe-");
    o.makeCa("ca", "/CN=probe-test-ca");
    o.makeLeaf("leaf", "ca", "/CN=localhost", "DNS:localhost,IP:127.0.0.1");
    o.makeCa("clientca", "/CN=probe-client-ca");
  });
  after(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.server.close(r))));
    o.cleanup();
  });

  const rows: Array<{ name: string; server: () => TlsOptions; tlsVersion: string }> = [
    { name: "TLS 1.3 server", server: () => ({ key: o.read("leaf.key"), cert: o.read("leaf.crt") }), tlsVersion: "TLSv1.3" },
    { name: "TLS 1.2-only server", server: () => ({ key: o.read("leaf.key"), cert: o.read("leaf.crt"), maxVersion: "TLSv1.2" }), tlsVersion: "TLSv1.2" },
    {
      name: "TLS 1.3 server asking for an optional client certificate",
      server: () => ({ key: o.read("leaf.key"), cert: o.read("leaf.crt"), requestCert: true, rejectUnauthorized: false, ca: o.read("clientca.crt") }),
      tlsVersion: "TLSv1.3",
    },
  ];
  for (const row of rows) {
    it(`${row.name}: the handshake completes on the server too, with no client error`, async () => {
      const s = await startCountingServer(row.server());
      servers.push(s);
      const result = await probeEndpoint(
        { host: "127.0.0.1", port: s.port },
        { timeoutMs: 3000, secureContext: createSecureContext({ ca: [] as string[] }), maxChain: defaultLimits.maxChainLength, clientCAs: false },
      );
      assert.equal(result.error, undefined);
      assert.equal(result.tlsVersion, row.tlsVersion);
      assert.equal(result.chain.length, 1);
      await waitForOutcomes(s, 1);
      assert.deepEqual({ handshakes: s.handshakes, clientErrors: s.clientErrors }, { handshakes: 1, clientErrors: [] });
    });
  }
});
