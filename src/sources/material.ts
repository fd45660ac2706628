import { CertdoctorError, ErrorCode, describeError } from "../errors.js";
import type { ItemPlace, RawItem } from "../model/items.js";
import { blockRef, formatRef, type SourceRef } from "../model/ref.js";
import type { ScanIssue } from "../model/issue.js";
import type { ReadContext } from "../model/scan.js";
import { parseCsr } from "../pki/csr.js";
import { TAG, readChildren, readSmallInteger, readTlv, readWhole } from "../pki/der-tlv.js";
import { describePrivateKey, isEncryptedPrivateKeyInfo, looksLikePrivateKey } from "../pki/keys.js";
import { hasPemMarker, scanPem, type PemBlock } from "../pki/pem.js";
import { looksLikePkcs12, readPkcs12 } from "../pki/pkcs12.js";
import { looksLikeDerCertificate } from "../pki/x509.js";

/**
 * Where a value came from. `ref` names the value as a whole; block n of a value holding several blocks
 * is `blockRef(ref, n)` (`file:/b.pem#2`, `secret:ns/n#tls.crt/2`) unless `blockRef` says otherwise.
 * Anchor and pair apply to certificates; only the first certificate gets the pair id.
 */
export interface MaterialPlace {
  ref: SourceRef;
  blockRef?: (index: number) => SourceRef;
  context: string;
  path?: string;
  symlink?: boolean;
  anchor?: boolean;
  pair?: string;
  /** Pair id for keys; defaults to `pair`. */
  keyPair?: string;
}

const CERT_LABELS = new Set(["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"]);
const KEY_LABELS = new Set(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]);
const CSR_LABELS = new Set(["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"]);
/** A broken block is certificate material only under a label certdoctor reads (or one it cannot tell). */
function isReadLabel(label: string): boolean {
  return label === "" || CERT_LABELS.has(label) || KEY_LABELS.has(label) || CSR_LABELS.has(label);
}

export type MaterialKind = "pem" | "der-cert" | "der-key" | "der-csr" | "pkcs12" | "none";

/** What a byte string holds, by content only. */
export function sniffMaterial(bytes: Uint8Array, text?: string): MaterialKind {
  if (text !== undefined ? hasPemMarker(text) : hasPemMarkerBytes(bytes)) return "pem";
  if (bytes[0] !== TAG.SEQUENCE) return "none";
  if (looksLikeDerCsr(bytes)) return "der-csr";
  if (looksLikeDerCertificate(bytes)) return "der-cert";
  if (looksLikePkcs12(bytes)) return "pkcs12";
  if (looksLikePrivateKey(bytes) || isEncryptedPrivateKeyInfo(bytes)) return "der-key";
  return "none";
}

/** Reads PEM text, a DER certificate/key/CSR or a PKCS#12 bundle into items; never throws for bad data. */
export function readMaterial(bytes: Uint8Array, place: MaterialPlace, ctx: ReadContext, text?: string): Array<RawItem | ScanIssue> {
  const kind = sniffMaterial(bytes, text);
  switch (kind) {
    case "pem":
      return readPem(text ?? Buffer.from(bytes).toString("utf8"), place, ctx);
    case "der-cert":
      return [{ type: "cert", der: bytes, ...placeOf(place, refText(place), true) }];
    case "der-key":
      return [readKey({ der: bytes }, place, refText(place), ctx)];
    case "der-csr":
      return [readCsrItem(bytes, place, refText(place))];
    case "pkcs12":
      return readBundle(bytes, place, ctx);
    case "none":
      return [];
  }
}

function readPem(text: string, place: MaterialPlace, ctx: ReadContext): Array<RawItem | ScanIssue> {
  const { blocks, problems, omitted } = scanPem(text, ctx.limits.maxPemBlockBytes, ctx.limits.maxIssuesPerPlace);
  const several = blocks.length + problems.length > 1;
  const refOf = (index: number) => (several ? refText(place, index) : refText(place));
  const out: Array<RawItem | ScanIssue> = [];
  let certSeen = false;
  const all: Array<PemBlock | (typeof problems)[number]> = [...blocks, ...problems].sort((a, b) => a.index - b.index);
  for (const entry of all) {
    const ref = refOf(entry.index);
    if (!("der" in entry)) {
      // PGP and SSH signatures, PUBLIC KEY, X509 CRL ...: not X.509 material, a note at most.
      out.push({ code: entry.code, ref, message: entry.message, material: isReadLabel(entry.label) });
      continue;
    }
    if (CERT_LABELS.has(entry.label)) {
      out.push({ type: "cert", der: firstTlv(entry.der), ...placeOf(place, ref, !certSeen) });
      certSeen = true;
    } else if (KEY_LABELS.has(entry.label)) {
      out.push(readKey({ der: entry.der, label: entry.label, encryptedHeader: entry.encryptedHeader }, place, ref, ctx));
    } else if (CSR_LABELS.has(entry.label)) {
      out.push(readCsrItem(entry.der, place, ref));
    }
    // PUBLIC KEY, X509 CRL, parameters, PKCS7 and other labels carry nothing to report.
  }
  if (omitted !== undefined) {
    const { first, count } = omitted;
    out.push({ code: first.code, ref: refOf(first.index), message: first.message, material: isReadLabel(first.label), omitted: count - 1 });
  }
  return out;
}

function readKey(input: { der: Uint8Array; label?: string; encryptedHeader?: boolean }, place: MaterialPlace, ref: string, ctx: ReadContext): RawItem | ScanIssue {
  try {
    const key = describePrivateKey(input, ctx.pkcs12Passwords, ctx.kdfBudget);
    const item: RawItem = { type: "key", key, ...placeOf(place, ref, false) };
    const pair = place.keyPair ?? place.pair;
    if (pair !== undefined) item.pair = pair;
    delete item.anchor;
    return item;
  } catch (err) {
    return issueFrom(err, ErrorCode.ERR_KEY_INVALID, ref, "private key could not be read");
  }
}

function readCsrItem(der: Uint8Array, place: MaterialPlace, ref: string): RawItem | ScanIssue {
  try {
    const item: RawItem = { type: "csr", csr: parseCsr(der), ...placeOf(place, ref, false) };
    delete item.anchor;
    return item;
  } catch (err) {
    return issueFrom(err, ErrorCode.ERR_CSR_INVALID, ref, "certificate request could not be read");
  }
}

function readBundle(bytes: Uint8Array, place: MaterialPlace, ctx: ReadContext): Array<RawItem | ScanIssue> {
  let contents;
  try {
    contents = readPkcs12(bytes, ctx.pkcs12Passwords, ctx.kdfBudget);
  } catch (err) {
    return [issueFrom(err, ErrorCode.ERR_PKCS12_INVALID, refText(place), "PKCS#12 bundle could not be read")];
  }
  const total = contents.certs.length + contents.keys.length;
  const refOf = (n: number) => (total > 1 ? refText(place, n) : refText(place));
  const out: RawItem[] = contents.certs.map((der, n) => ({ type: "cert" as const, der, ...placeOf(place, refOf(n), n === 0) }));
  contents.keys.forEach((key, n) => {
    const item: RawItem = { type: "key", key, ...placeOf(place, refOf(contents.certs.length + n), false) };
    const pair = place.keyPair ?? place.pair;
    if (pair !== undefined) item.pair = pair;
    delete item.anchor;
    out.push(item);
  });
  return out;
}

/** The string form of the value's ref, or of its block `index`. */
export function refText(place: MaterialPlace, index?: number): string {
  if (index === undefined) return formatRef(place.ref);
  return formatRef(place.blockRef === undefined ? blockRef(place.ref, index) : place.blockRef(index));
}

function placeOf(place: MaterialPlace, ref: string, withPair: boolean): ItemPlace {
  const out: ItemPlace = { ref, context: place.context };
  if (place.path !== undefined) out.path = place.path;
  if (place.symlink !== undefined) out.symlink = place.symlink;
  if (place.anchor === true) out.anchor = true;
  if (withPair && place.pair !== undefined) out.pair = place.pair;
  return out;
}

export function issueFrom(err: unknown, fallback: ScanIssue["code"], ref: string, what: string): ScanIssue {
  const code = err instanceof CertdoctorError ? err.code : fallback;
  const material = code !== ErrorCode.ERR_FILE_TOO_LARGE;
  return { code, ref, message: `${what}: ${describeError(err)}`, material };
}

/** OpenSSL "TRUSTED CERTIFICATE" blocks append trust settings after the certificate: keep the certificate. */
function firstTlv(der: Uint8Array): Uint8Array {
  const tlv = readTlv(der, 0);
  return tlv !== undefined && tlv.end < der.length ? der.subarray(0, tlv.end) : der;
}

/** CertificationRequest: SEQUENCE { SEQUENCE { INTEGER 0, Name, SPKI, [0] }, AlgorithmIdentifier, BIT STRING }. */
export function looksLikeDerCsr(bytes: Uint8Array): boolean {
  const root = readWhole(bytes);
  const top = root?.tag === TAG.SEQUENCE ? readChildren(bytes, root, 4) : undefined;
  if (top?.length !== 3 || top[0]!.tag !== TAG.SEQUENCE || top[2]!.tag !== TAG.BIT_STRING) return false;
  const cri = readChildren(bytes, top[0]!, 8);
  return cri?.length === 4 && readSmallInteger(bytes, cri[0]!) === 0 && cri[1]!.tag === TAG.SEQUENCE && cri[2]!.tag === TAG.SEQUENCE && cri[3]!.tag === 0xa0;
}

/** True when the bytes open like a DER SEQUENCE whose declared length runs past the end (truncated DER). */
export function looksLikeTruncatedDer(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== TAG.SEQUENCE) return false;
  const lenByte = bytes[1]!;
  if (lenByte < 0x81 || lenByte > 0x84) return false;
  return readTlv(bytes, 0) === undefined;
}

function hasPemMarkerBytes(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes("-----BEGIN ");
}
