/**
 * The key-derivation cost of a password-based encryption AlgorithmIdentifier (PBES2 with PBKDF2, the
 * PKCS#12 PBE schemes, PBES1), read exactly by its schema: how many derivations and how many iterations
 * each. Lets PKCS#12 bundles and encrypted PKCS#8 keys be priced before any password is tried.
 */
import { TAG, readOid, readSmallInteger, readTlv, type Tlv } from "./der-tlv.js";

const OID_PBES2 = "1.2.840.113549.1.5.13";
const OID_PBKDF2 = "1.2.840.113549.1.5.12";
const OID_SCRYPT = "1.3.6.1.4.1.11591.4.11";
/** pbeWithSHAAnd128BitRC4 .. pbewithSHAAnd40BitRC2-CBC: the PKCS#12 KDF run once for the key and once for the IV. */
const PKCS12_PBE_PREFIX = "1.2.840.113549.1.12.1.";
const OID_PKCS12_3DES = "1.2.840.113549.1.12.1.3";
/** pbeWithMD2AndDES-CBC .. pbeWithSHA1AndRC2-CBC (PKCS#5 v1.5). */
const PBES1 = new Set(["1.2.840.113549.1.5.1", "1.2.840.113549.1.5.4", "1.2.840.113549.1.5.3", "1.2.840.113549.1.5.6", "1.2.840.113549.1.5.10", "1.2.840.113549.1.5.11"]);

export interface KdfCost {
  /** Iteration count of each run of the hash chain one password attempt needs (Infinity when the count cannot be read). */
  derivations: number[];
}

/** Cost of one password attempt on data encrypted under `algId`; undefined when it is not a password-based scheme. */
export function pbeCostOf(bytes: Uint8Array, algId: Tlv): KdfCost | undefined {
  const parts = algId.tag === TAG.SEQUENCE ? firstChildren(bytes, algId, 2) : undefined;
  const oid = parts?.[0] === undefined ? undefined : readOid(bytes, parts[0]);
  if (oid === undefined) return undefined;
  const params = parts![1];
  if (oid === OID_PBES2) return { derivations: [pbes2Iterations(bytes, params)] };
  if (oid.startsWith(PKCS12_PBE_PREFIX)) {
    // The key, then the IV; a 3-key triple-DES key is two SHA-1 blocks, each a full run of the count.
    const count = saltAndCount(bytes, params);
    return { derivations: oid === OID_PKCS12_3DES ? [count, count, count] : [count, count] };
  }
  if (PBES1.has(oid)) return { derivations: [saltAndCount(bytes, params)] };
  return undefined;
}

/** PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }. */
function pbes2Iterations(bytes: Uint8Array, params: Tlv | undefined): number {
  const parts = params?.tag === TAG.SEQUENCE ? firstChildren(bytes, params, 2) : undefined;
  const kdf = parts?.[0]?.tag === TAG.SEQUENCE ? firstChildren(bytes, parts[0], 2) : undefined;
  const kdfOid = kdf?.[0] === undefined ? undefined : readOid(bytes, kdf[0]);
  const kdfParams = kdf?.[1]?.tag === TAG.SEQUENCE ? firstChildren(bytes, kdf[1], 4) : undefined;
  if (kdfParams === undefined) return Infinity;
  // PBKDF2-params ::= SEQUENCE { salt, iterationCount INTEGER, keyLength INTEGER OPTIONAL, prf OPTIONAL }
  if (kdfOid === OID_PBKDF2) return kdfParams[1] === undefined ? Infinity : (readSmallInteger(bytes, kdfParams[1]) ?? Infinity);
  // scrypt-params ::= SEQUENCE { salt, costParameter N, blockSize r, parallelizationParameter p, keyLength OPTIONAL }:
  // N*r*p block mixes; OpenSSL also refuses more than 32 MiB of memory.
  if (kdfOid === OID_SCRYPT) {
    const [n, r, p] = [kdfParams[1], kdfParams[2], kdfParams[3]].map((t) => (t === undefined ? undefined : readSmallInteger(bytes, t)));
    return n === undefined || r === undefined || p === undefined ? Infinity : n * r * p;
  }
  return Infinity;
}

/** pkcs-12PbeParams / PBEParameter ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }. */
function saltAndCount(bytes: Uint8Array, params: Tlv | undefined): number {
  const parts = params?.tag === TAG.SEQUENCE ? firstChildren(bytes, params, 2) : undefined;
  if (parts?.length !== 2 || parts[0]!.tag !== TAG.OCTET_STRING) return Infinity;
  return readSmallInteger(bytes, parts[1]!) ?? Infinity;
}

/** The first `n` children of a constructed TLV (fewer when it has fewer); what follows them is not read, as decoders ignore it. */
export function firstChildren(bytes: Uint8Array, parent: Tlv, n: number): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end && out.length < n) {
    const child = readTlv(bytes, pos, parent.end);
    if (child === undefined) break;
    out.push(child);
    pos = child.end;
  }
  return out;
}
