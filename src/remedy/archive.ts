/**
 * The encrypted container of `certdoctor backup`: authenticated encryption from node:crypto only.
 *
 *   "CDBK" 0x01 0x00 | u32 BE header length | header JSON | ciphertext | 16-byte GCM tag
 *
 * The header (plaintext, bound to the ciphertext as additional authenticated data) records the cipher
 * (AES-256-GCM), the 96-bit IV and the key derivation: scrypt over a passphrase with its salt and cost
 * parameters, or a raw 32-byte key. Nothing else is in the clear: the manifest (paths, fingerprints)
 * and every file, private keys included, are inside the ciphertext. A wrong key and a changed byte
 * anywhere both fail the tag check before any plaintext is used.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { CertdoctorError, ErrorCode } from "../errors.js";

const MAGIC = Buffer.from([0x43, 0x44, 0x42, 0x4b, 0x01, 0x00]); // "CDBK" v1
const TAG_BYTES = 16;
const IV_BYTES = 12;
const KEY_BYTES = 32;
const MAX_HEADER_BYTES = 4096;
/** Bounds on scrypt parameters read from an archive, so a crafted header cannot make restore spin or eat memory. */
const MAX_SCRYPT_N = 1 << 20;
const MAX_SCRYPT_R = 16;
const MAX_SCRYPT_P = 4;
/** Default cost: 2^15 × 8 × 128 B = 32 MiB and about 0.1 s, the scrypt paper's interactive setting. */
export const DEFAULT_SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;

export type BackupKey = { kind: "passphrase"; passphrase: Buffer } | { kind: "raw"; key: Buffer };

interface Header {
  format: "certdoctor-backup";
  version: 1;
  cipher: "aes-256-gcm";
  iv: string;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string } | { name: "raw" };
}

/** Encrypts `payload` under `key`; every call draws a fresh IV (and salt). */
export function sealArchive(payload: Buffer, key: BackupKey, scrypt: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Buffer {
  const iv = randomBytes(IV_BYTES);
  const header: Header =
    key.kind === "raw"
      ? { format: "certdoctor-backup", version: 1, cipher: "aes-256-gcm", iv: iv.toString("base64"), kdf: { name: "raw" } }
      : { format: "certdoctor-backup", version: 1, cipher: "aes-256-gcm", iv: iv.toString("base64"), kdf: { name: "scrypt", ...scrypt, salt: randomBytes(16).toString("base64") } };
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = Buffer.concat([MAGIC, u32(headerBytes.length), headerBytes]);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(key, header), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(prefix);
  const body = Buffer.concat([cipher.update(payload), cipher.final()]);
  return Buffer.concat([prefix, body, cipher.getAuthTag()]);
}

/** Decrypts an archive; throws ERR_BACKUP_INVALID (not an archive, truncated) or ERR_BACKUP_AUTH (wrong key or changed). */
export function openArchive(archive: Buffer, key: BackupKey): Buffer {
  if (archive.length < MAGIC.length + 4 || !archive.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CertdoctorError(ErrorCode.ERR_BACKUP_INVALID, "not a certdoctor backup archive (bad magic bytes)");
  }
  const headerLength = archive.readUInt32BE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerLength > MAX_HEADER_BYTES || headerEnd + TAG_BYTES > archive.length) {
    throw new CertdoctorError(ErrorCode.ERR_BACKUP_INVALID, "the archive is truncated or its header is malformed");
  }
  const header = parseHeader(archive.subarray(MAGIC.length + 4, headerEnd));
  if (header.kdf.name === "raw" && key.kind !== "raw") throw new CertdoctorError(ErrorCode.ERR_BACKUP_KEY, "this archive was made with --key-file; give the same key file");
  if (header.kdf.name === "scrypt" && key.kind !== "passphrase") throw new CertdoctorError(ErrorCode.ERR_BACKUP_KEY, "this archive was made with a passphrase; give --passphrase-file");
  const decipher = createDecipheriv("aes-256-gcm", deriveKey(key, header), Buffer.from(header.iv, "base64"), { authTagLength: TAG_BYTES });
  decipher.setAAD(archive.subarray(0, headerEnd));
  decipher.setAuthTag(archive.subarray(archive.length - TAG_BYTES));
  const body = decipher.update(archive.subarray(headerEnd, archive.length - TAG_BYTES));
  try {
    return Buffer.concat([body, decipher.final()]);
  } catch {
    body.fill(0);
    throw new CertdoctorError(ErrorCode.ERR_BACKUP_AUTH, "the archive does not authenticate: wrong key or passphrase, or the archive was changed or truncated; nothing was written");
  }
}

function parseHeader(bytes: Buffer): Header {
  let h: unknown;
  try {
    h = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new CertdoctorError(ErrorCode.ERR_BACKUP_INVALID, "the archive header is not valid JSON");
  }
  const bad = (what: string) => new CertdoctorError(ErrorCode.ERR_BACKUP_INVALID, `the archive header is malformed: ${what}`);
  if (typeof h !== "object" || h === null) throw bad("not an object");
  const x = h as Record<string, unknown>;
  if (x.format !== "certdoctor-backup" || x.version !== 1) throw bad("unknown format or version");
  if (x.cipher !== "aes-256-gcm") throw bad(`unsupported cipher`);
  if (typeof x.iv !== "string" || Buffer.from(x.iv, "base64").length !== IV_BYTES) throw bad("bad IV");
  const kdf = x.kdf as Record<string, unknown> | undefined;
  if (kdf?.name === "raw") return h as Header;
  if (kdf?.name !== "scrypt") throw bad("unknown key derivation");
  const { N, r, p, salt } = kdf;
  const isInt = (v: unknown, max: number): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max;
  if (!isInt(N, MAX_SCRYPT_N) || (N & (N - 1)) !== 0 || N < 2 || !isInt(r, MAX_SCRYPT_R) || !isInt(p, MAX_SCRYPT_P)) throw bad("scrypt parameters out of bounds");
  if (typeof salt !== "string" || Buffer.from(salt, "base64").length < 16) throw bad("bad salt");
  return h as Header;
}

function deriveKey(key: BackupKey, header: Header): Buffer {
  if (key.kind === "raw") return key.key;
  if (header.kdf.name !== "scrypt") throw new CertdoctorError(ErrorCode.ERR_BACKUP_KEY, "a passphrase needs an scrypt archive");
  const { N, r, p, salt } = header.kdf;
  return scryptSync(key.passphrase, Buffer.from(salt, "base64"), KEY_BYTES, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A raw key file: 32 bytes, or 64 hex digits, or base64 of 32 bytes (a trailing newline is fine). */
export function parseRawKey(bytes: Buffer): Buffer | undefined {
  if (bytes.length === KEY_BYTES) return Buffer.from(bytes);
  const text = bytes.toString("latin1").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    const b = Buffer.from(text, "base64");
    if (b.length === KEY_BYTES) return b;
  }
  return undefined;
}
