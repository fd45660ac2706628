import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { at, cert, ctx, inventory, record } from "../../test/support/facts.js";
import { weakCrypto } from "./weak-crypto.js";

const here = [at("file:/a.crt")];
const rows = [
  { name: "RSA-1024 leaf", c: cert(record("c", { keyType: "RSA", keySize: 1024 }), here), want: ["Weak crypto (an RSA key of only 1024 bits): CN=c"] },
  { name: "RSA-2048 leaf is fine", c: cert(record("c", { keyType: "RSA", keySize: 2048 }), here), want: [] },
  { name: "unknown RSA size is not guessed", c: cert(record("c", { keyType: "RSA", keySize: 0 }), here), want: [] },
  { name: "SHA-1 signed leaf", c: cert(record("c", { signatureAlgorithm: "sha1WithRSAEncryption" }), here, ["ca"]), want: ["Weak crypto (a sha1WithRSAEncryption signature): CN=c"] },
  { name: "MD5 and a small key together", c: cert(record("c", { keyType: "RSA", keySize: 512, signatureAlgorithm: "md5WithRSAEncryption" }), here), want: ["Weak crypto (an RSA key of only 512 bits, a md5WithRSAEncryption signature): CN=c"] },
  { name: "a self-signed root's own SHA-1 signature is never checked", c: cert(record("r", { isCA: true, signatureAlgorithm: "sha1WithRSAEncryption" }), here, ["r"]), want: [] },
  { name: "ecdsa-with-SHA256 is fine", c: cert(record("c"), here), want: [] },
  { name: "backup-only: not live", c: cert(record("c", { keyType: "RSA", keySize: 1024 }), [at("file:/b.crt", { backup: true })]), want: [] },
];

describe("weak-crypto", () => {
  for (const row of rows) {
    it(row.name, () => {
      const findings = weakCrypto.check(inventory({ certs: [row.c] }), ctx);
      assert.deepEqual(findings.map((f) => f.title), row.want);
      for (const f of findings) assert.equal(f.severity, "warning");
    });
  }
});
