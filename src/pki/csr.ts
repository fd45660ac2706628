import { constants, createPublicKey, verify, type KeyObject } from "node:crypto";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { CsrInfo } from "../model/cert.js";
import { formatDistinguishedName } from "./names.js";
import { TAG, bytesOf, contentOf, readChildren, readOid, readSmallInteger, readTlv, readWhole, type Tlv } from "./der-tlv.js";
import { describeKeyObject } from "./keys.js";

/** CSRs with many SANs stay far below this; larger input is refused before parsing. */
export const MAX_CSR_BYTES = 256 * 1024;

const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const OID_SUBJECT_ALT_NAME = "2.5.29.17";
const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";

/** OpenSSL names and the digest node's crypto.verify needs (null for EdDSA). */
const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string | null }> = {
  "1.2.840.113549.1.1.4": { name: "md5WithRSAEncryption", hash: "md5" },
  "1.2.840.113549.1.1.5": { name: "sha1WithRSAEncryption", hash: "sha1" },
  "1.2.840.113549.1.1.14": { name: "sha224WithRSAEncryption", hash: "sha224" },
  "1.2.840.113549.1.1.11": { name: "sha256WithRSAEncryption", hash: "sha256" },
  "1.2.840.113549.1.1.12": { name: "sha384WithRSAEncryption", hash: "sha384" },
  "1.2.840.113549.1.1.13": { name: "sha512WithRSAEncryption", hash: "sha512" },
  [OID_RSASSA_PSS]: { name: "rsassaPss", hash: "sha1" },
  "1.2.840.10045.4.1": { name: "ecdsa-with-SHA1", hash: "sha1" },
  "1.2.840.10045.4.3.1": { name: "ecdsa-with-SHA224", hash: "sha224" },
  "1.2.840.10045.4.3.2": { name: "ecdsa-with-SHA256", hash: "sha256" },
  "1.2.840.10045.4.3.3": { name: "ecdsa-with-SHA384", hash: "sha384" },
  "1.2.840.10045.4.3.4": { name: "ecdsa-with-SHA512", hash: "sha512" },
  "2.16.840.1.101.3.4.3.2": { name: "dsa_with_SHA256", hash: "sha256" },
  "1.3.101.112": { name: "ED25519", hash: null },
  "1.3.101.113": { name: "ED448", hash: null },
};

const HASH_OIDS: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

interface SanLists {
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

/** Parses a PKCS#10 request and checks its self-signature. Throws ERR_CSR_INVALID. */
export function parseCsr(der: Uint8Array): CsrInfo {
  if (der.length > MAX_CSR_BYTES) fail(`CSR is larger than ${MAX_CSR_BYTES} bytes`);
  const root = readWhole(der);
  const top = root?.tag === TAG.SEQUENCE ? readChildren(der, root, 4) : undefined;
  if (top === undefined || top.length !== 3) fail("not a PKCS#10 CertificationRequest");
  const [cri, sigAlg, sigValue] = top as [Tlv, Tlv, Tlv];
  const criKids = cri.tag === TAG.SEQUENCE ? readChildren(der, cri, 8) : undefined;
  if (criKids === undefined || criKids.length < 3 || readSmallInteger(der, criKids[0]!) !== 0) fail("CertificationRequestInfo is malformed");
  const subject = formatSubject(bytesOf(der, criKids[1]!));
  const publicKey = decodeSpki(bytesOf(der, criKids[2]!));
  const attrs = criKids[3];
  const sans = attrs !== undefined && attrs.tag === 0xa0 ? readSans(der, attrs) : emptySans();
  const algKids = sigAlg.tag === TAG.SEQUENCE ? readChildren(der, sigAlg, 2) : undefined;
  const sigOid = algKids?.[0] === undefined ? undefined : readOid(der, algKids[0]);
  if (sigOid === undefined || sigValue.tag !== TAG.BIT_STRING || sigValue.end - sigValue.contentStart < 2) fail("CSR signature is malformed");
  const { keyType, keySize, spkiFingerprint } = describeKeyObject(publicKey);
  return {
    subject,
    ...sans,
    keyType,
    keySize,
    spkiFingerprint,
    signatureAlgorithm: SIGNATURE_ALGORITHMS[sigOid]?.name ?? sigOid,
    signatureValid: checkSignature(bytesOf(der, cri), sigOid, algKids?.[1] === undefined ? undefined : { der, tlv: algKids[1] }, contentOf(der, sigValue).subarray(1), publicKey),
  };
}

function formatSubject(name: Uint8Array): string {
  try {
    return formatDistinguishedName(name);
  } catch (err) {
    fail("CSR subject is malformed", err);
  }
}

function decodeSpki(spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (err) {
    fail("CSR public key is not a supported SubjectPublicKeyInfo", err);
  }
}

function checkSignature(tbs: Uint8Array, oid: string, params: { der: Uint8Array; tlv: Tlv } | undefined, signature: Uint8Array, key: KeyObject): boolean {
  const alg = SIGNATURE_ALGORITHMS[oid];
  if (alg === undefined) return false;
  try {
    if (oid === OID_RSASSA_PSS) {
      const pss = readPssParams(params);
      return verify(pss.hash, tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength }, signature);
    }
    return verify(alg.hash, tbs, key, signature);
  } catch {
    return false;
  }
}

/** RSASSA-PSS-params: [0] hash, [1] mask generation, [2] salt length; defaults are SHA-1 and 20. */
function readPssParams(params: { der: Uint8Array; tlv: Tlv } | undefined): { hash: string; saltLength: number } {
  const out = { hash: "sha1", saltLength: 20 };
  if (params === undefined || params.tlv.tag !== TAG.SEQUENCE) return out;
  const { der, tlv } = params;
  for (const field of readChildren(der, tlv, 4) ?? []) {
    const inner = readTlv(der, field.contentStart, field.end);
    if (inner === undefined) continue;
    if (field.tag === 0xa0 && inner.tag === TAG.SEQUENCE) {
      const oidTlv = readChildren(der, inner, 2)?.[0];
      const hash = oidTlv === undefined ? undefined : HASH_OIDS[readOid(der, oidTlv) ?? ""];
      if (hash !== undefined) out.hash = hash;
    } else if (field.tag === 0xa2) {
      out.saltLength = readSmallInteger(der, inner) ?? out.saltLength;
    }
  }
  return out;
}

function readSans(der: Uint8Array, attrs: Tlv): SanLists {
  const out = emptySans();
  for (const attr of readChildren(der, attrs, 64) ?? []) {
    const kids = attr.tag === TAG.SEQUENCE ? readChildren(der, attr, 2) : undefined;
    if (kids?.length !== 2 || readOid(der, kids[0]!) !== OID_EXTENSION_REQUEST) continue;
    for (const extensions of readChildren(der, kids[1]!, 4) ?? []) {
      for (const ext of (extensions.tag === TAG.SEQUENCE ? readChildren(der, extensions, 256) : undefined) ?? []) {
        const parts = ext.tag === TAG.SEQUENCE ? readChildren(der, ext, 3) : undefined;
        if (parts === undefined || parts.length < 2 || readOid(der, parts[0]!) !== OID_SUBJECT_ALT_NAME) continue;
        const value = parts[parts.length - 1]!;
        if (value.tag !== TAG.OCTET_STRING) fail("subjectAltName extension is malformed");
        const names = readTlv(der, value.contentStart, value.end);
        if (names === undefined || names.tag !== TAG.SEQUENCE) fail("subjectAltName extension is malformed");
        addGeneralNames(der, names, out);
      }
    }
  }
  return out;
}

function addGeneralNames(der: Uint8Array, names: Tlv, out: SanLists): void {
  for (const name of readChildren(der, names, 4096) ?? fail("subjectAltName extension is malformed")) {
    const value = Buffer.from(contentOf(der, name));
    if (name.tag === 0x82) out.dnsNames.push(value.toString("latin1"));
    else if (name.tag === 0x81) out.emailAddresses.push(value.toString("latin1"));
    else if (name.tag === 0x86) out.uris.push(value.toString("latin1"));
    else if (name.tag === 0x87) out.ipAddresses.push(formatIp(value));
  }
}

/** IPv4 dotted, IPv6 compressed lowercase; other lengths as hex. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
  }
  return Buffer.from(bytes).toString("hex");
}

function emptySans(): SanLists {
  return { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
}

function fail(message: string, cause?: unknown): never {
  throw new CertdoctorError(ErrorCode.ERR_CSR_INVALID, message, cause === undefined ? {} : { cause });
}
