import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { derivePublicKey } from "./key-spki.js";
import { scanPem } from "./pem.js";

const dir = mkdtempSync(join(tmpdir(), "certdoctor-key-spki-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function pemBlock(file: string) {
  const { blocks } = scanPem(readFileSync(join(dir, file), "latin1"), 1 << 20);
  assert.equal(blocks.length, 1);
  return blocks[0]!;
}

/** What OpenSSL itself says the public key is. */
function opensslSpki(file: string): Buffer {
  openssl("pkey", "-in", file, "-pubout", "-outform", "DER", "-out", `${file}.pub.der`);
  return readFileSync(join(dir, `${file}.pub.der`));
}

describe("derivePublicKey", () => {
  const rows = [
    { name: "RSA-2048 PKCS#1", make: () => openssl("genrsa", "-traditional", "-out", "k.pem", "2048"), label: "RSA PRIVATE KEY", bits: 2048 },
    { name: "RSA-3072 PKCS#8", make: () => openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", "k.pem"), label: "PRIVATE KEY", bits: 3072 },
    { name: "EC P-256 SEC1", make: () => openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "k.pem"), label: "EC PRIVATE KEY", bits: 256 },
    { name: "EC P-384 PKCS#8", make: () => openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "k.pem"), label: "PRIVATE KEY", bits: 384 },
    { name: "EC P-521 PKCS#8", make: () => openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out", "k.pem"), label: "PRIVATE KEY", bits: 521 },
  ];
  for (const row of rows) {
    it(`${row.name}: the same SubjectPublicKeyInfo as openssl pkey -pubout`, () => {
      row.make();
      const block = pemBlock("k.pem");
      assert.equal(block.label, row.label);
      const derived = derivePublicKey(block.der, block.label);
      assert.ok(derived, "derived");
      assert.equal(derived.keySize, row.bits);
      assert.deepEqual(Buffer.from(derived.spki), opensslSpki("k.pem"));
      // Also without the PEM label (DER files).
      assert.deepEqual(Buffer.from(derivePublicKey(block.der, undefined)!.spki), opensslSpki("k.pem"));
    });
  }

  it("an EC key without its public point falls back (undefined) rather than guessing", () => {
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "full.pem");
    openssl("ec", "-in", "full.pem", "-no_public", "-out", "nopub.pem");
    const block = pemBlock("nopub.pem");
    assert.equal(derivePublicKey(block.der, block.label), undefined);
  });

  it("Ed25519 is left to node:crypto", () => {
    openssl("genpkey", "-algorithm", "ed25519", "-out", "ed.pem");
    const block = pemBlock("ed.pem");
    assert.equal(derivePublicKey(block.der, block.label), undefined);
  });

  it("never throws and, when it answers for random bytes, answers what node:crypto would", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(undefined, "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"), (bytes, label) => {
        const derived = derivePublicKey(bytes, label);
        if (derived === undefined) return;
        // Random bytes almost never form a key; if they do, the SPKI must at least be a valid public key.
        assert.doesNotThrow(() => createPublicKey({ key: Buffer.from(derived.spki), format: "der", type: "spki" }));
      }),
      { numRuns: 3000 },
    );
  });

  it("is much cheaper than decoding the key with OpenSSL", () => {
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "perf.pem");
    const block = pemBlock("perf.pem");
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) derivePublicKey(block.der, block.label);
    const fast = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < 200; i++) createPublicKey(createPrivateKey(readFileSync(join(dir, "perf.pem")))).export({ type: "spki", format: "der" });
    const slow = (performance.now() - t1) * 10;
    assert.ok(fast < slow, `derive ${fast.toFixed(1)} ms vs openssl ${slow.toFixed(1)} ms for 2,000 keys`);
  });
});
