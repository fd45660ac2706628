import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { KeyInfo, KeyType } from "../model/cert.js";
import { assertKeyObjectConsistent } from "./key-consistency.js";
import { derivePublicKey } from "./key-spki.js";
import { encodePem } from "./pem.js";
import { TAG, bytesOf, readChildren, readSmallInteger, readWhole } from "./der-tlv.js";
import { spendKdf, type KdfBudget } from "./kdf-budget.js";
import { pbeCostOf } from "./pbe-params.js";

export interface PrivateKeyInput {
  der: Uint8Array;
  /** PEM label, e.g. "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY". */
  label?: string;
  /** The PEM block carried "Proc-Type: 4,ENCRYPTED" (legacy OpenSSL encryption). */
  encryptedHeader?: boolean;
}

/** Private keys are small; anything larger is not one (RSA-16384 PKCS#8 is about 9.4 kB). */
export const MAX_KEY_BYTES = 64 * 1024;
/** PBKDF2 iteration counts above this are refused so a crafted key cannot stall a worker. */
export const MAX_KDF_ITERATIONS = 1_000_000;

const LEGACY_LABEL_TYPES: Record<string, KeyType> = {
  "RSA PRIVATE KEY": "RSA",
  "EC PRIVATE KEY": "EC",
  "DSA PRIVATE KEY": "DSA",
};

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp224r1: 224,
  prime192v1: 192,
};

/**
 * Public facts about a private key. An encrypted key is reported as `encrypted: true`, never an error;
 * the passwords are tried to learn its public key, each attempt charged to the scan's `budget`. Throws
 * ERR_KEY_INVALID (message never holds key bytes), or ERR_KDF_BUDGET when the budget is spent.
 */
export function describePrivateKey(input: PrivateKeyInput, passwords: string[], budget?: KdfBudget): KeyInfo {
  const { der, label } = input;
  if (der.length === 0 || der.length > MAX_KEY_BYTES) {
    throw new CertdoctorError(ErrorCode.ERR_KEY_INVALID, `private key size ${der.length} is outside 1..${MAX_KEY_BYTES} bytes`);
  }
  if (input.encryptedHeader === true) {
    // The DEK-Info header (cipher and IV) is not kept by the PEM scanner, so legacy keys stay opaque.
    return { encrypted: true, keyType: LEGACY_LABEL_TYPES[label ?? ""] ?? "unknown", keySize: 0 };
  }
  if (label === "ENCRYPTED PRIVATE KEY" || (label === undefined && isEncryptedPrivateKeyInfo(der))) {
    return describeEncryptedPkcs8(der, passwords, budget);
  }
  const derived = derivePublicKey(der, label);
  if (derived !== undefined) {
    return { encrypted: false, keyType: derived.keyType, keySize: derived.keySize, spkiFingerprint: createHash("sha256").update(derived.spki).digest("hex") };
  }
  const key = decodePlainKey(der, label);
  if (key === undefined) {
    throw new CertdoctorError(ErrorCode.ERR_KEY_INVALID, `not a readable private key${label === undefined ? "" : ` (PEM label "${label}")`}`);
  }
  return { encrypted: false, ...describeKeyObject(key) };
}

/** Type, size and SPKI fingerprint of a private or public key object; ERR_KEY_INVALID for a corrupt private key. */
export function describeKeyObject(key: KeyObject): { keyType: KeyType; keySize: number; spkiFingerprint: string } {
  assertKeyObjectConsistent(key);
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const spki = pub.export({ type: "spki", format: "der" });
  const details = key.asymmetricKeyDetails ?? {};
  let keyType: KeyType = "unknown";
  let keySize = 0;
  switch (key.asymmetricKeyType) {
    case "rsa":
    case "rsa-pss":
      keyType = "RSA";
      keySize = details.modulusLength ?? 0;
      break;
    case "dsa":
      keyType = "DSA";
      keySize = details.modulusLength ?? 0;
      break;
    case "ec":
      keyType = "EC";
      keySize = CURVE_BITS[details.namedCurve ?? ""] ?? 0;
      break;
    case "ed25519":
      keyType = "Ed25519";
      keySize = 255;
      break;
    case "ed448":
      keyType = "Ed448";
      keySize = 448;
      break;
  }
  const sha256 = (der: Uint8Array) => createHash("sha256").update(der).digest("hex");
  const bare = keyType === "DSA" ? spkiWithoutParameters(spki) : undefined;
  return { keyType, keySize, spkiFingerprint: sha256(spki), ...(bare && { inheritedParametersSpkiFingerprint: sha256(bare) }) };
}

/** SubjectPublicKeyInfo { AlgorithmIdentifier { algorithm, parameters }, subjectPublicKey } re-encoded without the parameters. */
function spkiWithoutParameters(spki: Buffer): Buffer | undefined {
  const root = readWhole(spki);
  const [algorithm, publicKey] = root === undefined ? [] : (readChildren(spki, root, 2) ?? []);
  const oid = algorithm === undefined ? undefined : readChildren(spki, algorithm, 2)?.[0];
  if (oid === undefined || publicKey === undefined) return undefined;
  return derSequence(Buffer.concat([derSequence(Buffer.from(bytesOf(spki, oid))), Buffer.from(bytesOf(spki, publicKey))]));
}

function derSequence(content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([0x30, ...length]), content]);
}

function describeEncryptedPkcs8(der: Uint8Array, passwords: string[], budget: KdfBudget | undefined): KeyInfo {
  const root = readWhole(der);
  if (root === undefined || !isEncryptedPrivateKeyInfo(der)) {
    throw new CertdoctorError(ErrorCode.ERR_KEY_INVALID, "encrypted private key is not a valid EncryptedPrivateKeyInfo");
  }
  const opaque: KeyInfo = { encrypted: true, keyType: "unknown", keySize: 0 };
  const derivations = pbeCostOf(der, readChildren(der, root, 2)![0]!)?.derivations ?? [];
  if (derivations.some((n) => !(n <= MAX_KDF_ITERATIONS))) return opaque;
  const attempt = derivations.reduce((a, b) => a + b, 0);
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  for (const passphrase of uniquePasswords(passwords)) {
    if (budget !== undefined && !spendKdf(budget, attempt)) {
      throw new CertdoctorError(ErrorCode.ERR_KDF_BUDGET, "the scan's key-derivation budget is spent: encrypted key not opened");
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: buf, format: "der", type: "pkcs8", passphrase });
    } catch {
      continue; // wrong passphrase: try the next one
    }
    return { encrypted: true, ...describeKeyObject(key) };
  }
  return opaque;
}

function decodePlainKey(der: Uint8Array, label: string | undefined): KeyObject | undefined {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  if (label !== undefined && label !== "PRIVATE KEY") {
    // OpenSSL's decoders know every traditional label ("RSA PRIVATE KEY", "EC PRIVATE KEY", ...).
    return tryDecode(() => createPrivateKey(encodePem(label, buf)));
  }
  const types = label === "PRIVATE KEY" ? (["pkcs8"] as const) : (["pkcs8", "pkcs1", "sec1"] as const);
  for (const type of types) {
    const key = tryDecode(() => createPrivateKey({ key: buf, format: "der", type }));
    if (key !== undefined) return key;
  }
  return undefined;
}

function tryDecode(fn: () => KeyObject): KeyObject | undefined {
  try {
    const key = fn();
    return key.type === "private" ? key : undefined;
  } catch {
    return undefined;
  }
}

/** EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }. */
export function isEncryptedPrivateKeyInfo(der: Uint8Array): boolean {
  const root = readWhole(der);
  if (root === undefined || root.tag !== TAG.SEQUENCE) return false;
  const kids = readChildren(der, root, 4);
  return kids !== undefined && kids.length === 2 && kids[0]!.tag === TAG.SEQUENCE && kids[1]!.tag === TAG.OCTET_STRING;
}

/**
 * Shape of an unencrypted private key: PKCS#8 (version, AlgorithmIdentifier, OCTET STRING),
 * PKCS#1 RSA (version 0 and 8 more INTEGERs) or SEC1 (version 1, OCTET STRING).
 */
export function looksLikePrivateKey(der: Uint8Array): boolean {
  const root = readWhole(der);
  if (root === undefined || root.tag !== TAG.SEQUENCE) return false;
  const kids = readChildren(der, root, 16);
  if (kids === undefined || kids.length < 2 || kids[0]!.tag !== TAG.INTEGER) return false;
  const version = readSmallInteger(der, kids[0]!);
  if ((version === 0 || version === 1) && kids[1]!.tag === TAG.SEQUENCE && kids[2]?.tag === TAG.OCTET_STRING) return true;
  if (version === 0 && kids.length === 9 && kids.every((k) => k.tag === TAG.INTEGER)) return true;
  return version === 1 && kids[1]!.tag === TAG.OCTET_STRING;
}

function uniquePasswords(passwords: string[]): string[] {
  return [...new Set(["", ...passwords])];
}
