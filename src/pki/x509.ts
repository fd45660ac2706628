import { CertdoctorError, ErrorCode } from "../errors.js";
import type { CertRecord, KeyType, ParsedCert } from "../model/cert.js";
import { countIntegerBits, expectTlv, failDer, readBitStringStart, readSmallUint, readTime, readTlv, Tag, withTolerance, type Tlv } from "./der.js";
import { hexSha256 } from "./fingerprint.js";
import { formatNameContent } from "./names.js";
import {
  curveNames,
  decodeOid,
  OID_DSA,
  OID_EC,
  OID_ED25519,
  OID_ED448,
  OID_RSA,
  OID_RSA_PSS,
  signatureAlgorithmNames,
} from "./oids.js";
import { readExtensions } from "./x509-extensions.js";

/** Larger inputs are rejected before parsing; the biggest real certificates (many SANs) stay far below. */
export const MAX_CERT_BYTES = 1024 * 1024;
/** RFC 5280 allows 20 octets; some issuers emit a few more. */
const MAX_SERIAL_BYTES = 64;

function failCert(message: string): never {
  throw new CertdoctorError(ErrorCode.ERR_CERT_INVALID, message);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Parses one DER X.509 certificate. The returned material's byte fields are views into `der`, not
 * copies: copy them before transferring to another thread if `der` is a slice of a larger buffer.
 * Throws CertdoctorError (ERR_CERT_INVALID or ERR_DER_INVALID) on malformed input, including
 * trailing bytes after the certificate. `fingerprint` is the DER's SHA-256 when the caller already has it.
 */
export function parseCertificate(der: Uint8Array, fingerprint?: string): ParsedCert {
  if (der.length > MAX_CERT_BYTES) failCert(`certificate is larger than ${MAX_CERT_BYTES} bytes`);
  const problems: string[] = [];
  // Problems are listed in the order Go's parser meets them: its error is the first one Go rejects.
  const value = withTolerance(problems, () => parseStructure(asBuffer(der), fingerprint, problems));
  if (problems.length > 0) value.record.problems = problems;
  return value;
}

function parseStructure(buf: Buffer, fingerprint: string | undefined, problems: string[]): ParsedCert {
  const cert = expectTlv(buf, 0, buf.length, Tag.SEQUENCE, "Certificate");
  if (cert.end !== buf.length) failCert("trailing bytes after the certificate");
  const tbs = expectTlv(buf, cert.contentStart, cert.end, Tag.SEQUENCE, "tbsCertificate");
  const sigAlg = expectTlv(buf, tbs.end, cert.end, Tag.SEQUENCE, "signatureAlgorithm");
  const sigValue = expectTlv(buf, sigAlg.end, cert.end, Tag.BIT_STRING, "signatureValue");
  if (sigValue.end !== cert.end) failCert("trailing bytes inside the certificate");
  const sigBits = readBitStringStart(buf, sigValue);
  const signatureOidTlv = expectTlv(buf, sigAlg.contentStart, sigAlg.end, Tag.OID, "signature algorithm");
  const signatureOid = decodeOid(buf, signatureOidTlv.contentStart, signatureOidTlv.end);
  const signatureParams = readAlgorithmParams(buf, signatureOidTlv.end, sigAlg.end);

  let pos = tbs.contentStart;
  let t = readTlv(buf, pos, tbs.end);
  let version = 1;
  if (t.tag === 0xa0) {
    const v = expectTlv(buf, t.contentStart, t.end, Tag.INTEGER, "version");
    if (v.end !== t.end) failDer("trailing bytes after version");
    const n = readSmallUint(buf, v);
    if (n > 2) problems.push("unknown-version");
    version = Math.min(n, 2) + 1;
    t = readTlv(buf, t.end, tbs.end);
  }
  if (t.tag !== Tag.INTEGER) failCert("serialNumber is missing");
  const serialLen = t.end - t.contentStart;
  if (serialLen < 1 || serialLen > MAX_SERIAL_BYTES) failCert("serialNumber has an invalid length");
  const serial = t;
  const serialNumber = readSerial(buf, serial, problems);

  const innerSigAlg = expectTlv(buf, serial.end, tbs.end, Tag.SEQUENCE, "tbsCertificate signature");
  const issuer = expectTlv(buf, innerSigAlg.end, tbs.end, Tag.SEQUENCE, "issuer");
  const validity = expectTlv(buf, issuer.end, tbs.end, Tag.SEQUENCE, "validity");
  const notBeforeTlv = readTlv(buf, validity.contentStart, validity.end);
  const notAfterTlv = readTlv(buf, notBeforeTlv.end, validity.end);
  if (notAfterTlv.end !== validity.end) failDer("trailing bytes in validity");
  const subject = expectTlv(buf, validity.end, tbs.end, Tag.SEQUENCE, "subject");
  const spki = expectTlv(buf, subject.end, tbs.end, Tag.SEQUENCE, "subjectPublicKeyInfo");

  const subjectDer = buf.toString("hex", subject.start, subject.end);
  const issuerDer = buf.toString("hex", issuer.start, issuer.end);
  const spkiBytes = buf.subarray(spki.start, spki.end);
  // In Go's order (issuer, validity, subject), so that their problems are listed as Go meets them.
  const issuerText = formatNameContent(buf, issuer.contentStart, issuer.end);
  const notBefore = readTime(buf, notBeforeTlv);
  const notAfter = readTime(buf, notAfterTlv);
  const subjectText = formatNameContent(buf, subject.contentStart, subject.end);
  const record: CertRecord = {
    fingerprint: fingerprint ?? hexSha256(buf),
    version,
    serialNumber,
    subject: subjectText,
    issuer: issuerText,
    subjectDer,
    issuerDer,
    notBefore,
    notAfter,
    isCA: false,
    keyUsage: [],
    extKeyUsage: [],
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
    keyType: "unknown",
    keySize: 0,
    signatureAlgorithm: signatureAlgorithmNames[signatureOid] ?? signatureOid,
    spkiFingerprint: hexSha256(spkiBytes),
    selfIssued: subjectDer === issuerDer,
  };
  readPublicKeyInfo(buf, spki, record, problems);

  pos = spki.end;
  let lastTag = 0;
  while (pos < tbs.end) {
    const field = readTlv(buf, pos, tbs.end);
    const order = field.tag & 0x1f;
    if ((field.tag & 0xc0) !== 0x80 || order < 1 || order > 3 || order <= lastTag) failCert("unexpected field after subjectPublicKeyInfo");
    lastTag = order;
    if (field.tag === 0xa3) {
      const exts = expectTlv(buf, field.contentStart, field.end, Tag.SEQUENCE, "extensions");
      if (exts.end !== field.end) failDer("trailing bytes after extensions");
      if (version < 3) problems.push("extensions-before-v3");
      readExtensions(buf, exts.contentStart, exts.end, record, problems);
    } else if (order === 3) {
      failCert("extensions must be a constructed [3]");
    }
    pos = field.end;
  }

  // Go reads the outer signature algorithm and signature after the whole tbsCertificate.
  if (!sameRange(buf, innerSigAlg, sigAlg)) problems.push("sig-alg-mismatch");
  if (sigBits.unused !== 0) {
    // Go's BIT STRING reader accepts unused bits only when they are zero.
    const padding = sigValue.end > sigBits.start ? buf[sigValue.end - 1]! & ((1 << sigBits.unused) - 1) : 0;
    problems.push(padding === 0 ? "signature-unused-bits" : "signature-padding");
  }

  const material: ParsedCert["material"] = {
    tbs: buf.subarray(tbs.start, tbs.end),
    signature: buf.subarray(sigBits.start, sigValue.end),
    spki: spkiBytes,
    signatureOid,
  };
  if (signatureParams !== undefined) material.signatureParams = signatureParams;
  return { record, material };
}

/**
 * The serial as `openssl x509 -serial` prints it, lowercase: hex of the content octets (leading zero
 * byte kept), or for a negative serial a minus sign and the magnitude's hex (two's complement undone).
 */
function readSerial(buf: Buffer, t: Tlv, problems: string[]): string {
  const len = t.end - t.contentStart;
  if (len > 20) problems.push("long-serial");
  if (!isMinimalInteger(buf, t)) problems.push("serial-not-minimal");
  if ((buf[t.contentStart]! & 0x80) === 0) {
    let zero = true;
    for (let i = t.contentStart; i < t.end && zero; i++) zero = buf[i] === 0;
    if (zero) problems.push("zero-serial");
    // As openssl x509 -serial prints it: the magnitude's bytes, without the sign byte DER puts before a top bit.
    let start = t.contentStart;
    while (start < t.end - 1 && buf[start] === 0) start++;
    return buf.toString("hex", start, t.end);
  }
  problems.push("negative-serial");
  const magnitude = (1n << BigInt(len * 8)) - BigInt("0x" + buf.toString("hex", t.contentStart, t.end));
  const hex = magnitude.toString(16);
  return "-" + (hex.length % 2 === 1 ? "0" + hex : hex);
}

/** The serial number in decimal, signed, as Go's big.Int prints it (enix's serial_number label). */
export function serialToDecimal(serialNumber: string): string {
  const negative = serialNumber.startsWith("-");
  const hex = negative ? serialNumber.slice(1) : serialNumber;
  if (hex === "") return "0";
  const value = BigInt("0x" + hex);
  return (negative ? "-" : "") + value.toString(10);
}

/** A positive INTEGER: top bit of the first content byte clear and some byte non-zero. */
function isPositiveInteger(buf: Buffer, t: Tlv): boolean {
  if (t.end === t.contentStart || (buf[t.contentStart]! & 0x80) !== 0) return false;
  for (let i = t.contentStart; i < t.end; i++) if (buf[i] !== 0) return true;
  return false;
}

/** DER INTEGER minimality: no redundant leading 0x00 (before a clear top bit) or 0xff (before a set one). */
function isMinimalInteger(buf: Buffer, t: Tlv): boolean {
  if (t.end - t.contentStart < 2) return true;
  const first = buf[t.contentStart]!;
  const second = buf[t.contentStart + 1]!;
  return !((first === 0x00 && (second & 0x80) === 0) || (first === 0xff && (second & 0x80) !== 0));
}

function sameRange(buf: Buffer, a: Tlv, b: Tlv): boolean {
  return a.end - a.start === b.end - b.start && buf.compare(buf, a.start, a.end, b.start, b.end) === 0;
}

/** AlgorithmIdentifier parameters after the OID: undefined when absent or NULL, else the parameter TLV. */
function readAlgorithmParams(buf: Buffer, pos: number, end: number): Buffer | undefined {
  if (pos === end) return undefined;
  const p = readTlv(buf, pos, end);
  if (p.end !== end) failDer("trailing bytes in AlgorithmIdentifier");
  if (p.tag === Tag.NULL) {
    if (p.end !== p.contentStart) failDer("NULL with content");
    return undefined;
  }
  return buf.subarray(p.start, p.end);
}

/** Fills keyType, keySize and curve from a SubjectPublicKeyInfo. */
function readPublicKeyInfo(buf: Buffer, spki: Tlv, out: { keyType: KeyType; keySize: number; curve?: string }, problems: string[]): void {
  const alg = expectTlv(buf, spki.contentStart, spki.end, Tag.SEQUENCE, "SPKI algorithm");
  const key = expectTlv(buf, alg.end, spki.end, Tag.BIT_STRING, "subjectPublicKey");
  if (key.end !== spki.end) failDer("trailing bytes in SubjectPublicKeyInfo");
  const keyBits = readBitStringStart(buf, key);
  const oidTlv = expectTlv(buf, alg.contentStart, alg.end, Tag.OID, "SPKI algorithm OID");
  const oid = decodeOid(buf, oidTlv.contentStart, oidTlv.end);
  const params = oidTlv.end < alg.end ? readTlv(buf, oidTlv.end, alg.end) : undefined;
  if (params !== undefined && params.end !== alg.end) failDer("trailing bytes in SPKI algorithm");
  switch (oid) {
    case OID_RSA:
    case OID_RSA_PSS: {
      const seq = expectTlv(buf, keyBits.start, key.end, Tag.SEQUENCE, "RSAPublicKey");
      const modulus = expectTlv(buf, seq.contentStart, seq.end, Tag.INTEGER, "RSA modulus");
      const exponent = expectTlv(buf, modulus.end, seq.end, Tag.INTEGER, "RSA exponent");
      if (exponent.end !== seq.end || seq.end !== key.end) failDer("trailing bytes in RSAPublicKey");
      // Go's order: each INTEGER must be minimal DER, then the modulus and the exponent must be positive.
      if (!isMinimalInteger(buf, modulus)) problems.push("rsa-modulus-not-minimal");
      else if (!isMinimalInteger(buf, exponent)) problems.push("rsa-exponent-not-minimal");
      else if (!isPositiveInteger(buf, modulus)) problems.push("rsa-modulus-not-positive");
      else if (!isPositiveInteger(buf, exponent)) problems.push("rsa-exponent-not-positive");
      out.keyType = "RSA";
      out.keySize = countIntegerBits(buf, modulus.contentStart, modulus.end);
      return;
    }
    case OID_EC: {
      out.keyType = "EC";
      if (params?.tag === Tag.SEQUENCE) {
        // Explicit curve parameters (RFC 3279 ECParameters): the size is the group order's, as openssl prints it.
        out.keySize = explicitCurveOrderBits(buf, params);
        problems.push("ec-explicit-curve");
        return;
      }
      if (params?.tag !== Tag.OID) return;
      const curveOid = decodeOid(buf, params.contentStart, params.end);
      const curve = curveNames[curveOid];
      out.curve = curve?.name ?? curveOid;
      out.keySize = curve?.bits ?? 0;
      if (curve === undefined || !GO_CURVES.has(curve.name)) problems.push("ec-curve-unsupported");
      else if (!isUncompressedPoint(buf, keyBits.start, key.end, curve.bits)) problems.push("ec-point-invalid");
      return;
    }
    case OID_ED25519:
      out.keyType = "Ed25519";
      out.keySize = 255;
      return;
    case OID_ED448:
      out.keyType = "Ed448";
      out.keySize = 448;
      return;
    case OID_DSA: {
      out.keyType = "DSA";
      if (params?.tag !== Tag.SEQUENCE) {
        problems.push("dsa-params-inherited");
        return;
      }
      const p = expectTlv(buf, params.contentStart, params.end, Tag.INTEGER, "DSA p");
      out.keySize = countIntegerBits(buf, p.contentStart, p.end);
      return;
    }
  }
}

/** The curves Go's crypto/x509 reads; a key on any other is "x509: unsupported elliptic curve". */
const GO_CURVES = new Set(["P-224", "P-256", "P-384", "P-521"]);

/** SEC 1 uncompressed point (04 || X || Y) of the curve's size, the only form Go's elliptic.Unmarshal takes. */
function isUncompressedPoint(buf: Buffer, start: number, end: number, bits: number): boolean {
  return buf[start] === 0x04 && end - start === 1 + 2 * Math.ceil(bits / 8);
}

/** ECParameters ::= SEQUENCE { version, fieldID, curve, base, order INTEGER, cofactor OPTIONAL }. */
function explicitCurveOrderBits(buf: Buffer, params: Tlv): number {
  let pos = params.contentStart;
  for (let i = 0; i < 4; i++) pos = readTlv(buf, pos, params.end).end;
  const order = expectTlv(buf, pos, params.end, Tag.INTEGER, "EC group order");
  return countIntegerBits(buf, order.contentStart, order.end);
}

/**
 * Cheap sniff for binary files: a SEQUENCE spanning the whole input that starts with a SEQUENCE (the
 * TBS) whose first field is a [0] version or an INTEGER serial followed by a SEQUENCE. No hashing, no decoding.
 */
export function looksLikeDerCertificate(bytes: Uint8Array): boolean {
  try {
    const cert = readTlv(bytes, 0, bytes.length);
    if (cert.tag !== Tag.SEQUENCE || cert.end !== bytes.length) return false;
    const tbs = readTlv(bytes, cert.contentStart, cert.end);
    if (tbs.tag !== Tag.SEQUENCE || tbs.end >= cert.end) return false;
    let first = readTlv(bytes, tbs.contentStart, tbs.end);
    if (first.tag === 0xa0) first = readTlv(bytes, first.end, tbs.end);
    if (first.tag !== Tag.INTEGER) return false;
    return readTlv(bytes, first.end, tbs.end).tag === Tag.SEQUENCE;
  } catch {
    return false;
  }
}
