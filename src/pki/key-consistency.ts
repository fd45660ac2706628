/**
 * Does a private key's private part belong to its public part? A key file whose private numbers are
 * corrupted still yields a perfect public key (RSA keys carry n and e, EC keys their public point), so
 * without this check it would be fingerprinted and paired with its certificate as if it were usable,
 * while every TLS handshake with it fails. RSA: the CRT relations, in BigInt (microseconds, no private
 * operation); EC: the public point recomputed from the private scalar (node:crypto ECDH).
 */
import { createECDH, type KeyObject } from "node:crypto";
import { CertdoctorError, ErrorCode } from "../errors.js";

export interface RsaNumbers {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qi: bigint;
}

/** Throws ERR_KEY_INVALID naming the relation that fails (never a number). */
export function assertRsaConsistent(k: RsaNumbers): void {
  if (k.p <= 1n || k.q <= 1n || k.p * k.q !== k.n) corrupt("RSA primes do not multiply to the modulus");
  if ((k.d * k.e) % (k.p - 1n) !== 1n || (k.d * k.e) % (k.q - 1n) !== 1n) corrupt("RSA private exponent does not invert the public exponent");
  if (k.dp !== k.d % (k.p - 1n) || k.dq !== k.d % (k.q - 1n) || (k.qi * k.q) % k.p !== 1n) corrupt("RSA CRT values do not match the private exponent and primes");
}

/** `curve` as createECDH names it (prime256v1, secp384r1, ...); `point` uncompressed (0x04 || X || Y). */
export function assertEcConsistent(curve: string, privateScalar: Uint8Array, point: Uint8Array): void {
  let derived: Buffer;
  try {
    const ecdh = createECDH(curve);
    ecdh.setPrivateKey(privateScalar);
    derived = ecdh.getPublicKey();
  } catch {
    corrupt("EC private scalar is not valid on its curve");
  }
  if (!derived.equals(point)) corrupt("EC public point is not the private scalar's");
}

const JWK_CURVES: Record<string, string> = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1", secp256k1: "secp256k1" };

/** The same checks on a key OpenSSL decoded (the fallback path and PKCS#12 bags). Other key types pass. */
export function assertKeyObjectConsistent(key: KeyObject): void {
  if (key.type !== "private") return;
  const type = key.asymmetricKeyType;
  if (type !== "rsa" && type !== "rsa-pss" && type !== "ec") return;
  const jwk = key.export({ format: "jwk" });
  const big = (v: string | undefined) => (v === undefined ? 0n : BigInt(`0x${Buffer.from(v, "base64url").toString("hex") || "0"}`));
  if (type === "ec") {
    const curve = JWK_CURVES[jwk.crv ?? ""];
    if (curve === undefined || jwk.d === undefined || jwk.x === undefined || jwk.y === undefined) return;
    assertEcConsistent(curve, Buffer.from(jwk.d, "base64url"), Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]));
    return;
  }
  assertRsaConsistent({ n: big(jwk.n), e: big(jwk.e), d: big(jwk.d), p: big(jwk.p), q: big(jwk.q), dp: big(jwk.dp), dq: big(jwk.dq), qi: big(jwk.qi) });
}

function corrupt(why: string): never {
  throw new CertdoctorError(ErrorCode.ERR_KEY_INVALID, `private key is corrupt: ${why}`);
}
