import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { certBag, clearSafe, encryptedSafe, pfx, shroudedKeyBag } from "../../test/support/pkcs12-craft.js";
import { createKdfBudget, kdfLeft } from "./kdf-budget.js";
import { MAX_PKCS12_ITERATIONS_PER_BUNDLE, readPkcs12 } from "./pkcs12.js";

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
    o.run("pkcs12", "-export", "-in", "ec.crt", "-inkey", "ec.key", "-out", "ec-iter-250k.p12", "-passout", "pass:s3cret", "-iter", "250000");
    o.run("pkcs12", "-export", "-in", "ec.crt", "-inkey", "ec.key", "-out", "ec-iter-150k.p12", "-passout", "pass:s3cret", "-iter", "150000");
    // A shrouded key whose PBKDF2 count (300,000, HMAC-SHA1) is past the cap, for the crafted bundles below.
    o.run("pkcs8", "-topk8", "-in", "ec.key", "-outform", "DER", "-out", "ec-300k.p8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA1", "-iter", "300000", "-passout", "pass:pw");
    o.run("pkcs8", "-topk8", "-in", "ec.key", "-outform", "DER", "-out", "ec-2048.p8", "-v2", "aes-256-cbc", "-iter", "2048", "-passout", "pass:pw");
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

  it("says no password was configured rather than 'none of the 1 configured passwords'", () => {
    assert.throws(() => readPkcs12(o.read("ec-pass.p12"), []), (e: unknown) => e instanceof CertdoctorError && !/configured PKCS#12 passwords?\b.*opens/.test(e.message) && /no PKCS#12 password was configured/.test(e.message));
    assert.throws(() => readPkcs12(o.read("ec-pass.p12"), ["a", "b", "a"]), (e: unknown) => e instanceof CertdoctorError && /none of the 2 configured/.test(e.message));
  });

  const refusedFor = (code: string) => (e: unknown) => e instanceof CertdoctorError && e.code === code;

  it("refuses an openssl -iter 250000 bundle before any derivation (ERR_KDF_ITERATIONS), budget untouched", () => {
    const budget = createKdfBudget(5_000_000);
    assert.throws(() => readPkcs12(o.read("ec-iter-250k.p12"), ["s3cret"], budget), refusedFor(ErrorCode.ERR_KDF_ITERATIONS));
    assert.equal(kdfLeft(budget), 5_000_000);
  });

  it("opens an openssl -iter 150000 bundle with its password and charges what it derived to the scan budget", () => {
    const budget = createKdfBudget(5_000_000);
    const out = readPkcs12(o.read("ec-iter-150k.p12"), ["s3cret"], budget);
    assert.equal(out.keys.length, 1);
    // "" fails at the MAC (150,000), then s3cret: MAC, the certificate safe and the key bag.
    assert.equal(5_000_000 - kdfLeft(budget), 4 * 150_000);
  });

  it("stops trying passwords on one bundle once they have cost the per-bundle budget (ERR_KDF_BUDGET, not minutes of wrong passwords)", () => {
    const wrong = Array.from({ length: 12 }, (_, i) => `wrong-${i}`);
    const budget = createKdfBudget(50_000_000);
    const started = process.cpuUsage();
    assert.throws(() => readPkcs12(o.read("ec-iter-150k.p12"), wrong, budget), refusedFor(ErrorCode.ERR_KDF_BUDGET));
    assert.ok(50_000_000 - kdfLeft(budget) <= MAX_PKCS12_ITERATIONS_PER_BUNDLE);
    // CPU, not wall time: the bound is the work done, which a busy machine does not change (wall did, at load 24).
    const cpu = process.cpuUsage(started);
    assert.ok((cpu.user + cpu.system) / 1e6 < 20);
  });

  it("refuses a bundle the scan budget cannot pay for, before deriving", () => {
    const budget = createKdfBudget(100_000);
    assert.throws(() => readPkcs12(o.read("ec-iter-150k.p12"), ["s3cret"], budget), refusedFor(ErrorCode.ERR_KDF_BUDGET));
    assert.equal(kdfLeft(budget), 100_000);
  });

  it("sees a key bag's iteration count behind 300 certificate bags in one safe (the old walk gave up past 256 children)", () => {
    const bags = [...Array.from({ length: 300 }, () => certBag(o.read("ec.der"))), shroudedKeyBag(o.read("ec-300k.p8"))];
    const wide = pfx([clearSafe(bags)]);
    const budget = createKdfBudget(5_000_000);
    assert.throws(() => readPkcs12(wide, ["pw"], budget), refusedFor(ErrorCode.ERR_KDF_ITERATIONS));
    assert.equal(kdfLeft(budget), 5_000_000);
  });

  it("refuses a key bag past the cap that only shows once its encrypted safe is decrypted", () => {
    const hidden = pfx([encryptedSafe([certBag(o.read("ec.der")), shroudedKeyBag(o.read("ec-300k.p8"))], "pw", 2048)]);
    const budget = createKdfBudget(5_000_000);
    assert.throws(() => readPkcs12(hidden, ["pw"], budget), refusedFor(ErrorCode.ERR_KDF_ITERATIONS));
    // "" fails to decrypt the safe; "pw" decrypts it (2,048) and is stopped at the key bag.
    assert.ok(5_000_000 - kdfLeft(budget) <= 2 * 2048);
    const fine = pfx([encryptedSafe([certBag(o.read("ec.der")), shroudedKeyBag(o.read("ec-2048.p8"))], "pw", 2048)]);
    const out = readPkcs12(fine, ["pw"]);
    assert.deepEqual(out.certs.map(sha), [sha(o.read("ec.der"))]);
    assert.equal(out.keys[0]!.spkiFingerprint, sha(o.read("ec.spki")));
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
