import { failDer } from "./der.js";

/** OIDs longer than this are rejected: no real OID needs more, and it bounds BigInt work. */
const MAX_OID_BYTES = 128;

/** Decodes OBJECT IDENTIFIER content bytes to dotted form. Arcs beyond 2^53 are decoded exactly with BigInt. */
export function decodeOid(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len < 1 || len > MAX_OID_BYTES) failDer("OBJECT IDENTIFIER has an invalid length");
  if (buf[end - 1]! & 0x80) failDer("OBJECT IDENTIFIER ends inside an arc");
  let out = "";
  let first = true;
  let v = 0;
  let big: bigint | undefined;
  let arcStart = true;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (arcStart && b === 0x80) failDer("OBJECT IDENTIFIER arc is not minimally encoded");
    arcStart = false;
    if (big !== undefined) big = (big << 7n) | BigInt(b & 0x7f);
    else if (v >= 2 ** 45) big = (BigInt(v) << 7n) | BigInt(b & 0x7f);
    else v = v * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    if (first) {
      first = false;
      if (big !== undefined) out = `2.${big - 80n}`;
      else if (v < 40) out = `0.${v}`;
      else if (v < 80) out = `1.${v - 40}`;
      else out = `2.${v - 80}`;
    } else {
      out += `.${big !== undefined ? big : v}`;
    }
    v = 0;
    big = undefined;
    arcStart = true;
  }
  return out;
}

/** Signature algorithm OIDs with OpenSSL's long names, as `openssl x509 -text` prints them. */
export const signatureAlgorithmNames: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.3.14.3.2.29": "sha1WithRSA",
  "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
  "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
  "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
  "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
  "1.2.840.113549.1.1.10": "rsassaPss",
  "2.16.840.1.101.3.4.3.13": "RSA-SHA3-224",
  "2.16.840.1.101.3.4.3.14": "RSA-SHA3-256",
  "2.16.840.1.101.3.4.3.15": "RSA-SHA3-384",
  "2.16.840.1.101.3.4.3.16": "RSA-SHA3-512",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  "2.16.840.1.101.3.4.3.9": "ecdsa_with_SHA3-224",
  "2.16.840.1.101.3.4.3.10": "ecdsa_with_SHA3-256",
  "2.16.840.1.101.3.4.3.11": "ecdsa_with_SHA3-384",
  "2.16.840.1.101.3.4.3.12": "ecdsa_with_SHA3-512",
  "1.2.840.10040.4.3": "dsaWithSHA1",
  "2.16.840.1.101.3.4.3.1": "dsa_with_SHA224",
  "2.16.840.1.101.3.4.3.2": "dsa_with_SHA256",
  "1.3.101.112": "ED25519",
  "1.3.101.113": "ED448",
};

/** Digest OIDs (AlgorithmIdentifier inside RSA-PSS parameters) to node/OpenSSL digest names. */
export const digestNames: Readonly<Record<string, string>> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
  "2.16.840.1.101.3.4.2.7": "sha3-224",
  "2.16.840.1.101.3.4.2.8": "sha3-256",
  "2.16.840.1.101.3.4.2.9": "sha3-384",
  "2.16.840.1.101.3.4.2.10": "sha3-512",
};

export const OID_RSA = "1.2.840.113549.1.1.1";
export const OID_RSA_PSS = "1.2.840.113549.1.1.10";
export const OID_MGF1 = "1.2.840.113549.1.1.8";
export const OID_EC = "1.2.840.10045.2.1";
export const OID_DSA = "1.2.840.10040.4.1";
export const OID_ED25519 = "1.3.101.112";
export const OID_ED448 = "1.3.101.113";

/** Named EC curves: display name and size in bits. */
export const curveNames: Readonly<Record<string, { name: string; bits: number }>> = {
  "1.2.840.10045.3.1.7": { name: "P-256", bits: 256 },
  "1.3.132.0.34": { name: "P-384", bits: 384 },
  "1.3.132.0.35": { name: "P-521", bits: 521 },
  "1.3.132.0.33": { name: "P-224", bits: 224 },
  "1.2.840.10045.3.1.1": { name: "P-192", bits: 192 },
  "1.3.132.0.10": { name: "secp256k1", bits: 256 },
  "1.3.36.3.3.2.8.1.1.7": { name: "brainpoolP256r1", bits: 256 },
  "1.3.36.3.3.2.8.1.1.11": { name: "brainpoolP384r1", bits: 384 },
  "1.3.36.3.3.2.8.1.1.13": { name: "brainpoolP512r1", bits: 512 },
};

/** extendedKeyUsage purposes with the names `openssl` config files use. */
export const extKeyUsageNames: Readonly<Record<string, string>> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
};

/** keyUsage bit names, bit 0 first (RFC 5280 4.2.1.3). */
export const keyUsageNames: readonly string[] = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

/** Name attribute types with OpenSSL's short names (`-nameopt RFC2253` prints these). */
export const attributeShortNames: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.13": "description",
  "2.5.4.15": "businessCategory",
  "2.5.4.16": "postalAddress",
  "2.5.4.17": "postalCode",
  "2.5.4.18": "postOfficeBox",
  "2.5.4.19": "physicalDeliveryOfficeName",
  "2.5.4.20": "telephoneNumber",
  "2.5.4.41": "name",
  "2.5.4.42": "GN",
  "2.5.4.43": "initials",
  "2.5.4.44": "generationQualifier",
  "2.5.4.45": "x500UniqueIdentifier",
  "2.5.4.46": "dnQualifier",
  "2.5.4.65": "pseudonym",
  "2.5.4.72": "role",
  "2.5.4.97": "organizationIdentifier",
  "1.2.840.113549.1.9.1": "emailAddress",
  "1.2.840.113549.1.9.2": "unstructuredName",
  "1.2.840.113549.1.9.8": "unstructuredAddress",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
  "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
  "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
};
