import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createSecureContext, createServer, type Server, type TlsOptions } from "node:tls";
import fc from "fast-check";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { ErrorCode } from "../../errors.js";
import { defaultLimits } from "../../model/scan.js";
import { classify, probeEndpoint, type CaptureMode } from "./probe.js";

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

  const rsaLeaf = () => ({ key: o.read("leaf.key"), cert: o.read("leaf.crt") });
  const optionalClientCert = () => ({ ...rsaLeaf(), requestCert: true, rejectUnauthorized: false, ca: o.read("clientca.crt") });
  // The lean capture finishes TLS 1.3 handshakes (empty client Certificate + Finished), so the server logs
  // nothing; on TLS 1.2 it reads the plaintext flight and hangs up, one early close (as the former
  // client-CA read did on every endpoint). node:tls completes both.
  const rows: Array<{ name: string; server: () => TlsOptions; capture: CaptureMode; tlsVersion: string; serverSees: { handshakes: number; clientErrors: number } }> = [
    { name: "lean capture, TLS 1.3 server: the handshake completes on the server too, with no client error", server: rsaLeaf, capture: "lean", tlsVersion: "TLSv1.3", serverSees: { handshakes: 1, clientErrors: 0 } },
    {
      name: "lean capture, TLS 1.3 server asking for an optional client certificate: the handshake completes on the server too",
      server: optionalClientCert,
      capture: "lean",
      tlsVersion: "TLSv1.3",
      serverSees: { handshakes: 1, clientErrors: 0 },
    },
    { name: "lean capture, TLS 1.2-only server: one early close, no handshake", server: () => ({ ...rsaLeaf(), maxVersion: "TLSv1.2" }), capture: "lean", tlsVersion: "TLSv1.2", serverSees: { handshakes: 0, clientErrors: 1 } },
    { name: "node:tls, TLS 1.3 server: the handshake completes on the server too", server: rsaLeaf, capture: "node-tls", tlsVersion: "TLSv1.3", serverSees: { handshakes: 1, clientErrors: 0 } },
    { name: "node:tls, TLS 1.2-only server: the handshake completes on the server too", server: () => ({ ...rsaLeaf(), maxVersion: "TLSv1.2" }), capture: "node-tls", tlsVersion: "TLSv1.2", serverSees: { handshakes: 1, clientErrors: 0 } },
    { name: "node:tls, optional client certificate: the handshake completes on the server too", server: optionalClientCert, capture: "node-tls", tlsVersion: "TLSv1.3", serverSees: { handshakes: 1, clientErrors: 0 } },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const s = await startCountingServer(row.server());
      servers.push(s);
      const result = await probeEndpoint(
        { host: "127.0.0.1", port: s.port },
        { timeoutMs: 3000, secureContext: createSecureContext({ ca: [] as string[] }), maxChain: defaultLimits.maxChainLength, clientCAs: false, capture: row.capture },
      );
      assert.equal(result.error, undefined);
      assert.equal(result.tlsVersion, row.tlsVersion);
      assert.equal(result.chain.length, 1);
      await waitForOutcomes(s, 1);
      assert.deepEqual({ handshakes: s.handshakes, clientErrors: s.clientErrors.length }, row.serverSees);
    });
  }
});

describe("classify", () => {
  const rows = [
    { name: "an alert OpenSSL reports by number", err: { message: "C0:error:0A000438:SSL routines:ssl3_read_bytes:tlsv1 alert internal error:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 80" }, want: "TLS_ALERT_80" },
    { name: "an alert number no registry lists", err: { message: "SSL alert number 250" }, want: "TLS_ERROR" },
    { name: "a refused connection", err: { code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:1" }, want: "ECONNREFUSED" },
    { name: "an errno outside the map", err: { code: "ENOSR", message: "write ENOSR" }, want: "ECONNECT" },
    { name: "a plain HTTP answer", err: { code: "ERR_SSL_WRONG_VERSION_NUMBER", message: "wrong version number" }, want: "NOT_TLS" },
    { name: "a TLS 1.0-only server", err: { code: "ERR_SSL_UNSUPPORTED_PROTOCOL", message: "unsupported protocol" }, want: "TLS_UNSUPPORTED_PROTOCOL" },
    { name: "an OpenSSL reason outside the map", err: { code: "ERR_SSL_BAD_ECPOINT", message: "bad ecpoint" }, want: "TLS_ERROR" },
    { name: "a thrown string", err: "boom", want: "TLS_ERROR" },
  ];
  for (const row of rows) it(row.name, () => assert.equal(classify(row.err).code, row.want));

  it("always answers a code of the ErrorCode map", () => {
    fc.assert(
      fc.property(fc.record({ code: fc.oneof(fc.string(), fc.stringMatching(/^E[A-Z_]{1,12}$/), fc.stringMatching(/^ERR_SSL_[A-Z_]{1,20}$/)), message: fc.oneof(fc.string(), fc.nat(400).map((n) => `SSL alert number ${n}`)) }), (err) => {
        assert.ok(Object.hasOwn(ErrorCode, classify(err).code));
      }),
    );
  });
});
