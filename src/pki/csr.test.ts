import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { parseCsr } from "./csr.js";

describe("parseCsr", () => {
  let o: OpensslDir;
  const spki = (key: string) => {
    o.run("pkey", "-in", key, "-pubout", "-outform", "DER", "-out", `${key}.spki`);
    return createHash("sha256").update(o.read(`${key}.spki`)).digest("hex");
  };
  const subjectOf = (csr: string, inform = "PEM") => o.run("req", "-inform", inform, "-in", csr, "-noout", "-subject", "-nameopt", "RFC2253").trim().replace(/^subject=/, "");
  before(() => {
    o = makeOpensslDir();
    o.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "node.key", "-out", "node.csr",
      "-subj", "/O=system:nodes/CN=system:node:worker-1", "-addext", "subjectAltName=DNS:worker-1,DNS:worker-1.local,IP:10.0.0.7,IP:fd00::1,email:a@b.c,URI:spiffe://c/ns");
    o.run("req", "-in", "node.csr", "-outform", "DER", "-out", "node.der");
    o.run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-out", "rsa.csr", "-outform", "DER", "-subj", "/C=DE/O=Acme, Inc./OU=x;y/CN=a+UID=b");
    o.run("req", "-new", "-newkey", "rsa:2048", "-sigopt", "rsa_padding_mode:pss", "-sha384", "-nodes", "-keyout", "pss.key", "-out", "pss.csr", "-outform", "DER", "-subj", "/CN=pss");
    o.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "utf8.key", "-out", "utf8.csr", "-outform", "DER", "-subj", "/CN=x", "-addext", "subjectAltName=DNS:bücher.example,email:zoë@example.org");
    o.run("req", "-new", "-newkey", "ed25519", "-nodes", "-keyout", "ed.key", "-out", "ed.csr", "-outform", "DER", "-subj", "/CN=ed");
  });
  after(() => o.cleanup());

  it("reads subject, SANs, key and a valid signature from an EC CSR", () => {
    const info = parseCsr(o.read("node.der"));
    assert.equal(info.subject, subjectOf("node.csr"));
    assert.equal(info.subject, "CN=system:node:worker-1,O=system:nodes");
    assert.deepEqual(info.dnsNames, ["worker-1", "worker-1.local"]);
    assert.deepEqual(info.ipAddresses, ["10.0.0.7", "fd00::1"]);
    assert.deepEqual(info.emailAddresses, ["a@b.c"]);
    assert.deepEqual(info.uris, ["spiffe://c/ns"]);
    assert.equal(info.keyType, "EC");
    assert.equal(info.keySize, 256);
    assert.equal(info.curve, "P-256");
    assert.equal(info.spkiFingerprint, spki("node.key"));
    assert.equal(info.signatureAlgorithm, "ecdsa-with-SHA256");
    assert.equal(info.signatureValid, true);
  });

  it("shows UTF-8 bytes in an IA5String SAN as the characters they are, as openssl does (not as Latin-1)", () => {
    const info = parseCsr(o.read("utf8.csr"));
    assert.deepEqual(info.dnsNames, ["bücher.example"]);
    assert.deepEqual(info.emailAddresses, ["zoë@example.org"]);
  });

  it("matches openssl's RFC 2253 subject with escaped characters (RSA)", () => {
    const info = parseCsr(o.read("rsa.csr"));
    assert.equal(info.subject, subjectOf("rsa.csr", "DER"));
    assert.equal(info.subject, "UID=b+CN=a,OU=x\\;y,O=Acme\\, Inc.,C=DE");
    assert.equal(info.signatureAlgorithm, "sha256WithRSAEncryption");
    assert.equal(info.keySize, 2048);
    assert.equal(info.signatureValid, true);
  });

  it("verifies RSA-PSS and Ed25519 signatures", () => {
    const pss = parseCsr(o.read("pss.csr"));
    assert.equal(pss.signatureAlgorithm, "rsassaPss");
    assert.equal(pss.signatureValid, true);
    const ed = parseCsr(o.read("ed.csr"));
    assert.equal(ed.signatureAlgorithm, "ED25519");
    assert.equal(ed.keyType, "Ed25519");
    assert.equal(ed.signatureValid, true);
  });

  it("reports a tampered signature as invalid", () => {
    const der = Buffer.from(o.read("node.der"));
    der.writeUInt8(der.readUInt8(der.length - 3) ^ 0x01, der.length - 3);
    assert.equal(parseCsr(der).signatureValid, false);
  });

  it("throws ERR_CSR_INVALID on truncation", () => {
    const der = o.read("node.der");
    assert.throws(() => parseCsr(der.subarray(0, der.length - 10)), (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_CSR_INVALID);
  });

  it("never throws anything but ERR_CSR_INVALID on random or mutated bytes (property)", () => {
    const base = o.read("node.der");
    const mutated = fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const copy = Buffer.from(base);
      copy[i] = b;
      return new Uint8Array(copy);
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1024 }), mutated), (der) => {
        try {
          parseCsr(der);
        } catch (err) {
          assert.ok(err instanceof CertdoctorError && err.code === ErrorCode.ERR_CSR_INVALID);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
