import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { readPkcs12 } from "./pkcs12.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("readPkcs12", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
    o.makeCa("ca", "/CN=p12-ca", "rsa");
    o.makeLeaf("rsa", "ca", "/CN=rsa-leaf", "DNS:rsa", "rsa");
    o.makeLeaf("ec", "ca", "/CN=ec-leaf", "DNS:ec", "ec");
    for (const n of ["ca", "rsa", "ec"]) o.toDer(`${n}.crt`, `${n}.der`);
    o.run("pkcs12", "-export", "-in", "ec.crt", "-inkey", "ec.key", "-certfile", "ca.crt", "-out", "ec-pass.p12", "-passout", "pass:s3cret");
    o.run("pkcs12", "-export", "-in", "rsa.crt", "-inkey", "rsa.key", "-out", "rsa-nopass.p12", "-passout", "pass:");
    o.run("pkcs12", "-export", "-legacy", "-in", "rsa.crt", "-inkey", "rsa.key", "-out", "rsa-legacy.p12", "-passout", "pass:old");
    for (const k of ["ec", "rsa"]) o.run("pkey", "-in", `${k}.key`, "-pubout", "-outform", "DER", "-out", `${k}.spki`);
  });
  after(() => o.cleanup());

  it("opens an OpenSSL 3 default bundle (AES-256-CBC, PBKDF2, SHA-256 MAC) with an EC key and a chain", () => {
    const out = readPkcs12(o.read("ec-pass.p12"), ["wrong", "s3cret"]);
    assert.deepEqual(out.certs.map(sha).sort(), [sha(o.read("ec.der")), sha(o.read("ca.der"))].sort());
    assert.equal(out.keys.length, 1);
    assert.equal(out.keys[0]!.keyType, "EC");
    assert.equal(out.keys[0]!.spkiFingerprint, sha(o.read("ec.spki")));
  });

  it("opens a bundle without a password and a legacy RC2/3DES bundle", () => {
    const plain = readPkcs12(o.read("rsa-nopass.p12"), []);
    assert.deepEqual(plain.certs.map(sha), [sha(o.read("rsa.der"))]);
    assert.equal(plain.keys[0]!.spkiFingerprint, sha(o.read("rsa.spki")));
    const legacy = readPkcs12(o.read("rsa-legacy.p12"), ["old"]);
    assert.deepEqual(legacy.certs.map(sha), [sha(o.read("rsa.der"))]);
    assert.equal(legacy.keys[0]!.keySize, 2048);
  });

  it("throws ERR_PKCS12_PASSWORD for a wrong or missing password", () => {
    for (const pw of [[], ["wrong"]]) {
      assert.throws(() => readPkcs12(o.read("ec-pass.p12"), pw), (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_PKCS12_PASSWORD);
    }
  });

  it("throws ERR_PKCS12_INVALID for a truncated bundle", () => {
    const b = o.read("rsa-nopass.p12");
    assert.throws(() => readPkcs12(b.subarray(0, b.length - 40), []), (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_PKCS12_INVALID);
  });

  it("never throws anything but CertdoctorError on random or mutated bytes (property)", () => {
    const base = o.read("rsa-nopass.p12");
    const mutated = fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const copy = Buffer.from(base);
      copy[i] = b;
      return new Uint8Array(copy);
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1024 }), mutated), (bytes) => {
        try {
          readPkcs12(bytes, ["x"]);
        } catch (err) {
          assert.ok(err instanceof CertdoctorError, String(err));
        }
      }),
      { numRuns: 300 },
    );
  });
});
