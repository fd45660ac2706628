import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { CertRecord } from "../model/cert.js";
import { makeOpensslDir, type OpensslDir } from "../../test/support/openssl.js";
import { describeWithOpenssl } from "../../test/support/openssl-describe.js";
import { looksLikeDerCertificate, parseCertificate } from "./x509.js";

const CA_CONF = `[ca]
default_ca = d
[d]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
`;

interface Row {
  name: string;
  /** Writes `<file>` (PEM) into the directory. */
  make(o: OpensslDir, file: string): void;
  /** Facts the case exists to exercise, so a shared misreading of openssl output still fails. */
  want: Partial<CertRecord>;
}

const P256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];

function selfSigned(keyArgs: string[], subject = "/CN=case"): Row["make"] {
  return (o, file) => o.run("req", "-x509", ...keyArgs, "-nodes", "-keyout", `${file}.key`, "-out", file, "-days", "30", "-subj", subject);
}

const rows: Row[] = [
  {
    name: "RSA-2048 root CA with pathlen",
    make: (o, file) => {
      o.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", file, "-days", "3650", "-subj", "/C=US/O=Example Corp/CN=Example Root CA",
        "-addext", "basicConstraints=critical,CA:TRUE,pathlen:1", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    },
    want: { keyType: "RSA", keySize: 2048, isCA: true, pathLength: 1, keyUsage: ["keyCertSign", "cRLSign"], selfIssued: true, subject: "CN=Example Root CA,O=Example Corp,C=US" },
  },
  {
    name: "leaf with every SAN type, IPv6, all key usages and EKUs, high-bit serial",
    make: (o, file) => {
      o.run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "leaf.key");
      o.run("req", "-new", "-key", "leaf.key", "-subj", "/O=system:masters/CN=kube-apiserver-kubelet-client", "-out", "leaf.csr");
      o.write("leaf.ext", [
        "subjectAltName=DNS:kubernetes,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1,IP:2001:db8::1,IP:fe80::1:0:0:0:2,IP:::1,email:ops@example.com,URI:spiffe://cluster.local/ns/default/sa/web",
        "keyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,encipherOnly,decipherOnly",
        "extendedKeyUsage=serverAuth,clientAuth,codeSigning,emailProtection,timeStamping,OCSPSigning,1.2.3.4.5",
        "basicConstraints=CA:FALSE",
        "subjectKeyIdentifier=hash",
        "authorityKeyIdentifier=keyid",
        "",
      ].join("\n"));
      o.run("x509", "-req", "-in", "leaf.csr", "-CA", "root-ca.pem", "-CAkey", "ca.key", "-set_serial", "0x8badf00ddeadbeef", "-days", "365", "-extfile", "leaf.ext", "-out", file);
    },
    want: {
      serialNumber: "8badf00ddeadbeef", // openssl x509 -serial: 8BADF00DDEADBEEF (DER holds 00 8b ...)
      ipAddresses: ["10.96.0.1", "2001:db8::1", "fe80:0:0:1::2", "::1"],
      uris: ["spiffe://cluster.local/ns/default/sa/web"],
      emailAddresses: ["ops@example.com"],
      extKeyUsage: ["serverAuth", "clientAuth", "codeSigning", "emailProtection", "timeStamping", "OCSPSigning", "1.2.3.4.5"],
      keyUsage: ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "encipherOnly", "decipherOnly"],
      isCA: false,
      selfIssued: false,
      issuer: "CN=Example Root CA,O=Example Corp,C=US",
    },
  },
  { name: "RSA-1024", make: selfSigned(["-newkey", "rsa:1024"]), want: { keyType: "RSA", keySize: 1024 } },
  { name: "SHA-1 signature", make: selfSigned(["-newkey", "rsa:2048", "-sha1"]), want: { signatureAlgorithm: "sha1WithRSAEncryption" } },
  {
    name: "EC P-256",
    make: selfSigned(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
    want: { keyType: "EC", keySize: 256, curve: "P-256", signatureAlgorithm: "ecdsa-with-SHA256" },
  },
  {
    name: "EC P-384 with SHA-384",
    make: selfSigned(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-sha384"]),
    want: { keyType: "EC", keySize: 384, curve: "P-384", signatureAlgorithm: "ecdsa-with-SHA384" },
  },
  {
    name: "EC P-521 with SHA-512",
    make: selfSigned(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-sha512"]),
    want: { keyType: "EC", keySize: 521, curve: "P-521", signatureAlgorithm: "ecdsa-with-SHA512" },
  },
  { name: "Ed25519", make: selfSigned(["-newkey", "ed25519"]), want: { keyType: "Ed25519", keySize: 255, signatureAlgorithm: "ED25519" } },
  { name: "Ed448", make: selfSigned(["-newkey", "ed448"]), want: { keyType: "Ed448", keySize: 448, signatureAlgorithm: "ED448" } },
  {
    name: "RSA-PSS key",
    make: (o, file) => {
      o.run("genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "pss.key");
      o.run("req", "-x509", "-key", "pss.key", "-out", file, "-days", "30", "-subj", "/CN=pss");
    },
    want: { keyType: "RSA", keySize: 2048, signatureAlgorithm: "rsassaPss" },
  },
  {
    name: "RSA key with PSS signature (SHA-384, salt 48)",
    make: selfSigned(["-newkey", "rsa:2048", "-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:48"]),
    want: { keyType: "RSA", signatureAlgorithm: "rsassaPss" },
  },
  {
    name: "DSA",
    make: (o, file) => {
      o.run("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024", "-pkeyopt", "dsa_paramgen_q_bits:160", "-out", "dsa.param");
      o.run("genpkey", "-paramfile", "dsa.param", "-out", "dsa.key");
      o.run("req", "-x509", "-key", "dsa.key", "-sha1", "-out", file, "-days", "30", "-subj", "/CN=dsa");
    },
    want: { keyType: "DSA", keySize: 1024, signatureAlgorithm: "dsaWithSHA1" },
  },
  {
    name: "v1 certificate without extensions",
    make: (o, file) => {
      o.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "v1.key");
      o.run("req", "-new", "-key", "v1.key", "-subj", "/CN=legacy v1", "-out", "v1.csr");
      o.run("x509", "-req", "-in", "v1.csr", "-key", "v1.key", "-days", "30", "-out", file);
    },
    want: { version: 1, keyUsage: [], dnsNames: [], isCA: false },
  },
  {
    name: "non-ASCII UTF-8 subject, multi-valued RDN and RFC 2253 specials",
    make: selfSigned([...P256, "-utf8", "-multivalue-rdn"], "/DC=com/DC=example/O=ACME, Inc.; \"R&D\"/OU= padded /OU=#hash/CN=Zoë Ünïcode 日本+UID=42"),
    // DER sorts the SET (UID's shorter AVA first) and the RFC 2253 form reverses it.
    want: { subject: "CN=Zo\\C3\\AB \\C3\\9Cn\\C3\\AFcode \\E6\\97\\A5\\E6\\9C\\AC+UID=42,OU=\\#hash,OU=\\ padded\\ ,O=ACME\\, Inc.\\; \\\"R&D\\\",DC=example,DC=com" },
  },
  {
    name: "UTCTime before 1970 and GeneralizedTime after 2050",
    make: (o, file) => {
      o.write("ca.cnf", CA_CONF);
      o.write("index.txt", "");
      o.write("serial", "01\n");
      o.run("req", "-new", ...P256, "-nodes", "-keyout", "old.key", "-subj", "/CN=time traveller", "-out", "old.csr");
      o.run("ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", "old.key", "-in", "old.csr", "-startdate", "19600229120000Z", "-enddate", "20600101000000Z", "-out", file);
    },
    want: { notBefore: Date.UTC(1960, 1, 29, 12), notAfter: Date.UTC(2060, 0, 1) },
  },
];

describe("parseCertificate against openssl", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
  });
  after(() => o.cleanup());

  for (const row of rows) {
    it(row.name, () => {
      const file = `${row.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase().slice(0, 40)}.pem`;
      const target = row.name.startsWith("RSA-2048 root CA") ? "root-ca.pem" : file;
      row.make(o, target);
      const der = o.readCertDer(target);
      const got = parseCertificate(der);
      const expected = describeWithOpenssl(o, target);
      assert.deepEqual(got.record, expected);
      for (const [key, value] of Object.entries(row.want)) {
        assert.deepEqual(got.record[key as keyof CertRecord], value, key);
      }
      // Material views cover exactly the signed bytes and the key.
      assert.equal(Buffer.from(got.material.spki).toString("base64"), o.run("x509", "-in", target, "-noout", "-pubkey").replace(/-----[^-]+-----|\s/g, ""));
      assert.equal(got.material.tbs[0], 0x30);
      assert.equal(got.material.tbs.byteOffset - der.byteOffset, 4);
      assert.ok(got.material.signature.length > 0);
    });
  }
});

describe("parseCertificate rejects malformed input", () => {
  let der: Buffer;
  before(() => {
    const o = makeOpensslDir();
    try {
      o.run("req", "-x509", ...P256, "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-days", "30", "-subj", "/CN=x", "-addext", "subjectAltName=DNS:x,IP:::1");
      der = o.readCertDer("c.pem");
    } finally {
      o.cleanup();
    }
  });

  const cases: { name: string; bytes: () => Uint8Array; code: string }[] = [
    { name: "trailing garbage after the certificate", bytes: () => Buffer.concat([der, Buffer.from([0])]), code: ErrorCode.ERR_CERT_INVALID },
    { name: "truncated by one byte", bytes: () => der.subarray(0, der.length - 1), code: ErrorCode.ERR_DER_INVALID },
    { name: "empty input", bytes: () => new Uint8Array(0), code: ErrorCode.ERR_DER_INVALID },
    { name: "indefinite length", bytes: () => Buffer.from([0x30, 0x80, 0x00, 0x00]), code: ErrorCode.ERR_DER_INVALID },
    { name: "a private key, not a certificate", bytes: () => Buffer.from("302e020100300506032b657004220420" + "11".repeat(32), "hex"), code: ErrorCode.ERR_DER_INVALID },
    { name: "larger than the size limit", bytes: () => new Uint8Array(2 * 1024 * 1024), code: ErrorCode.ERR_CERT_INVALID },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => parseCertificate(c.bytes()), (err: unknown) => err instanceof CertdoctorError && err.code === c.code);
    });
  }

  it("looksLikeDerCertificate accepts a certificate and rejects keys, PEM text and junk", () => {
    assert.equal(looksLikeDerCertificate(der), true);
    assert.equal(looksLikeDerCertificate(Buffer.concat([der, Buffer.from([0])])), false);
    assert.equal(looksLikeDerCertificate(Buffer.from("302e020100300506032b657004220420" + "11".repeat(32), "hex")), false);
    assert.equal(looksLikeDerCertificate(Buffer.from("-----BEGIN CERTIFICATE-----\n")), false);
    assert.equal(looksLikeDerCertificate(new Uint8Array(0)), false);
  });

  it("random bytes never throw anything but CertdoctorError", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        assertOnlyCertdoctorErrors(() => parseCertificate(bytes));
        looksLikeDerCertificate(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it("mutated, truncated and extended certificates never throw anything but CertdoctorError", { timeout: 60_000 }, () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let bytes = Buffer.from(der);
        for (const e of edits) {
          const at = e.at % (bytes.length + 1);
          if (e.kind === "set" && at < bytes.length) bytes[at] = e.value;
          else if (e.kind === "cut") bytes = bytes.subarray(0, at);
          else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([e.value]), bytes.subarray(at)]);
        }
        assertOnlyCertdoctorErrors(() => parseCertificate(bytes));
        looksLikeDerCertificate(bytes);
      }),
      { numRuns: 5000 },
    );
  });
});

function assertOnlyCertdoctorErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof CertdoctorError)) throw err;
    assert.ok(err.code === ErrorCode.ERR_DER_INVALID || err.code === ErrorCode.ERR_CERT_INVALID, err.code);
  }
}
