import assert from "node:assert/strict";
import { createPrivateKey, type JsonWebKey } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { describePrivateKey } from "./keys.js";
import { readPkcs12 } from "./pkcs12.js";

/** The openssl-made key with one private field changed (one bit of it, or another key's value), in `type` DER. */
function corrupted(pem: string, change: (jwk: JsonWebKey) => JsonWebKey, type: "pkcs1" | "pkcs8" | "sec1"): Buffer {
  const jwk = createPrivateKey(pem).export({ format: "jwk" });
  return createPrivateKey({ key: change(jwk), format: "jwk" }).export({ type, format: "der" }) as Buffer;
}
const flipBit = (field: keyof JsonWebKey) => (jwk: JsonWebKey) => {
  const bytes = Buffer.from(jwk[field] as string, "base64url");
  bytes[bytes.length >> 1]! ^= 0x10;
  return { ...jwk, [field]: bytes.toString("base64url") };
};
const isCorrupt = (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_KEY_INVALID && /corrupt/.test(e.message);

describe("private keys whose private part does not match their public part", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
    o.run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem");
    o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem");
    o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec-other.pem");
  });
  after(() => o.cleanup());

  for (const field of ["d", "p", "q", "dp", "dq", "qi"] as const) {
    it(`RSA with a corrupted ${field}: corrupt (ERR_KEY_INVALID), not fingerprinted, as PKCS#1 and PKCS#8`, () => {
      for (const [type, label] of [["pkcs1", "RSA PRIVATE KEY"], ["pkcs8", "PRIVATE KEY"], ["pkcs8", undefined]] as const) {
        const der = corrupted(o.readText("rsa.pem"), flipBit(field), type);
        assert.throws(() => describePrivateKey(label === undefined ? { der } : { der, label }, []), isCorrupt, `${type} ${label}`);
      }
    });
  }

  it("EC whose private scalar is another key's: corrupt, as SEC1 and PKCS#8", () => {
    const otherD = createPrivateKey(o.readText("ec-other.pem")).export({ format: "jwk" }).d;
    for (const [type, label] of [["sec1", "EC PRIVATE KEY"], ["pkcs8", "PRIVATE KEY"]] as const) {
      const der = corrupted(o.readText("ec.pem"), (jwk) => ({ ...jwk, d: otherD! }), type);
      assert.throws(() => describePrivateKey({ der, label }, []), isCorrupt, type);
    }
  });

  it("a corrupt key inside a PKCS#12 bundle is corrupt too; the intact keys still describe", () => {
    o.write("rsa-bad.der", corrupted(o.readText("rsa.pem"), flipBit("d"), "pkcs8"));
    o.run("pkey", "-inform", "DER", "-in", "rsa-bad.der", "-out", "rsa-bad.pem");
    o.run("req", "-x509", "-key", "rsa.pem", "-subj", "/CN=k", "-days", "2", "-out", "rsa.crt");
    o.run("pkcs12", "-export", "-in", "rsa.crt", "-inkey", "rsa-bad.pem", "-nocerts", "-out", "bad.p12", "-passout", "pass:");
    assert.throws(() => readPkcs12(o.read("bad.p12"), []), isCorrupt);
    for (const name of ["rsa.pem", "ec.pem"]) assert.ok(describePrivateKey({ der: createPrivateKey(o.readText(name)).export({ type: "pkcs8", format: "der" }) as Buffer, label: "PRIVATE KEY" }, []).spkiFingerprint);
  });
});
