/**
 * Every key derivation a PKCS#12 bundle asks for that can be seen before any password is tried: the MAC,
 * each encrypted SafeContents, and each shrouded key bag in the clear SafeContents (nested safeContentsBags
 * too). Read by the PFX schema over the whole structure, however wide; bags inside an encrypted safe only
 * show after it is decrypted, so the decoder's derivation gate (pkcs12-kdf.ts) checks those as they come.
 */
import { TAG, readOid, readSmallInteger, readTlv, type Tlv } from "./der-tlv.js";
import { firstChildren, pbeCostOf } from "./pbe-params.js";

const OID_DATA = "1.2.840.113549.1.7.1";
const OID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6";
const OID_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2";
const OID_SAFE_CONTENTS_BAG = "1.2.840.113549.1.12.10.1.6";
const CONTEXT_0 = 0xa0;
const CONSTRUCTED_OCTET_STRING = 0x24;

/** Iteration counts of the derivations seen (Infinity: a count that cannot be read); undefined when the structure is not a readable PFX. */
export function visibleDerivations(bytes: Uint8Array, root: Tlv): number[] | undefined {
  const [, authSafe, macData] = childrenOf(bytes, root) ?? [];
  if (authSafe === undefined) return undefined;
  const out: number[] = [];
  if (macData !== undefined) {
    // MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
    const mac = childrenOf(bytes, macData);
    if (mac === undefined || mac.length < 2) return undefined;
    out.push(mac[2] === undefined ? 1 : (readSmallInteger(bytes, mac[2]) ?? Infinity));
  }
  const authSafeContent = dataContent(bytes, authSafe);
  if (authSafeContent === undefined) return undefined;
  const safes = sequenceOf(authSafeContent);
  if (safes === undefined) return undefined;
  const clear: Uint8Array[] = [];
  for (const info of safes) {
    const [type, content] = firstChildren(authSafeContent, info, 2);
    const oid = type === undefined ? undefined : readOid(authSafeContent, type);
    if (oid === OID_DATA) {
      const safe = dataContent(authSafeContent, info);
      if (safe === undefined) return undefined;
      clear.push(safe);
    } else if (oid === OID_ENCRYPTED_DATA) {
      // [0] { EncryptedData ::= SEQUENCE { version, EncryptedContentInfo ::= SEQUENCE { contentType, AlgorithmIdentifier, [0] } } }
      const encryptedData = content?.tag === CONTEXT_0 ? firstChildren(authSafeContent, content, 1)[0] : undefined;
      const eci = encryptedData === undefined ? undefined : firstChildren(authSafeContent, encryptedData, 2)[1];
      const algId = eci === undefined ? undefined : firstChildren(authSafeContent, eci, 2)[1];
      if (algId === undefined) return undefined;
      out.push(...(pbeCostOf(authSafeContent, algId)?.derivations ?? []));
    } else {
      return undefined;
    }
  }
  while (clear.length > 0) {
    const safe = clear.pop()!;
    const bags = sequenceOf(safe);
    if (bags === undefined) return undefined;
    for (const bag of bags) {
      // SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT, bagAttributes SET OPTIONAL }
      const [id, value] = firstChildren(safe, bag, 2);
      const oid = id === undefined ? undefined : readOid(safe, id);
      const inner = value?.tag === CONTEXT_0 ? firstChildren(safe, value, 1)[0] : undefined;
      if (oid === OID_SHROUDED_KEY_BAG) {
        // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }
        const algId = inner === undefined ? undefined : firstChildren(safe, inner, 1)[0];
        if (algId === undefined) return undefined;
        out.push(...(pbeCostOf(safe, algId)?.derivations ?? []));
      } else if (oid === OID_SAFE_CONTENTS_BAG) {
        if (inner === undefined) return undefined;
        clear.push(safe.subarray(inner.start, inner.end));
      }
    }
  }
  return out;
}

/** All children of a constructed TLV, however many; undefined when one is malformed. */
function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  for (let pos = parent.contentStart; pos < parent.end; ) {
    const child = readTlv(bytes, pos, parent.end);
    if (child === undefined) return undefined;
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** The elements of a SEQUENCE that spans all of `bytes`. */
function sequenceOf(bytes: Uint8Array): Tlv[] | undefined {
  const seq = readTlv(bytes, 0);
  return seq?.tag === TAG.SEQUENCE && seq.end === bytes.length ? childrenOf(bytes, seq) : undefined;
}

/** ContentInfo { data, [0] OCTET STRING }: the octets, joined when BER splits them into a constructed OCTET STRING. */
function dataContent(bytes: Uint8Array, contentInfo: Tlv): Uint8Array | undefined {
  const [type, content] = firstChildren(bytes, contentInfo, 2);
  if (type === undefined || readOid(bytes, type) !== OID_DATA || content?.tag !== CONTEXT_0) return undefined;
  const octets = firstChildren(bytes, content, 1)[0];
  if (octets?.tag === TAG.OCTET_STRING) return bytes.subarray(octets.contentStart, octets.end);
  if (octets?.tag !== CONSTRUCTED_OCTET_STRING) return undefined;
  const chunks = childrenOf(bytes, octets);
  if (chunks === undefined || chunks.some((c) => c.tag !== TAG.OCTET_STRING)) return undefined;
  return Buffer.concat(chunks.map((c) => bytes.subarray(c.contentStart, c.end)));
}
