import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { scanPem } from "./pem.js";
import { createKdfBudget, kdfLeft } from "./kdf-budget.js";
import { describePrivateKey } from "./keys.js";

function onlyBlock(text: string) {
  const { blocks } = scanPem(text, 1 << 20);
  assert.equal(blocks.length, 1);
  return blocks[0]!;
}

describe("describePrivateKey", () => {
  let o: OpensslDir;
  const spkiOf = (name: string) => createHash("sha256").update(o.run("pkey", "-in", name, "-pubout", "-outform", "DER").length ? readSpki(name) : "").digest("hex");
  const readSpki = (name: string) => {
    o.run("pkey", "-in", name, "-pubout", "-outform", "DER", "-out", `${name}.spki`);
    return o.read(`${name}.spki`);
  };
  before(() => {
    o = makeOpensslDir();
    o.run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa8.pem");
    o.run("pkey", "-in", "rsa8.pem", "-traditional", "-out", "rsa1.pem");
    o.run("pkey", "-in", "rsa8.pem", "-outform", "DER", "-out", "rsa8.der");
    o.run("rsa", "-in", "rsa8.pem", "-traditional", "-outform", "DER", "-out", "rsa1.der");
    o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "ec8.pem");
    o.run("ec", "-in", "ec8.pem", "-out", "sec1.pem");
    o.run("ec", "-in", "ec8.pem", "-outform", "DER", "-out", "sec1.der");
    o.run("genpkey", "-algorithm", "ED25519", "-out", "ed.pem");
    o.run("genpkey", "-algorithm", "ED448", "-out", "ed448.pem");
    o.run("pkcs8", "-topk8", "-in", "ec8.pem", "-v2", "aes-256-cbc", "-passout", "pass:hunter2", "-out", "enc8.pem");
    o.run("pkcs8", "-topk8", "-in", "ec8.pem", "-v2", "aes-256-cbc", "-passout", "pass:hunter2", "-outform", "DER", "-out", "enc8.der");
    o.run("rsa", "-in", "rsa8.pem", "-traditional", "-aes256", "-passout", "pass:hunter2", "-out", "legacy.pem");
  });
  after(() => o.cleanup());

  const cases = [
    { name: "PKCS#8 RSA PEM", file: "rsa8.pem", source: "rsa8.pem", type: "RSA", size: 2048 },
    { name: "PKCS#1 RSA PEM", file: "rsa1.pem", source: "rsa8.pem", type: "RSA", size: 2048 },
    { name: "SEC1 EC PEM", file: "sec1.pem", source: "ec8.pem", type: "EC", size: 384 },
    { name: "Ed25519 PKCS#8", file: "ed.pem", source: "ed.pem", type: "Ed25519", size: 255 },
    { name: "Ed448 PKCS#8", file: "ed448.pem", source: "ed448.pem", type: "Ed448", size: 448 },
  ];
  for (const c of cases) {
    it(`describes ${c.name}`, () => {
      const block = onlyBlock(o.readText(c.file));
      const info = describePrivateKey({ der: block.der, label: block.label }, []);
      assert.deepEqual(info, { encrypted: false, keyType: c.type, keySize: c.size, spkiFingerprint: spkiOf(c.source) });
    });
  }

  it("detects unlabelled DER as PKCS#8, PKCS#1 and SEC1", () => {
    for (const [file, source] of [["rsa8.der", "rsa8.pem"], ["rsa1.der", "rsa8.pem"], ["sec1.der", "ec8.pem"]] as const) {
      assert.equal(describePrivateKey({ der: o.read(file) }, []).spkiFingerprint, spkiOf(source), file);
    }
  });

  it("reports encrypted PKCS#8 as encrypted without a password, and fingerprints it with the right one", () => {
    const block = onlyBlock(o.readText("enc8.pem"));
    assert.deepEqual(describePrivateKey({ der: block.der, label: block.label }, ["nope"]), { encrypted: true, keyType: "unknown", keySize: 0 });
    const opened = describePrivateKey({ der: block.der, label: block.label }, ["nope", "hunter2"]);
    assert.deepEqual(opened, { encrypted: true, keyType: "EC", keySize: 384, spkiFingerprint: spkiOf("ec8.pem") });
    assert.equal(describePrivateKey({ der: o.read("enc8.der") }, ["hunter2"]).spkiFingerprint, spkiOf("ec8.pem"));
  });

  it("charges each password tried on an encrypted key to the scan's budget and stops when it is spent (ERR_KDF_BUDGET)", () => {
    const der = o.read("enc8.der");
    const budget = createKdfBudget(3 * 2048);
    assert.equal(describePrivateKey({ der }, ["nope", "hunter2"], budget).spkiFingerprint, spkiOf("ec8.pem"));
    assert.equal(kdfLeft(budget), 0);
    assert.throws(() => describePrivateKey({ der }, ["hunter2"], budget), (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_KDF_BUDGET);
  });

  it("reports a legacy Proc-Type encrypted key as encrypted", () => {
    const block = onlyBlock(o.readText("legacy.pem"));
    assert.equal(block.encryptedHeader, true);
    assert.deepEqual(describePrivateKey({ der: block.der, label: block.label, encryptedHeader: true }, ["hunter2"]), { encrypted: true, keyType: "RSA", keySize: 0 });
  });

  it("throws ERR_KEY_INVALID for a truncated key, without key bytes in the message", () => {
    const der = o.read("rsa8.der");
    const cut = der.subarray(0, 600);
    assert.throws(() => describePrivateKey({ der: cut, label: "PRIVATE KEY" }, []), (err: unknown) => {
      assert.ok(err instanceof CertdoctorError);
      assert.equal(err.code, ErrorCode.ERR_KEY_INVALID);
      assert.ok(!err.message.includes(cut.toString("base64").slice(0, 16)));
      assert.ok(!err.message.includes(cut.toString("hex").slice(0, 16)));
      return true;
    });
  });

  it("never throws anything but CertdoctorError on random bytes (property)", () => {
    const labels = fc.constantFrom(undefined, "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "WEIRD");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), labels, fc.boolean(), (der, label, encryptedHeader) => {
        try {
          describePrivateKey(label === undefined ? { der, encryptedHeader } : { der, label, encryptedHeader }, ["x"]);
        } catch (err) {
          assert.ok(err instanceof CertdoctorError && err.code === ErrorCode.ERR_KEY_INVALID);
        }
      }),
      { numRuns: 500 },
    );
  });
});
