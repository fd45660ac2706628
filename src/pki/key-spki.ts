import type { KeyType } from "../model/cert.js";
import { TAG, bytesOf, readChildren, readOid, readSmallInteger, readWhole, type Tlv } from "./der-tlv.js";
import { assertEcConsistent, assertRsaConsistent } from "./key-consistency.js";
import { OID_EC, OID_RSA } from "./oids.js";

/** Named curves an ECPrivateKey may carry, with their OID's DER and size in bits. */
const CURVES: Record<string, { bits: number; oidDer: Uint8Array; ecdh: string }> = {
  "1.2.840.10045.3.1.7": { bits: 256, oidDer: Uint8Array.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]), ecdh: "prime256v1" },
  "1.3.132.0.34": { bits: 384, oidDer: Uint8Array.from([0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]), ecdh: "secp384r1" },
  "1.3.132.0.35": { bits: 521, oidDer: Uint8Array.from([0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]), ecdh: "secp521r1" },
};
const RSA_ALGORITHM = Uint8Array.from([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);
const EC_PUBLIC_KEY_OID = Uint8Array.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);

export interface DerivedPublicKey {
  keyType: KeyType;
  keySize: number;
  /** SubjectPublicKeyInfo DER, as the matching certificate carries it. */
  spki: Uint8Array;
}

/**
 * The public key of an RSA or EC private key, read from the structure itself (RSA keys hold n and e,
 * EC keys normally hold their public point), without OpenSSL decoding the key: about 50x cheaper, which
 * matters when thousands of Secrets carry tls.key. Undefined for anything else or anything unexpected,
 * so the caller falls back to node:crypto. Throws ERR_KEY_INVALID when the private part does not belong
 * to the public part (key-consistency.ts).
 */
export function derivePublicKey(der: Uint8Array, label: string | undefined): DerivedPublicKey | undefined {
  const root = readWhole(der);
  if (root === undefined || root.tag !== TAG.SEQUENCE) return undefined;
  const kids = readChildren(der, root, 16);
  if (kids === undefined || kids.length < 3) return undefined;
  if (label === "RSA PRIVATE KEY" || (label === undefined && kids.length >= 9 && kids.every((k) => k.tag === TAG.INTEGER))) {
    return fromRsaPrivateKey(der, kids);
  }
  if (label === "EC PRIVATE KEY" || (label === undefined && kids[1]!.tag === TAG.OCTET_STRING)) {
    return fromEcPrivateKey(der, kids, undefined);
  }
  if (label === "PRIVATE KEY" || label === undefined) return fromPkcs8(der, kids);
  return undefined;
}

/** PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING privateKey, ... }. */
function fromPkcs8(der: Uint8Array, kids: Tlv[]): DerivedPublicKey | undefined {
  const [version, algorithm, privateKey] = kids;
  if (version!.tag !== TAG.INTEGER || algorithm!.tag !== TAG.SEQUENCE || privateKey!.tag !== TAG.OCTET_STRING) return undefined;
  const alg = readChildren(der, algorithm!, 2);
  if (alg === undefined || alg.length === 0 || alg[0]!.tag !== TAG.OID) return undefined;
  const oid = readOid(der, alg[0]!);
  const inner = der.subarray(privateKey!.contentStart, privateKey!.end);
  const innerRoot = readWhole(inner);
  if (innerRoot === undefined || innerRoot.tag !== TAG.SEQUENCE) return undefined;
  const innerKids = readChildren(inner, innerRoot, 16);
  if (innerKids === undefined) return undefined;
  if (oid === OID_RSA) return fromRsaPrivateKey(inner, innerKids);
  if (oid === OID_EC && alg[1]?.tag === TAG.OID) return fromEcPrivateKey(inner, innerKids, readOid(der, alg[1]));
  return undefined;
}

/** RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dp, dq, qinv }. */
function fromRsaPrivateKey(der: Uint8Array, kids: Tlv[]): DerivedPublicKey | undefined {
  if (kids.length < 9 || !kids.slice(0, 9).every((k) => k.tag === TAG.INTEGER)) return undefined;
  if (readSmallInteger(der, kids[0]!) !== 0) return undefined;
  const n = bytesOf(der, kids[1]!);
  const e = bytesOf(der, kids[2]!);
  const bits = integerBits(der, kids[1]!);
  if (bits < 256) return undefined;
  const [nn, ee, d, p, q, dp, dq, qi] = kids.slice(1, 9).map((k) => bigIntOf(der, k));
  assertRsaConsistent({ n: nn!, e: ee!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qi: qi! });
  const rsaPublicKey = sequence(n, e);
  return { keyType: "RSA", keySize: bits, spki: sequence(RSA_ALGORITHM, bitString(rsaPublicKey)) };
}

/** ECPrivateKey ::= SEQUENCE { version 1, OCTET STRING privateKey, [0] curve OID OPTIONAL, [1] BIT STRING publicKey OPTIONAL }. */
function fromEcPrivateKey(der: Uint8Array, kids: Tlv[], outerCurve: string | undefined): DerivedPublicKey | undefined {
  if (kids[0]!.tag !== TAG.INTEGER || readSmallInteger(der, kids[0]!) !== 1 || kids[1]!.tag !== TAG.OCTET_STRING) return undefined;
  let curveOid = outerCurve;
  let publicKey: Tlv | undefined;
  for (const kid of kids.slice(2)) {
    const inner = readChildren(der, kid, 1);
    if (kid.tag === 0xa0 && inner?.[0]?.tag === TAG.OID) curveOid ??= readOid(der, inner[0]);
    if (kid.tag === 0xa1 && inner?.[0]?.tag === TAG.BIT_STRING) publicKey = inner[0];
  }
  const curve = curveOid === undefined ? undefined : CURVES[curveOid];
  if (curve === undefined || publicKey === undefined) return undefined;
  const privateBytes = kids[1]!.end - kids[1]!.contentStart;
  if (privateBytes !== Math.ceil(curve.bits / 8)) return undefined;
  // Uncompressed point only: 0x00 unused bits, 0x04, X, Y — the form certificates carry.
  const point = der.subarray(publicKey.contentStart, publicKey.end);
  if (point.length !== 2 + 2 * Math.ceil(curve.bits / 8) || point[0] !== 0 || point[1] !== 4) return undefined;
  assertEcConsistent(curve.ecdh, der.subarray(kids[1]!.contentStart, kids[1]!.end), point.subarray(1));
  return { keyType: "EC", keySize: curve.bits, spki: sequence(sequence(EC_PUBLIC_KEY_OID, curve.oidDer), bytesOf(der, publicKey)) };
}

/** INTEGER content as a BigInt (RSA numbers are non-negative). */
function bigIntOf(der: Uint8Array, tlv: Tlv): bigint {
  const content = der.subarray(tlv.contentStart, tlv.end);
  return content.length === 0 ? 0n : BigInt(`0x${Buffer.from(content).toString("hex")}`);
}

function integerBits(der: Uint8Array, tlv: Tlv): number {
  let start = tlv.contentStart;
  while (start < tlv.end - 1 && der[start] === 0) start++;
  const first = der[start] ?? 0;
  return (tlv.end - start - 1) * 8 + (first === 0 ? 0 : 32 - Math.clz32(first));
}

function header(tag: number, length: number): number[] {
  if (length < 0x80) return [tag, length];
  const bytes: number[] = [];
  for (let l = length; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return [tag, 0x80 | bytes.length, ...bytes];
}

function concat(tag: number, parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const head = header(tag, length);
  const out = new Uint8Array(head.length + length);
  out.set(head, 0);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sequence(...parts: Uint8Array[]): Uint8Array {
  return concat(TAG.SEQUENCE, parts);
}

function bitString(content: Uint8Array): Uint8Array {
  return concat(TAG.BIT_STRING, [Uint8Array.of(0), content]);
}
