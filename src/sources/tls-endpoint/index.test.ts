import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import {
  alertPeer,
  httpPeer,
  refusedPort,
  silentPeer,
  sshPeer,
  startOpensslServer,
  startTlsServer,
  tricklePeer,
  type LoopbackServer,
} from "../../../test/support/tls-servers.js";
import type { CertItem, EndpointItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue } from "../../model/scan.js";
import { runSourceContract } from "../../../test/support/source-contract.js";
import { endpointSource, type EndpointSourceOptions } from "./index.js";
import type { EndpointTarget } from "./spec.js";

const ctx = { limits: defaultLimits, pkcs12Passwords: [] };
const PROBED_AT = Date.parse("2026-12-01T00:00:00Z");

async function collect(targets: EndpointTarget[], options: EndpointSourceOptions = {}): Promise<Array<RawItem | ScanIssue>> {
  const out: Array<RawItem | ScanIssue> = [];
  for await (const item of endpointSource(targets, { clock: () => PROBED_AT, ...options }).discover(ctx)) out.push(item);
  return out;
}

const endpointsOf = (items: Array<RawItem | ScanIssue>) => items.filter((i): i is EndpointItem => !isScanIssue(i) && i.type === "endpoint");
const certsOf = (items: Array<RawItem | ScanIssue>) => items.filter((i): i is CertItem => !isScanIssue(i) && i.type === "cert");
const sha = (der: Uint8Array) => createHash("sha256").update(der).digest("hex");
function derOf(o: OpensslDir, name: string): Buffer {
  o.toDer(name, `${name}.der`);
  return o.read(`${name}.der`);
}

describe("tls-endpoint source", () => {
  let o: OpensslDir;
  const servers: LoopbackServer[] = [];
  const serve = async (s: Promise<LoopbackServer>) => {
    const server = await s;
    servers.push(server);
    return server;
  };

  before(() => {
    o = makeOpensslDir("certdoctor-endpoint-");
    o.makeCa("ca", "/CN=endpoint-test-ca");
    o.makeCa("int", "/CN=endpoint-test-intermediate");
    // intermediate signed by ca
    o.run("req", "-new", "-key", "int.key", "-out", "int.csr", "-subj", "/CN=endpoint-test-intermediate");
    o.run("x509", "-req", "-in", "int.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "int.crt", "-days", "365",
      "-extfile", o.write("int.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"));
    o.makeLeaf("leaf", "int", "/CN=localhost", "DNS:localhost,IP:127.0.0.1");
    o.write("chain.pem", o.readText("leaf.crt") + o.readText("int.crt"));
    o.makeCa("clientca", "/CN=client-ca-for-endpoint/O=certdoctor-test");
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    o.cleanup();
  });

  it("captures the presented chain in order, TLS version and cipher from a node:tls server", async () => {
    const s = await serve(startTlsServer({ key: o.read("leaf.key"), cert: o.read("chain.pem") }));
    const items = await collect([{ host: s.host, port: s.port }], { clientCAs: false });
    const [ep] = endpointsOf(items);
    assert.equal(ep?.error, undefined);
    assert.equal(ep?.ref, `endpoint:127.0.0.1:${s.port}`);
    assert.deepEqual(ep?.chain, [`endpoint:127.0.0.1:${s.port}#0`, `endpoint:127.0.0.1:${s.port}#1`]);
    assert.equal(ep?.tlsVersion, "TLSv1.3");
    assert.match(ep?.cipher ?? "", /^TLS_/);
    assert.equal(ep?.probedAt, PROBED_AT);
    assert.equal(ep?.sni, undefined, "no SNI for an IP host");
    const certs = certsOf(items);
    assert.deepEqual(certs.map((c) => sha(c.der)), [sha(derOf(o, "leaf.crt")), sha(derOf(o, "int.crt"))]);
    assert.ok(certs.every((c) => c.context === `endpoint:127.0.0.1:${s.port}` && c.anchor !== true));
  });

  it("adds ca=FILE certificates as anchors in the endpoint's context", async () => {
    const s = await serve(startTlsServer({ key: o.read("leaf.key"), cert: o.read("chain.pem") }));
    const items = await collect([{ host: s.host, port: s.port, ca: o.path("ca.crt") }], { clientCAs: false });
    const anchors = certsOf(items).filter((c) => c.anchor === true);
    assert.deepEqual(anchors.map((a) => [a.ref, sha(a.der), a.context]), [[`endpoint:127.0.0.1:${s.port}#ca/0`, sha(derOf(o, "ca.crt")), `endpoint:127.0.0.1:${s.port}`]]);
  });

  it("reports an unreadable ca=FILE as an issue and still probes", async () => {
    const s = await serve(startTlsServer({ key: o.read("leaf.key"), cert: o.read("chain.pem") }));
    const bad = o.write("bad-ca.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n");
    const items = await collect([{ host: s.host, port: s.port, ca: bad }, { host: s.host, port: s.port, ca: o.path("missing.crt") }], { clientCAs: false });
    assert.deepEqual(items.filter(isScanIssue).map((i) => i.code).sort(), ["ERR_PEM_INVALID", "ERR_SOURCE_UNREADABLE"]);
    assert.equal(certsOf(items).filter((c) => c.anchor !== true).length, 4);
  });

  it("reads the acceptable client-CA names of a server that requests a client certificate (openssl s_server)", async () => {
    const s = await serve(startOpensslServer(o.dir, ["-cert", "leaf.crt", "-key", "leaf.key", "-cert_chain", "int.crt", "-Verify", "1", "-CAfile", "clientca.crt"]));
    const [ep] = endpointsOf(await collect([{ host: s.host, port: s.port, sni: "localhost" }]));
    assert.deepEqual(ep?.acceptableCAs, ["O=certdoctor-test,CN=client-ca-for-endpoint"]);
    assert.equal(ep?.chain.length, 2);
    assert.equal(ep?.sni, "localhost");
  });

  it("leaves acceptableCAs unset when the server does not ask for a client certificate", async () => {
    const s = await serve(startOpensslServer(o.dir, ["-cert", "leaf.crt", "-key", "leaf.key"]));
    const [ep] = endpointsOf(await collect([{ host: s.host, port: s.port }]));
    assert.equal(ep?.error, undefined);
    assert.equal(ep?.acceptableCAs, undefined);
  });

  const requiresClientCert = [
    // The lean capture has the chain before the server could reject a client without a certificate.
    { name: "lean capture", capture: "lean" as const, error: undefined },
    // node:tls finishes the handshake and meets the rejection; the plaintext flight still holds the chain.
    { name: "node:tls", capture: "node-tls" as const, error: "TLS_ALERT_40" },
  ];
  for (const row of requiresClientCert) {
    it(`${row.name}: keeps the chain and CA names of a TLS 1.2 server that rejects clients without a certificate`, async () => {
      const s = await serve(startTlsServer({ key: o.read("leaf.key"), cert: o.read("chain.pem"), requestCert: true, rejectUnauthorized: true, ca: o.read("clientca.crt"), maxVersion: "TLSv1.2" }));
      const [ep] = endpointsOf(await collect([{ host: s.host, port: s.port }], { capture: row.capture }));
      assert.equal(ep?.error?.code, row.error);
      assert.equal(ep?.chain.length, 2);
      assert.deepEqual(ep?.acceptableCAs, ["O=certdoctor-test,CN=client-ca-for-endpoint"]);
    });
  }

  const TIMEOUT = 1500;
  const bad: Array<{ name: string; start: () => Promise<{ host: string; port: number }>; code: RegExp }> = [
    { name: "silent peer (accepts, never speaks)", start: () => serve(silentPeer()), code: /^ETIMEDOUT$/ },
    { name: "trickling peer (a byte every 200 ms)", start: () => serve(tricklePeer()), code: /^ETIMEDOUT$/ },
    { name: "HTTP server", start: () => serve(httpPeer()), code: /^NOT_TLS$/ },
    { name: "SSH banner", start: () => serve(sshPeer()), code: /^NOT_TLS$/ },
    { name: "alert 80 (internal error)", start: () => serve(alertPeer(80)), code: /^TLS_ALERT_80$/ },
    { name: "refused port", start: async () => ({ host: "127.0.0.1", port: await refusedPort() }), code: /^ECONNREFUSED$/ },
  ];
  for (const row of bad) {
    it(`${row.name}: an EndpointItem with a stable error code, within the timeout`, async () => {
      const s = await row.start();
      const started = performance.now();
      const items = await collect([{ host: s.host, port: s.port }], { timeoutMs: TIMEOUT });
      const elapsed = performance.now() - started;
      const [ep] = endpointsOf(items);
      assert.match(ep?.error?.code ?? "none", row.code);
      assert.deepEqual(ep?.chain, []);
      assert.equal(certsOf(items).length, 0);
      assert.ok(elapsed < TIMEOUT + 1000, `finished in ${Math.round(elapsed)} ms`);
    });
  }

  it("a bad peer does not hide its neighbours; results come in target order", async () => {
    const good = await serve(startTlsServer({ key: o.read("leaf.key"), cert: o.read("chain.pem") }));
    const silent = await serve(silentPeer());
    const targets = [good, silent, good].map((s) => ({ host: s.host, port: s.port }));
    const eps = endpointsOf(await collect(targets, { timeoutMs: 800, concurrency: 2 }));
    assert.deepEqual(eps.map((e) => [e.port, e.error?.code ?? "ok"]), [[good.port, "ok"], [silent.port, "ETIMEDOUT"], [good.port, "ok"]]);
  });

  it("bounded concurrency: 40 silent peers with concurrency 40 take one timeout, not forty", async () => {
    const silent = await serve(silentPeer());
    const started = performance.now();
    const eps = endpointsOf(await collect(Array.from({ length: 40 }, () => ({ host: silent.host, port: silent.port })), { timeoutMs: 500, concurrency: 40 }));
    assert.equal(eps.length, 40);
    assert.ok(performance.now() - started < 2500);
  });
});

// The shared source contract: a location is an endpoints list "PORT[,ca=FILE];PORT..." on 127.0.0.1.
describe("tls-endpoint source contract", () => {
  let o: OpensslDir;
  let server: LoopbackServer | undefined;
  const parse = (loc: string): EndpointTarget[] =>
    loc === "/nonexistent-contract-probe"
      ? []
      : loc.split(";").map((part) => {
          const [port, ca] = part.split(",ca=");
          return { host: "127.0.0.1", port: Number(port), ...(ca === undefined ? {} : { ca }) };
        });
  const ensure = async () => {
    if (server) return server;
    o = makeOpensslDir("certdoctor-endpoint-contract-");
    o.makeCa("ca");
    o.makeLeaf("leaf", "ca", "/CN=localhost", "DNS:localhost");
    o.write("chain.pem", o.readText("leaf.crt") + o.readText("ca.crt"));
    o.write("broken.pem", "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n");
    server = await startTlsServer({ key: o.read("leaf.key"), cert: o.read("chain.pem") });
    return server;
  };
  after(async () => {
    await server?.close();
    o?.cleanup();
  });
  runSourceContract("tls-endpoint", (loc) => endpointSource(parse(loc), { clientCAs: false, clock: () => PROBED_AT }), {
    setupGood: async () => `${(await ensure()).port}`,
    setupWithUnreadable: async () => `${(await ensure()).port},ca=${o.path("broken.pem")}`,
    setupMany: async () => {
      const port = (await ensure()).port;
      return Array.from({ length: 15 }, () => `${port}`).join(";");
    },
  });
});
