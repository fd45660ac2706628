/**
 * Hand-assembled PKCS#12 bundles for hostile-input tests: openssl makes the certificates and the encrypted
 * keys, this wraps them in shapes openssl never writes (hundreds of bags in one safe, a shrouded key
 * inside an encrypted safe). Encrypted safes use PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) via node:crypto.
 */
import { createCipheriv, pbkdf2Sync, randomBytes } from "node:crypto";

export function der(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}
export const seq = (...c: Uint8Array[]) => der(0x30, ...c);
export const octets = (b: Uint8Array) => der(0x04, b);
export const explicit0 = (...c: Uint8Array[]) => der(0xa0, ...c);
export function int(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; ; v = Math.floor(v / 256)) {
    bytes.unshift(v % 256);
    if (v < 256) break;
  }
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return der(0x02, Buffer.from(bytes));
}
export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [a! * 40 + b!];
  for (const v of rest) {
    const groups = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) groups.unshift((x & 0x7f) | 0x80);
    out.push(...groups);
  }
  return der(0x06, Buffer.from(out));
}

const DATA = "1.2.840.113549.1.7.1";
const ENCRYPTED_DATA = "1.2.840.113549.1.7.6";
const CERT_BAG = "1.2.840.113549.1.12.10.1.3";
const SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2";
const X509_CERT = "1.2.840.113549.1.9.22.1";

export const certBag = (certDer: Uint8Array) => seq(oid(CERT_BAG), explicit0(seq(oid(X509_CERT), explicit0(octets(certDer)))));
/** `encryptedKeyDer`: an EncryptedPrivateKeyInfo (openssl pkcs8 -topk8 -outform DER). */
export const shroudedKeyBag = (encryptedKeyDer: Uint8Array) => seq(oid(SHROUDED_KEY_BAG), explicit0(encryptedKeyDer));

/** ContentInfo { data, SafeContents in the clear }. */
export const clearSafe = (bags: Uint8Array[]) => seq(oid(DATA), explicit0(octets(seq(...bags))));

/** ContentInfo { encryptedData, SafeContents under PBES2 with `password` and `iterations` }. */
export function encryptedSafe(bags: Uint8Array[], password: string, iterations: number): Buffer {
  const salt = randomBytes(8);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const ciphertext = Buffer.concat([cipher.update(seq(...bags)), cipher.final()]);
  const algId = seq(
    oid("1.2.840.113549.1.5.13"),
    seq(seq(oid("1.2.840.113549.1.5.12"), seq(octets(salt), int(iterations), seq(oid("1.2.840.113549.2.9"), der(0x05)))), seq(oid("2.16.840.1.101.3.4.1.42"), octets(iv))),
  );
  return seq(oid(ENCRYPTED_DATA), explicit0(seq(int(0), seq(oid(DATA), algId, der(0x80, ciphertext)))));
}

/** PFX { 3, authSafe } without a MAC (forge and OpenSSL accept that). */
export const pfx = (safes: Uint8Array[]) => seq(int(3), seq(oid(DATA), explicit0(octets(seq(...safes)))));
