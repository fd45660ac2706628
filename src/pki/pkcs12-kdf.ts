/**
 * A meter on every key derivation node-forge runs while it decodes a PKCS#12 bundle. forge derives inside
 * its decoder with no hook of its own, and the bags of an encrypted safe appear only once that safe is
 * decrypted, so for the length of one synchronous decode forge's derivation functions are swapped for
 * versions that charge the meter first and refuse past the cap or a budget. The derivations themselves run
 * on node:crypto: PBKDF2 about 16x and the PKCS#12 KDF (SHA-256) about 3.5x faster than forge's JavaScript.
 */
import { createHash, pbkdf2Sync } from "node:crypto";
import forge from "node-forge";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { spendKdf, type KdfBudget } from "./kdf-budget.js";

type DeriveFn = (...args: unknown[]) => unknown;
interface ForgeKdfs {
  pkcs12: { generateKey: DeriveFn };
  pbe: { generatePkcs12Key: DeriveFn };
  pkcs5: { pbkdf2: DeriveFn };
}
const kdfs = forge as unknown as ForgeKdfs;
const NATIVE_DIGESTS = new Set(["sha1", "sha256", "sha384", "sha512"]);

export interface MeterBounds {
  /** Iterations one derivation may ask for. */
  perDerivation: number;
  /** Iterations all attempts on one bundle may spend together. */
  perBundle: number;
  /** The scan's shared budget, when there is one. */
  scan?: KdfBudget;
}

export class DerivationMeter {
  spent = 0;
  /** Why a derivation was refused; the decode is abandoned and this is what the caller reports. */
  refusal: CertdoctorError | undefined;

  constructor(private readonly bounds: MeterBounds) {}

  /**
   * Charges one derivation with iteration count `count` that runs `work` iterations in all (the PKCS#12 KDF
   * repeats the count for each digest-sized block of output); undefined when it may run, else the refusal
   * (also kept in `refusal`).
   */
  refuse(count: number, work = count): CertdoctorError | undefined {
    const { perDerivation, perBundle, scan } = this.bounds;
    if (!(count <= perDerivation)) {
      return (this.refusal ??= new CertdoctorError(ErrorCode.ERR_KDF_ITERATIONS, `a key derivation asks for ${Number.isFinite(count) ? count : "an unreadable number of"} iterations, more than ${perDerivation}`));
    }
    const iterations = work;
    if (!(this.spent + iterations <= perBundle)) {
      return (this.refusal ??= new CertdoctorError(ErrorCode.ERR_KDF_BUDGET, `opening it would take more than ${perBundle} key-derivation iterations (passwords tried so far: ${this.spent} spent)`));
    }
    if (scan !== undefined && !spendKdf(scan, iterations)) {
      return (this.refusal ??= new CertdoctorError(ErrorCode.ERR_KDF_BUDGET, "the scan's key-derivation budget is spent: not opened"));
    }
    this.spent += iterations;
    return undefined;
  }
}

/** Runs `decode` (synchronous) with every forge key derivation charged to `meter`; restores forge afterwards. */
export function withDerivationGate<T>(meter: DerivationMeter, decode: () => T): T {
  const saved = { p12: kdfs.pkcs12.generateKey, pbe: kdfs.pbe.generatePkcs12Key, pbkdf2: kdfs.pkcs5.pbkdf2 };
  // generatePkcs12Key(password, salt, id, iter, n, md) and pbkdf2(p, s, c, dkLen, md): the count is the fourth and third argument.
  const gatedPkcs12Kdf: DeriveFn = (...args) => {
    const count = Number(args[3]);
    const md = args[5] as ForgeMd | undefined;
    const refusal = meter.refuse(count, count * Math.ceil(Number(args[4]) / (md?.digestLength ?? 20)));
    if (refusal !== undefined) throw refusal;
    return nativePkcs12Kdf(args) ?? saved.pbe(...args);
  };
  kdfs.pkcs12.generateKey = gatedPkcs12Kdf;
  kdfs.pbe.generatePkcs12Key = gatedPkcs12Kdf;
  kdfs.pkcs5.pbkdf2 = (...args) => {
    const refusal = meter.refuse(Number(args[2]));
    if (refusal !== undefined) throw refusal;
    return nativePbkdf2(args) ?? saved.pbkdf2(...args);
  };
  try {
    return decode();
  } finally {
    kdfs.pkcs12.generateKey = saved.p12;
    kdfs.pbe.generatePkcs12Key = saved.pbe;
    kdfs.pkcs5.pbkdf2 = saved.pbkdf2;
  }
}

interface ForgeMd {
  algorithm?: string;
  digestLength?: number;
  blockLength?: number;
}

/** forge's pbkdf2(password, salt, count, dkLen, md) on node:crypto; undefined for a digest OpenSSL is not asked for. */
function nativePbkdf2(args: unknown[]): string | undefined {
  const [password, salt, count, dkLen, md] = args as [string, string | forge.util.ByteStringBuffer, number, number, ForgeMd | string | undefined];
  const digest = md === undefined || md === null ? "sha1" : typeof md === "string" ? md : md.algorithm;
  if (digest === undefined || !NATIVE_DIGESTS.has(digest) || typeof password !== "string") return undefined;
  const saltBytes = Buffer.from(typeof salt === "string" ? salt : salt.bytes(), "latin1");
  return pbkdf2Sync(Buffer.from(password, "utf8"), saltBytes, count, dkLen, digest).toString("latin1");
}

/**
 * forge's generatePkcs12Key(password, salt, id, iter, n, md) (RFC 7292 appendix B.2, the password as a
 * NUL-terminated BMPString) on node:crypto hashes; undefined for a digest it leaves to forge.
 */
export function nativePkcs12Kdf(args: unknown[]): forge.util.ByteStringBuffer | undefined {
  const [password, salt, id, iter, n, md] = args as [string | null | undefined, forge.util.ByteStringBuffer, number, number, number, ForgeMd | undefined];
  const digest = md?.algorithm ?? "sha1";
  if (!NATIVE_DIGESTS.has(digest) || !(iter >= 1)) return undefined;
  const u = md?.digestLength ?? 20;
  const v = md?.blockLength ?? 64;
  const pass = password === null || password === undefined ? Buffer.alloc(0) : Buffer.alloc(2 * password.length + 2);
  for (let i = 0; password && i < password.length; i++) pass.writeUInt16BE(password.charCodeAt(i), 2 * i);
  const saltBytes = Buffer.from(salt.bytes(), "latin1");
  const I = Buffer.concat([repeatTo(saltBytes, v * Math.ceil(saltBytes.length / v)), repeatTo(pass, v * Math.ceil(pass.length / v))]);
  const D = Buffer.alloc(v, id);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let a = createHash(digest).update(D).update(I).digest();
    for (let round = 1; round < iter; round++) a = createHash(digest).update(a).digest();
    blocks.push(a);
    const b = repeatTo(a, v);
    for (let j = 0; j < I.length; j += v) {
      // I_j = (I_j + B + 1) mod 2^(8v), big-endian
      let carry = 1;
      for (let l = v - 1; l >= 0; l--) {
        const x = I[j + l]! + b[l]! + carry;
        I[j + l] = x & 0xff;
        carry = x >> 8;
      }
    }
  }
  return forge.util.createBuffer(Buffer.concat(blocks).subarray(0, n).toString("latin1"));
}

function repeatTo(bytes: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = bytes[i % bytes.length]!;
  return out;
}
