/**
 * What openssl itself says about a certificate, as a CertRecord: the independent reading the pki
 * parser's tests compare against (all fields from openssl's own output, none from certdoctor's parser).
 */
import { createHash } from "node:crypto";
import type { CertRecord, KeyType } from "../../src/model/cert.js";
import type { OpensslDir } from "./openssl.js";

const ekuNames: Record<string, string> = {
  "TLS Web Server Authentication": "serverAuth",
  "TLS Web Client Authentication": "clientAuth",
  "Code Signing": "codeSigning",
  "E-mail Protection": "emailProtection",
  "Time Stamping": "timeStamping",
  "OCSP Signing": "OCSPSigning",
};

const keyUsageText: Record<string, string> = {
  "Digital Signature": "digitalSignature",
  "Non Repudiation": "nonRepudiation",
  "Key Encipherment": "keyEncipherment",
  "Data Encipherment": "dataEncipherment",
  "Key Agreement": "keyAgreement",
  "Certificate Sign": "keyCertSign",
  "CRL Sign": "cRLSign",
  "Encipher Only": "encipherOnly",
  "Decipher Only": "decipherOnly",
};

const nistCurves: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

/** Builds the CertRecord openssl reports for the PEM certificate `name` (all fields from openssl output). */
export function describeWithOpenssl(o: OpensslDir, name: string): CertRecord {
  const simple = o.run(
    "x509", "-in", name, "-noout", "-nameopt", "RFC2253", "-subject", "-issuer", "-serial", "-dates", "-dateopt", "iso_8601",
    "-fingerprint", "-sha256", "-pubkey");
  const text = o.run("x509", "-in", name, "-noout", "-text", "-certopt", "no_sigdump");
  const field = (key: string): string => {
    const m = new RegExp(`^${key}=(.*)$`, "m").exec(simple);
    if (!m) throw new Error(`openssl printed no ${key}`);
    return m[1]!;
  };
  const ext = (header: string): { critical: boolean; value: string } | undefined => {
    const m = new RegExp(`X509v3 ${header}:( critical)?\\s*\\n\\s*(.*)`).exec(text);
    return m ? { critical: m[1] !== undefined, value: m[2]!.trim() } : undefined;
  };
  const hexOf = (colons: string): string => colons.replace(/^keyid:/, "").replace(/:/g, "").toLowerCase();
  const pubPem = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/.exec(simple)![0];
  const spkiDer = Buffer.from(pubPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const der = o.readCertDer(name);
  const names = readNameBytes(o, `${name}.der`, der);

  const record: CertRecord = {
    fingerprint: hexOf(field("sha256 Fingerprint")),
    version: Number(/Version: (\d+)/.exec(text)![1]),
    serialNumber: field("serial").toLowerCase(),
    subject: field("subject"),
    issuer: field("issuer"),
    subjectDer: names.subject,
    issuerDer: names.issuer,
    notBefore: Date.parse(field("notBefore").replace(" ", "T")),
    notAfter: Date.parse(field("notAfter").replace(" ", "T")),
    isCA: false,
    keyUsage: [],
    extKeyUsage: [],
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
    keyType: "unknown",
    keySize: 0,
    signatureAlgorithm: /Signature Algorithm: (\S+)/.exec(text)![1]!,
    spkiFingerprint: createHash("sha256").update(spkiDer).digest("hex"),
    selfIssued: names.subject === names.issuer,
  };
  const bc = ext("Basic Constraints");
  if (bc) {
    record.hasBasicConstraints = true;
    record.isCA = bc.value.startsWith("CA:TRUE");
    const len = /pathlen:(\d+)/.exec(bc.value);
    if (len) record.pathLength = Number(len[1]);
  }
  const ku = ext("Key Usage");
  if (ku) record.keyUsage = ku.value.split(", ").map((k) => keyUsageText[k] ?? `?${k}`);
  const eku = ext("Extended Key Usage");
  if (eku) record.extKeyUsage = eku.value.split(", ").map((k) => ekuNames[k] ?? k);
  const san = ext("Subject Alternative Name");
  if (san) {
    record.hasSan = true;
    for (const entry of san.value.split(", ")) {
      const [kind, ...rest] = entry.split(":");
      const value = rest.join(":");
      if (kind === "DNS") record.dnsNames.push(value);
      // openssl prints IPv6 uncompressed and uppercase; the WHATWG URL serializer gives the RFC 5952 form.
      else if (kind === "IP Address") record.ipAddresses.push(value.includes(":") ? new URL(`http://[${value}]/`).hostname.slice(1, -1) : value);
      else if (kind === "email") record.emailAddresses.push(value);
      else if (kind === "URI") record.uris.push(value);
    }
  }
  const ski = ext("Subject Key Identifier");
  if (ski) record.subjectKeyId = hexOf(ski.value);
  const aki = ext("Authority Key Identifier");
  if (aki) record.authorityKeyId = hexOf(aki.value);
  Object.assign(record, describeKey(text));
  return record;
}

function describeKey(text: string): { keyType: KeyType; keySize: number; curve?: string } {
  const alg = /Public Key Algorithm: (\S+)/.exec(text)![1]!;
  const bits = Number(/Public-Key: \((\d+) bit\)/.exec(text)?.[1] ?? 0);
  if (alg === "rsaEncryption" || alg === "rsassaPss") return { keyType: "RSA", keySize: bits };
  if (alg === "id-ecPublicKey") {
    const curve = /ASN1 OID: (\S+)/.exec(text)![1]!;
    return { keyType: "EC", keySize: bits, curve: nistCurves[curve] ?? curve };
  }
  if (alg === "ED25519") return { keyType: "Ed25519", keySize: 255 };
  if (alg === "ED448") return { keyType: "Ed448", keySize: 448 };
  if (alg === "dsaEncryption") return { keyType: "DSA", keySize: bits };
  return { keyType: "unknown", keySize: 0 };
}

/** Issuer and subject Name TLVs as hex, located with `openssl asn1parse` offsets (depth-2 children of the TBS). */
function readNameBytes(o: OpensslDir, derName: string, der: Buffer): { issuer: string; subject: string } {
  const out = o.run("asn1parse", "-inform", "DER", "-in", derName);
  const children: { offset: number; size: number; tag: string }[] = [];
  for (const line of out.split("\n")) {
    const m = /^\s*(\d+):d=2\s+hl=\s*(\d+)\s+l=\s*(\d+)\s+\w+:\s*(.+?)\s*$/.exec(line);
    if (m) children.push({ offset: Number(m[1]), size: Number(m[2]) + Number(m[3]), tag: m[4]! });
  }
  // TBS children: [0] version?, serial, signature, issuer, validity, subject, ... (the outer AlgorithmIdentifier is depth 1).
  const first = children[0]!.tag.startsWith("cont [ 0 ]") ? 1 : 0;
  const issuer = children[first + 2]!;
  const subject = children[first + 4]!;
  return {
    issuer: der.subarray(issuer.offset, issuer.offset + issuer.size).toString("hex"),
    subject: der.subarray(subject.offset, subject.offset + subject.size).toString("hex"),
  };
}
