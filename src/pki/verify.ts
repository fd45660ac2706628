import { constants, createPublicKey, verify, type KeyObject } from "node:crypto";
import type { CertMaterial } from "../model/cert.js";
import { readSmallUint, readTlv, Tag } from "./der.js";
import { decodeOid, digestNames, OID_MGF1, OID_RSA_PSS } from "./oids.js";

type Family = "rsa" | "ec" | "dsa" | "ed25519" | "ed448";

interface Scheme {
  family: Family;
  /** Digest name for crypto.verify; null for EdDSA, which hashes internally. */
  digest: string | null;
}

/** Signature OIDs crypto.verify can check, with the key family they need. MD2 and unknown OIDs are not here: they verify as false. */
const schemes: Readonly<Record<string, Scheme>> = {
  "1.2.840.113549.1.1.4": { family: "rsa", digest: "md5" },
  "1.2.840.113549.1.1.5": { family: "rsa", digest: "sha1" },
  "1.3.14.3.2.29": { family: "rsa", digest: "sha1" },
  "1.2.840.113549.1.1.14": { family: "rsa", digest: "sha224" },
  "1.2.840.113549.1.1.11": { family: "rsa", digest: "sha256" },
  "1.2.840.113549.1.1.12": { family: "rsa", digest: "sha384" },
  "1.2.840.113549.1.1.13": { family: "rsa", digest: "sha512" },
  "2.16.840.1.101.3.4.3.13": { family: "rsa", digest: "sha3-224" },
  "2.16.840.1.101.3.4.3.14": { family: "rsa", digest: "sha3-256" },
  "2.16.840.1.101.3.4.3.15": { family: "rsa", digest: "sha3-384" },
  "2.16.840.1.101.3.4.3.16": { family: "rsa", digest: "sha3-512" },
  "1.2.840.10045.4.1": { family: "ec", digest: "sha1" },
  "1.2.840.10045.4.3.1": { family: "ec", digest: "sha224" },
  "1.2.840.10045.4.3.2": { family: "ec", digest: "sha256" },
  "1.2.840.10045.4.3.3": { family: "ec", digest: "sha384" },
  "1.2.840.10045.4.3.4": { family: "ec", digest: "sha512" },
  "2.16.840.1.101.3.4.3.9": { family: "ec", digest: "sha3-224" },
  "2.16.840.1.101.3.4.3.10": { family: "ec", digest: "sha3-256" },
  "2.16.840.1.101.3.4.3.11": { family: "ec", digest: "sha3-384" },
  "2.16.840.1.101.3.4.3.12": { family: "ec", digest: "sha3-512" },
  "1.2.840.10040.4.3": { family: "dsa", digest: "sha1" },
  "2.16.840.1.101.3.4.3.1": { family: "dsa", digest: "sha224" },
  "2.16.840.1.101.3.4.3.2": { family: "dsa", digest: "sha256" },
  "1.3.101.112": { family: "ed25519", digest: null },
  "1.3.101.113": { family: "ed448", digest: null },
};

/** Building a KeyObject costs far more than a verification, and one CA signs many certificates. */
const MAX_CACHED_KEYS = 4096;
const keyCache = new Map<string, KeyObject | null>();

/** What checking a signature needs of the signed certificate (its own key is not needed). */
export type SignedData = Pick<CertMaterial, "tbs" | "signature" | "signatureOid" | "signatureParams">;

/**
 * Checks `child`'s signature with the public key in `issuerSpki` (SubjectPublicKeyInfo DER).
 * Never throws: an unsupported algorithm, a malformed key or signature, or a key of the wrong type is false.
 */
export function verifySignature(child: SignedData, issuerSpki: Uint8Array): boolean {
  try {
    const key = loadPublicKey(issuerSpki);
    if (key === null) return false;
    const keyType = key.asymmetricKeyType;
    if (child.signatureOid === OID_RSA_PSS) {
      if (keyType !== "rsa" && keyType !== "rsa-pss") return false;
      const pss = readPssParams(child.signatureParams);
      if (pss === undefined) return false;
      return verify(pss.digest, child.tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength }, child.signature);
    }
    const scheme = schemes[child.signatureOid];
    if (scheme === undefined || keyType !== scheme.family) return false;
    return verify(scheme.digest, child.tbs, key, child.signature);
  } catch {
    return false;
  }
}

function loadPublicKey(spki: Uint8Array): KeyObject | null {
  const buf = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength);
  const id = buf.toString("latin1");
  const cached = keyCache.get(id);
  if (cached !== undefined) return cached;
  let key: KeyObject | null;
  try {
    key = createPublicKey({ key: buf, format: "der", type: "spki" });
  } catch {
    key = null;
  }
  if (keyCache.size >= MAX_CACHED_KEYS) {
    const oldest = keyCache.keys().next();
    if (!oldest.done) keyCache.delete(oldest.value);
  }
  keyCache.set(id, key);
  return key;
}

/** Number of issuer keys currently cached (for tests and metrics). */
export function countCachedKeys(): number {
  return keyCache.size;
}

interface PssParams {
  digest: string;
  saltLength: number;
}

/**
 * RSASSA-PSS-params (RFC 4055): [0] hash DEFAULT sha1, [1] MGF1 with a hash DEFAULT sha1, [2] salt length
 * DEFAULT 20, [3] trailer DEFAULT 1. Node ties the MGF1 hash to the message hash, so a different MGF1
 * hash is unsupported (undefined).
 */
function readPssParams(params: Uint8Array | undefined): PssParams | undefined {
  let digest = "sha1";
  let mgfDigest = "sha1";
  let saltLength = 20;
  if (params !== undefined) {
    const seq = readTlv(params, 0, params.length);
    if (seq.tag !== Tag.SEQUENCE || seq.end !== params.length) return undefined;
    let pos = seq.contentStart;
    while (pos < seq.end) {
      const field = readTlv(params, pos, seq.end);
      const inner = readTlv(params, field.contentStart, field.end);
      if (field.tag === 0xa0) {
        const d = readDigestAlgorithm(params, inner.contentStart, inner.end);
        if (d === undefined) return undefined;
        digest = d;
      } else if (field.tag === 0xa1) {
        const oid = readTlv(params, inner.contentStart, inner.end);
        if (oid.tag !== Tag.OID || decodeOid(params, oid.contentStart, oid.end) !== OID_MGF1) return undefined;
        const hashAlg = readTlv(params, oid.end, inner.end);
        const d = readDigestAlgorithm(params, hashAlg.contentStart, hashAlg.end);
        if (d === undefined) return undefined;
        mgfDigest = d;
      } else if (field.tag === 0xa2) {
        if (inner.tag !== Tag.INTEGER) return undefined;
        saltLength = readSmallUint(params, inner);
      } else if (field.tag === 0xa3) {
        if (inner.tag !== Tag.INTEGER || readSmallUint(params, inner) !== 1) return undefined;
      } else {
        return undefined;
      }
      pos = field.end;
    }
  }
  return mgfDigest === digest ? { digest, saltLength } : undefined;
}

function readDigestAlgorithm(buf: Uint8Array, start: number, end: number): string | undefined {
  const oid = readTlv(buf, start, end);
  if (oid.tag !== Tag.OID) return undefined;
  return digestNames[decodeOid(buf, oid.contentStart, oid.end)];
}
