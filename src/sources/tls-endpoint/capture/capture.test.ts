import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createSecureContext, type TlsOptions } from "node:tls";
import { makeOpensslDir, type OpensslDir } from "../../../../test/support/openssl.js";
import { startOpensslServer, startTlsServer, type LoopbackServer } from "../../../../test/support/tls-servers.js";
import { formatDistinguishedName } from "../../../pki/names.js";
import { probeEndpoint, type ProbeResult } from "../probe.js";
import { captureCertificates, type CaptureAnswer } from "./capture.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const probeOpts = { timeoutMs: 5000, secureContext: createSecureContext({ ca: [] as string[] }), maxChain: 10, clientCAs: true };

function summary(r: ProbeResult) {
  return { chain: r.chain.map(hex), tlsVersion: r.tlsVersion, cipher: r.cipher, caNames: r.caNames?.map(formatDistinguishedName), error: r.error?.code };
}

interface Row {
  name: string;
  /** openssl s_server flags, or node:tls server options. */
  openssl?: string[];
  node?: (o: OpensslDir) => TlsOptions;
  leaf: "rsa-leaf" | "ec-leaf";
  /** What the lean capture must do with it: capture (with this version and suite) or hand over to node:tls. */
  want: { kind: "captured"; tlsVersion: string; cipher: string; caNames?: string[] } | { kind: "fallback"; reason: RegExp };
}

const CLIENT_CAS = ["CN=client-a,O=example", "CN=client-b"];
const rows: Row[] = [
  ...["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"].map(
    (suite): Row => ({ name: `openssl TLS 1.3 ${suite}, X25519`, openssl: ["-tls1_3", "-ciphersuites", suite, "-groups", "X25519"], leaf: "ec-leaf", want: { kind: "captured", tlsVersion: "TLSv1.3", cipher: suite } }),
  ),
  { name: "openssl TLS 1.3 asking for a client certificate: the CA names come from the encrypted CertificateRequest", openssl: ["-tls1_3", "-verify", "1", "-CAfile", "clients.pem"], leaf: "rsa-leaf", want: { kind: "captured", tlsVersion: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", caNames: CLIENT_CAS } },
  { name: "openssl TLS 1.3 requiring a client certificate (-Verify): the chain is read before the server sees none", openssl: ["-tls1_3", "-Verify", "1", "-CAfile", "clients.pem"], leaf: "ec-leaf", want: { kind: "captured", tlsVersion: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", caNames: CLIENT_CAS } },
  { name: "openssl TLS 1.3 with P-256 only: a HelloRetryRequest, node:tls reads it", openssl: ["-tls1_3", "-groups", "P-256"], leaf: "ec-leaf", want: { kind: "fallback", reason: /HelloRetryRequest for group 23/ } },
  { name: "openssl TLS 1.3 with P-384 only: a HelloRetryRequest, node:tls reads it", openssl: ["-tls1_3", "-groups", "P-384"], leaf: "ec-leaf", want: { kind: "fallback", reason: /HelloRetryRequest for group 24/ } },
  ...(
    [
      ["ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "rsa-leaf"],
      ["ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "rsa-leaf"],
      ["ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "rsa-leaf"],
      ["ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "rsa-leaf"],
      ["ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ec-leaf"],
      ["ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ec-leaf"],
      ["ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ec-leaf"],
      ["ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ec-leaf"],
    ] as const
  ).map(([openssl, iana, leaf]): Row => ({ name: `openssl TLS 1.2 ${openssl}`, openssl: ["-tls1_2", "-cipher", openssl], leaf, want: { kind: "captured", tlsVersion: "TLSv1.2", cipher: iana } })),
  { name: "openssl TLS 1.2 asking for a client certificate", openssl: ["-tls1_2", "-verify", "1", "-CAfile", "clients.pem"], leaf: "rsa-leaf", want: { kind: "captured", tlsVersion: "TLSv1.2", cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", caNames: CLIENT_CAS } },
  ...["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"].map(
    (suite): Row => ({ name: `node:tls TLS 1.3 ${suite}`, node: () => ({ minVersion: "TLSv1.3", ciphers: suite }), leaf: "rsa-leaf", want: { kind: "captured", tlsVersion: "TLSv1.3", cipher: suite } }),
  ),
  { name: "node:tls TLS 1.3, X25519 and P-256 (the share sent is used)", node: () => ({ minVersion: "TLSv1.3", ecdhCurve: "X25519:P-256" }), leaf: "ec-leaf", want: { kind: "captured", tlsVersion: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384" } },
  { name: "node:tls TLS 1.3, P-256 only", node: () => ({ minVersion: "TLSv1.3", ecdhCurve: "P-256" }), leaf: "ec-leaf", want: { kind: "fallback", reason: /HelloRetryRequest/ } },
  {
    name: "node:tls TLS 1.3 asking for a client certificate",
    node: (o) => ({ minVersion: "TLSv1.3", requestCert: true, rejectUnauthorized: false, ca: o.readText("clients.pem") }),
    leaf: "ec-leaf",
    want: { kind: "captured", tlsVersion: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", caNames: CLIENT_CAS },
  },
  { name: "node:tls TLS 1.2 ECDHE-ECDSA", node: () => ({ maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256" }), leaf: "ec-leaf", want: { kind: "captured", tlsVersion: "TLSv1.2", cipher: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" } },
  { name: "node:tls TLS 1.2 ECDHE-RSA", node: () => ({ maxVersion: "TLSv1.2", ciphers: "ECDHE-RSA-AES256-GCM-SHA384" }), leaf: "rsa-leaf", want: { kind: "captured", tlsVersion: "TLSv1.2", cipher: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" } },
  {
    name: "node:tls TLS 1.2 asking for a client certificate",
    node: (o) => ({ maxVersion: "TLSv1.2", requestCert: true, rejectUnauthorized: false, ca: o.readText("clients.pem") }),
    leaf: "rsa-leaf",
    want: { kind: "captured", tlsVersion: "TLSv1.2", cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", caNames: CLIENT_CAS },
  },
];

describe("lean capture against real servers, and differential against the node:tls path", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir("certdoctor-capture-");
    o.makeCa("ca", "/CN=capture-ca");
    o.makeCa("client-a", "/O=example/CN=client-a");
    o.makeCa("client-b", "/CN=client-b");
    o.write("clients.pem", o.readText("client-a.crt") + o.readText("client-b.crt"));
    o.makeLeaf("rsa-leaf", "ca", "/CN=capture-rsa", "DNS:capture.example", "rsa");
    o.makeLeaf("ec-leaf", "ca", "/CN=capture-ec", "DNS:capture.example", "ec");
    o.toDer("ca.crt", "ca.der");
    o.toDer("rsa-leaf.crt", "rsa-leaf.der");
    o.toDer("ec-leaf.crt", "ec-leaf.der");
  });
  after(() => o.cleanup());

  for (const row of rows) {
    it(row.name, async () => {
      const server: LoopbackServer = row.openssl
        ? await startOpensslServer(o.dir, ["-cert", `${row.leaf}.crt`, "-key", `${row.leaf}.key`, "-cert_chain", "ca.crt", ...row.openssl])
        : await startTlsServer({ key: o.readText(`${row.leaf}.key`), cert: o.readText(`${row.leaf}.crt`) + o.readText("ca.crt"), ...row.node!(o) });
      try {
        const target = { host: server.host, port: server.port, sni: "capture.example" };
        const answer: CaptureAnswer = await captureCertificates({ host: target.host, port: target.port, serverName: "capture.example", timeoutMs: 5000, maxChain: 10 });
        const wantChain = [hex(o.read(`${row.leaf}.der`)), hex(o.read("ca.der"))];
        if (row.want.kind === "captured") {
          assert.equal(answer.kind, "captured", JSON.stringify(answer));
          if (answer.kind !== "captured") return;
          assert.deepEqual(answer.chain.map(hex), wantChain);
          assert.equal(answer.tlsVersion, row.want.tlsVersion);
          assert.equal(answer.cipher, row.want.cipher);
          assert.deepEqual(answer.caNames.map(formatDistinguishedName), row.want.caNames ?? []);
        } else {
          assert.equal(answer.kind, "fallback", JSON.stringify(answer));
          if (answer.kind === "fallback") assert.match(answer.reason, row.want.reason);
        }
        // The same server through both paths: the same chain byte for byte, version, suite and CA names.
        const lean = summary(await probeEndpoint(target, { ...probeOpts, capture: "lean" }));
        const nodeTls = summary(await probeEndpoint(target, { ...probeOpts, capture: "node-tls" }));
        assert.deepEqual(lean.chain, wantChain);
        // node:tls reads CA names with a second, TLS 1.2 hello, which a TLS 1.3-only server refuses; the
        // lean capture reads them from the TLS 1.3 CertificateRequest itself (checked against the row above).
        const nodeCouldNot = nodeTls.caNames === undefined && lean.tlsVersion === "TLSv1.3";
        assert.deepEqual({ ...lean, caNames: nodeCouldNot ? undefined : lean.caNames }, nodeTls);
      } finally {
        await server.close();
      }
    });
  }
});
