import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCode } from "../errors.js";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { encodePem, hasPemMarker, scanPem } from "./pem.js";

const MAX = 1024 * 1024;

describe("scanPem", () => {
  let o: OpensslDir;
  let certs: string[];
  let certDers: Buffer[];
  let key: string;
  before(() => {
    o = makeOpensslDir();
    certs = [];
    certDers = [];
    for (const cn of ["one", "two", "three"]) {
      o.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${cn}.key`, "-out", `${cn}.pem`, "-days", "30", "-subj", `/CN=${cn}`);
      certs.push(o.read(`${cn}.pem`).toString("latin1"));
      certDers.push(o.readCertDer(`${cn}.pem`));
    }
    key = o.read("one.key").toString("latin1");
  });
  after(() => o.cleanup());

  const sorted = (xs: { index: number }[]) => xs.map((x) => x.index);

  it("keeps at most maxProblems problems and counts the rest, the first of them kept to stand for them", () => {
    const scan = scanPem("-----BEGIN ".repeat(10), 1024, 3);
    assert.deepEqual(scan.problems.map((p) => p.index), [0, 1, 2]);
    assert.equal(scan.omitted?.count, 7);
    assert.equal(scan.omitted?.first.index, 3);
    assert.equal(scanPem("-----BEGIN ".repeat(3), 1024, 3).omitted, undefined);
  });

  it("finds multiple blocks in order with their DER", () => {
    const scan = scanPem(certs.join(""), MAX);
    assert.deepEqual(sorted(scan.blocks), [0, 1, 2]);
    assert.deepEqual(scan.problems, []);
    scan.blocks.forEach((b, i) => assert.ok(b.der.equals(certDers[i]!)));
    assert.ok(scan.blocks.every((b) => b.label === "CERTIFICATE" && !b.encryptedHeader));
  });

  it("reads a certificate and its private key from one file", () => {
    const scan = scanPem(certs[0]! + key, MAX);
    assert.deepEqual(scan.blocks.map((b) => b.label), ["CERTIFICATE", "PRIVATE KEY"]);
    assert.deepEqual(scan.problems, []);
  });

  it("ignores text between blocks", () => {
    const scan = scanPem(`subject=CN=one\nissuer=CN=one\n${certs[0]}\nBag Attributes\n  localKeyID: 01 02\n${certs[1]}trailing words`, MAX);
    assert.deepEqual(sorted(scan.blocks), [0, 1]);
    assert.deepEqual(scan.problems, []);
  });

  it("bad base64 in the middle block: 2 good blocks and 1 problem with stable indexes", () => {
    const broken = certs[1]!.replace(/\n([A-Za-z0-9+/]{10})/, "\n$1!!*");
    assert.notEqual(broken, certs[1]);
    const scan = scanPem(certs[0]! + broken + certs[2]!, MAX);
    assert.deepEqual(sorted(scan.blocks), [0, 2]);
    assert.ok(scan.blocks[1]!.der.equals(certDers[2]!));
    assert.deepEqual(scan.problems.map((p) => [p.code, p.index, p.label]), [[ErrorCode.ERR_PEM_INVALID, 1, "CERTIFICATE"]]);
  });

  it("missing END line: the block is a problem and the next block is still found", () => {
    const noEnd = certs[0]!.replace("-----END CERTIFICATE-----", "");
    const scan = scanPem(noEnd + certs[1]!, MAX);
    assert.deepEqual(sorted(scan.blocks), [1]);
    assert.deepEqual(scan.problems.map((p) => [p.code, p.index]), [[ErrorCode.ERR_PEM_INVALID, 0]]);
  });

  it("missing END on the last block", () => {
    const scan = scanPem(certs[0]! + certs[1]!.replace("-----END CERTIFICATE-----", ""), MAX);
    assert.deepEqual(sorted(scan.blocks), [0]);
    assert.deepEqual(scan.problems.map((p) => p.index), [1]);
  });

  it("an END line with another label does not close the block", () => {
    const scan = scanPem(certs[0]!.replace("-----END CERTIFICATE-----", "-----END X509 CRL-----") + certs[1]!, MAX);
    assert.deepEqual(sorted(scan.blocks), [1]);
    assert.deepEqual(scan.problems.map((p) => p.index), [0]);
  });

  it("accepts CRLF line endings", () => {
    const scan = scanPem(certs.join("").replace(/\n/g, "\r\n"), MAX);
    assert.deepEqual(sorted(scan.blocks), [0, 1, 2]);
    assert.ok(scan.blocks[2]!.der.equals(certDers[2]!));
  });

  it("oversized block is ERR_PEM_TOO_LARGE and hides nothing", () => {
    const big = encodePem("CERTIFICATE", Buffer.alloc(4096, 7));
    const scan = scanPem(certs[0]! + big + certs[1]!, 2048);
    assert.deepEqual(sorted(scan.blocks), [0, 2]);
    assert.deepEqual(scan.problems.map((p) => [p.code, p.index]), [[ErrorCode.ERR_PEM_TOO_LARGE, 1]]);
  });

  it("legacy encrypted key headers are flagged", () => {
    o.run("genrsa", "-traditional", "-aes128", "-passout", "pass:secret", "-out", "enc.key", "1024");
    const enc = o.read("enc.key").toString("latin1");
    const scan = scanPem(enc, MAX);
    assert.equal(scan.blocks.length, 1);
    assert.equal(scan.blocks[0]!.label, "RSA PRIVATE KEY");
    assert.equal(scan.blocks[0]!.encryptedHeader, true);
  });

  it("problem messages never contain key material", () => {
    const keyBody = key.split("\n")[1]!;
    const broken = key.replace(keyBody, `${keyBody.slice(0, 20)}%%${keyBody.slice(20)}`);
    const scan = scanPem(broken, MAX);
    assert.equal(scan.problems.length, 1);
    assert.ok(!scan.problems[0]!.message.includes(keyBody.slice(0, 20)));
  });

  it("encodePem round-trips", () => {
    const scan = scanPem(encodePem("CERTIFICATE", certDers[0]!), MAX);
    assert.ok(scan.blocks[0]!.der.equals(certDers[0]!));
    assert.equal(hasPemMarker(certs[0]!), true);
    assert.equal(hasPemMarker("no markers"), false);
  });

  it("many BEGIN lines without END are scanned in linear time", { timeout: 10_000 }, () => {
    const text = "-----BEGIN CERTIFICATE-----\nAAAA\n".repeat(200_000);
    const scan = scanPem(text, MAX);
    assert.equal(scan.problems.length, 200_000);
    assert.equal(scan.problems[199_999]!.index, 199_999);
  });

  it("a BEGIN line whose label runs into the next lines does not swallow the following block", () => {
    // Found by the property below: "-----BEGIN \n-----END -----END " between two certificates.
    const text = `${certs[0]}-----BEGIN \n-----END -----END \n${certs[1]}`;
    const scan = scanPem(text, MAX);
    assert.deepEqual(scan.blocks.map((b) => b.der), [certDers[0], certDers[1]]);
    assert.equal(scan.problems.length, 1);
  });

  it("random text around real blocks never throws and never loses a good block", () => {
    const junk = fc.string({ maxLength: 200, unit: fc.constantFrom("-", "B", "E", "G", "I", "N", " ", "\n", "\r", "=", "A", "x", ":", "-----BEGIN ", "-----END ", "CERTIFICATE-----") });
    fc.assert(
      fc.property(junk, junk, (before, middle) => {
        const text = `${before}\n${certs[0]}${middle}\n${certs[1]}`;
        const scan = scanPem(text, MAX);
        const ders = scan.blocks.map((b) => b.der);
        assert.ok(ders.some((d) => d.equals(certDers[1]!)), "the last good block is always found");
        const indexes = [...scan.blocks, ...scan.problems].map((x) => x.index).sort((a, b) => a - b);
        assert.deepEqual(indexes, indexes.map((_, i) => i), "indexes are dense and unique");
      }),
      { numRuns: 2000 },
    );
  });
});
