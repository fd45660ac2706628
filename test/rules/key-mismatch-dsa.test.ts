/**
 * DSA parameter inheritance (RFC 3279 2.3.2): a certificate's DSA key may leave out its domain parameters and
 * take the issuing CA's. Its SPKI then differs from the one of the private key beside it, which carries the
 * parameters, yet the pair belongs together. openssl makes the DSA CA, keys and leaf; the leaf's parameters are
 * cut out and the TBS re-signed with the CA key, so the certificate is otherwise sound. Go refuses to load it.
 */
import assert from "node:assert/strict";
import { createPrivateKey, sign } from "node:crypto";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { decode, encode } from "../support/der-edit.js";
import { askGo } from "../support/go-oracle.js";
import { makeOpensslDir, type OpensslDir } from "../support/openssl.js";
import { scan } from "../../src/engine/scan.js";
import { firstGoParseError } from "../../src/pki/cert-problems.js";
import { encodePem } from "../../src/pki/pem.js";
import { parseCertificate } from "../../src/pki/x509.js";

describe("key-mismatch: DSA keys that inherit their parameters", () => {
  let o: OpensslDir;
  let inherited: Buffer;
  before(() => {
    o = makeOpensslDir("certdoctor-dsa-");
    o.run("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-pkeyopt", "dsa_paramgen_q_bits:256", "-out", "params.pem");
    o.run("genpkey", "-paramfile", "params.pem", "-out", "ca.key");
    o.run("genpkey", "-paramfile", "params.pem", "-out", "leaf.key");
    o.run("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-subj", "/CN=DSA CA", "-days", "3650", "-out", "ca.crt", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
    o.run("req", "-new", "-key", "leaf.key", "-subj", "/CN=dsa-leaf", "-out", "leaf.csr");
    o.run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-sha256", "-days", "365", "-outform", "DER", "-out", "leaf-full.der");
    const cert = decode(o.read("leaf-full.der"))[0]!;
    const tbs = cert.kids![0]!;
    const spki = tbs.kids![tbs.kids![0]!.tag === 0xa0 ? 6 : 5]!; // a v1 certificate has no [0] version
    spki.kids![0]!.kids = spki.kids![0]!.kids!.slice(0, 1); // AlgorithmIdentifier { id-dsa } without Dss-Parms
    const tbsDer = encode(tbs);
    const signature = sign("sha256", tbsDer, createPrivateKey(o.readText("ca.key")));
    cert.kids![2] = { tag: 0x03, bytes: Buffer.concat([Buffer.from([0]), signature]) };
    inherited = encode(cert);
    mkdirSync(o.path("pair"));
    mkdirSync(o.path("other"));
    o.write("pair/leaf.crt", encodePem("CERTIFICATE", inherited));
    o.write("pair/leaf.key", o.readText("leaf.key"));
    o.write("pair/ca.crt", o.readText("ca.crt"));
    o.write("other/leaf.crt", encodePem("CERTIFICATE", inherited));
    o.run("genpkey", "-paramfile", "params.pem", "-out", "other/leaf.key");
  });
  after(() => o.cleanup());

  const scanDir = (dir: string) => scan({ paths: [o.path(dir)], now: new Date(), warnDays: 30, critDays: 7, workers: 0 });

  it("the certificate is read as DSA and carries Go's refusal", () => {
    const { record } = parseCertificate(inherited);
    assert.equal(record.keyType, "DSA");
    assert.deepEqual(record.problems, ["dsa-params-inherited"]);
    assert.equal(firstGoParseError(record.problems), askGo([{ op: "parse", leaf: encodePem("CERTIFICATE", inherited) }])[0]);
  });

  it("its own key is not a mismatch; the CA still signs it", async () => {
    const result = await scanDir("pair");
    assert.deepEqual(result.findings.filter((f) => f.rule === "key-mismatch"), []);
    const leaf = result.certificates.find((c) => c.record.subject === "CN=dsa-leaf");
    assert.ok(leaf, "leaf in the inventory");
    const ca = result.certificates.find((c) => c.record.subject === "CN=DSA CA")!;
    assert.deepEqual(leaf.issuers, [ca.record.fingerprint], "the re-signed leaf verifies under the DSA CA");
    assert.ok(result.findings.some((f) => f.rule === "cert-malformed" && /invalid DSA parameters/.test(f.detail)), "Go's refusal is reported");
  });

  it("a different key with the same parameters is still a mismatch", async () => {
    const result = await scanDir("other");
    assert.equal(result.findings.filter((f) => f.rule === "key-mismatch").length, 1);
  });
});
