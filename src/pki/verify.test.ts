import assert from "node:assert/strict";
import { getHashes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { CertMaterial, ParsedCert } from "../model/cert.js";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { countCachedKeys, verifySignature } from "./verify.js";
import { parseCertificate } from "./x509.js";

interface Row {
  name: string;
  /** genpkey arguments for the issuer key. */
  caKey: string[];
  /** Extra `openssl x509 -req` signing arguments. */
  sign: string[];
  signatureAlgorithm: string;
}

const rows: Row[] = [
  { name: "RSA-2048 SHA-256", caKey: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], sign: ["-sha256"], signatureAlgorithm: "sha256WithRSAEncryption" },
  { name: "RSA SHA-1", caKey: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], sign: ["-sha1"], signatureAlgorithm: "sha1WithRSAEncryption" },
  { name: "RSA SHA-224", caKey: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], sign: ["-sha224"], signatureAlgorithm: "sha224WithRSAEncryption" },
  { name: "RSA SHA-512", caKey: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], sign: ["-sha512"], signatureAlgorithm: "sha512WithRSAEncryption" },
  {
    name: "RSA key, PSS SHA-384 salt 48",
    caKey: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    sign: ["-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:48"],
    signatureAlgorithm: "rsassaPss",
  },
  { name: "RSA-PSS key, default PSS", caKey: ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"], sign: ["-sha256"], signatureAlgorithm: "rsassaPss" },
  { name: "ECDSA P-256 SHA-256", caKey: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], sign: ["-sha256"], signatureAlgorithm: "ecdsa-with-SHA256" },
  { name: "ECDSA P-384 SHA-384", caKey: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], sign: ["-sha384"], signatureAlgorithm: "ecdsa-with-SHA384" },
  { name: "ECDSA P-256 SHA-1", caKey: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], sign: ["-sha1"], signatureAlgorithm: "ecdsa-with-SHA1" },
  { name: "ECDSA P-521 SHA-512", caKey: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], sign: ["-sha512"], signatureAlgorithm: "ecdsa-with-SHA512" },
  { name: "Ed25519", caKey: ["-algorithm", "ED25519"], sign: [], signatureAlgorithm: "ED25519" },
  { name: "Ed448", caKey: ["-algorithm", "ED448"], sign: [], signatureAlgorithm: "ED448" },
];
if (getHashes().includes("md5")) {
  rows.push({ name: "RSA MD5", caKey: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], sign: ["-md5"], signatureAlgorithm: "md5WithRSAEncryption" });
}

interface Family {
  ca: ParsedCert;
  impostor: ParsedCert;
  leaf: ParsedCert;
}

/** A CA, an impostor CA with the same name but its own key, and a leaf the real CA signed. */
function makeFamily(o: OpensslDir, id: string, caKey: string[], sign: string[]): Family {
  const subj = `/O=certdoctor/CN=${id} CA`;
  for (const who of ["ca", "imp"]) {
    o.run("genpkey", ...caKey, "-out", `${id}-${who}.key`);
    o.run("req", "-x509", "-key", `${id}-${who}.key`, "-out", `${id}-${who}.pem`, "-days", "30", "-subj", subj, ...sign);
  }
  o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${id}-leaf.key`);
  o.run("req", "-new", "-key", `${id}-leaf.key`, "-out", `${id}-leaf.csr`, "-subj", `/CN=${id} leaf`);
  o.run("x509", "-req", "-in", `${id}-leaf.csr`, "-CA", `${id}-ca.pem`, "-CAkey", `${id}-ca.key`, "-set_serial", "7", "-days", "30", "-out", `${id}-leaf.pem`, ...sign);
  const load = (name: string) => parseCertificate(o.readCertDer(name));
  return { ca: load(`${id}-ca.pem`), impostor: load(`${id}-imp.pem`), leaf: load(`${id}-leaf.pem`) };
}

function withFlippedBit(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe("verifySignature", () => {
  let o: OpensslDir;
  const families = new Map<string, Family>();
  before(() => {
    o = makeOpensslDir();
  });
  after(() => o.cleanup());

  for (const [i, row] of rows.entries()) {
    describe(row.name, () => {
      let f: Family;
      before(() => {
        f = makeFamily(o, `f${i}`, row.caKey, row.sign);
        families.set(row.name, f);
      });
      it("leaf verifies against its true issuer", () => {
        assert.equal(f.leaf.record.signatureAlgorithm, row.signatureAlgorithm);
        assert.equal(f.leaf.record.issuerDer, f.impostor.record.subjectDer);
        assert.equal(verifySignature(f.leaf.material, f.ca.material.spki), true);
        assert.equal(verifySignature(f.ca.material, f.ca.material.spki), true, "self-signature");
      });
      it("fails against a different key with the same name", () => {
        assert.equal(verifySignature(f.leaf.material, f.impostor.material.spki), false);
      });
      it("fails after one flipped bit in the TBS or the signature", () => {
        const m = f.leaf.material;
        assert.equal(verifySignature({ ...m, tbs: withFlippedBit(m.tbs, m.tbs.length - 5) }, f.ca.material.spki), false);
        assert.equal(verifySignature({ ...m, signature: withFlippedBit(m.signature, m.signature.length - 3) }, f.ca.material.spki), false);
      });
    });
  }

  it("returns false, never throws, for wrong key types, unknown algorithms and broken keys", () => {
    const rsa = families.get("RSA-2048 SHA-256")!;
    const ec = families.get("ECDSA P-256 SHA-256")!;
    const ed = families.get("Ed25519")!;
    assert.equal(verifySignature(rsa.leaf.material, ec.ca.material.spki), false);
    assert.equal(verifySignature(ec.leaf.material, rsa.ca.material.spki), false);
    assert.equal(verifySignature(ed.leaf.material, rsa.ca.material.spki), false);
    assert.equal(verifySignature({ ...rsa.leaf.material, signatureOid: "1.2.840.113549.1.1.2" }, rsa.ca.material.spki), false, "MD2");
    assert.equal(verifySignature({ ...rsa.leaf.material, signatureOid: "1.2.3.4" }, rsa.ca.material.spki), false);
    assert.equal(verifySignature(rsa.leaf.material, rsa.ca.material.spki.subarray(0, 40)), false);
    assert.equal(verifySignature(rsa.leaf.material, new Uint8Array(0)), false);
  });

  it("PSS: broken parameters and an MGF1 hash node cannot express are false", () => {
    const pss = families.get("RSA key, PSS SHA-384 salt 48")!;
    const m: CertMaterial = pss.leaf.material;
    assert.ok(m.signatureParams !== undefined);
    assert.equal(verifySignature({ ...m, signatureParams: m.signatureParams.subarray(0, 10) }, pss.ca.material.spki), false);
    const pssId = `f${rows.findIndex((r) => r.name === "RSA key, PSS SHA-384 salt 48")}`;
    const leafId = "mgf";
    o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${leafId}.key`);
    o.run("req", "-new", "-key", `${leafId}.key`, "-out", `${leafId}.csr`, "-subj", "/CN=mgf");
    o.run("x509", "-req", "-in", `${leafId}.csr`, "-CA", `${pssId}-ca.pem`, "-CAkey", `${pssId}-ca.key`, "-days", "30", "-out", `${leafId}.pem`,
      "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_mgf1_md:sha1");
    const mgf = parseCertificate(o.readCertDer(`${leafId}.pem`));
    o.run("verify", "-CAfile", `${pssId}-ca.pem`, `${leafId}.pem`); // openssl itself accepts it
    assert.equal(verifySignature(mgf.material, pss.ca.material.spki), false);
  });

  it("random materials never throw", () => {
    const rsa = families.get("RSA-2048 SHA-256")!;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 64 }), fc.constantFrom("1.2.840.113549.1.1.10", "1.2.840.113549.1.1.11", "1.3.101.112"), (spki, params, oid) => {
        assert.equal(verifySignature({ ...rsa.leaf.material, signatureOid: oid, signatureParams: params }, spki), false);
        verifySignature({ ...rsa.leaf.material, signatureOid: oid, signatureParams: params }, rsa.ca.material.spki);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps at most 4,096 issuer keys cached", () => {
    for (let i = 0; i < 4200; i++) verifySignature(families.get("Ed25519")!.leaf.material, Buffer.from(`not a key ${i}`));
    assert.ok(countCachedKeys() <= 4096, String(countCachedKeys()));
    assert.ok(countCachedKeys() >= 4000);
  });
});
