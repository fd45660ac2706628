import { CertdoctorError, ErrorCode } from "../errors.js";

/** DER universal tags used by the X.509 parser. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/**
 * One tag-length-value inside a buffer, as offsets (no copies). `start` is the first byte of the tag,
 * `contentStart` the first content byte and `end` one past the last content byte.
 */
export interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export function failDer(message: string): never {
  throw new CertdoctorError(ErrorCode.ERR_DER_INVALID, message);
}

/**
 * Encoding faults that are readable (a non-minimal length, a BOOLEAN TRUE that is not 0xff, a
 * non-minimal INTEGER): while a certificate is parsed they are appended to its problem list, in the
 * order they are met, instead of rejecting the certificate (lenient parsing, strict judgement).
 * Parsing is synchronous, so one sink per thread is enough.
 */
let tolerated: string[] | undefined;

/** Runs `parse` appending tolerated encoding faults (each code once) to `sink`. */
export function withTolerance<T>(sink: string[], parse: () => T): T {
  const outer = tolerated;
  tolerated = sink;
  try {
    return parse();
  } finally {
    tolerated = outer;
  }
}

/** Records a readable problem (`code` or `code:detail`) while a certificate is parsed; a no-op otherwise. */
export function noteProblem(entry: string): void {
  if (tolerated !== undefined && !tolerated.includes(entry)) tolerated.push(entry);
}

/** Records a fault when tolerant parsing is on, else throws it. */
function tolerate(code: string, message: string): void {
  if (tolerated === undefined) failDer(message);
  if (!tolerated.includes(code)) tolerated.push(code);
}

/**
 * Reads the TLV at `pos`, which must end at or before `limit` (itself at most `buf.length`).
 * Strict DER: single-byte tags only, definite minimal lengths of at most 4 length bytes.
 */
export function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (limit > buf.length) limit = buf.length;
  if (pos + 2 > limit) failDer("truncated TLV header");
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) failDer("multi-byte tags are not supported");
  const len = buf[pos + 1]!;
  if (len & 0x80) return readLengthAndValue(buf, tag, pos, pos + 1, limit);
  // Short form, the common case, without the call.
  if (pos + 2 + len > limit) failDer("value runs past the end of its container");
  return { tag, start: pos, contentStart: pos + 2, end: pos + 2 + len };
}

/**
 * Like readTlv, but also reads a tag in the high-tag-number form (a tag number above 30, in base-128
 * bytes after a first byte whose low five bits are all set). `tag` is then that first byte, which
 * equals no single-byte tag, so only callers that can tolerate an unknown value should use this.
 */
export function readTlvAnyTag(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (limit > buf.length) limit = buf.length;
  if (pos >= limit || (buf[pos]! & 0x1f) !== 0x1f) return readTlv(buf, pos, limit);
  let at = pos + 1;
  for (let n = 1; ; n++) {
    if (at >= limit) failDer("truncated tag");
    if (n > 4) failDer("tag number longer than 4 bytes");
    if ((buf[at++]! & 0x80) === 0) break;
  }
  if (at >= limit) failDer("truncated TLV header");
  return readLengthAndValue(buf, buf[pos]!, pos, at, limit);
}

/** The length at `lengthAt` and the value after it, for a TLV whose tag starts at `start`. */
function readLengthAndValue(buf: Uint8Array, tag: number, start: number, lengthAt: number, limit: number): Tlv {
  let len = buf[lengthAt]!;
  let contentStart = lengthAt + 1;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) failDer("indefinite length is not allowed in DER");
    if (n > 4) failDer("length field longer than 4 bytes");
    if (contentStart + n > limit) failDer("truncated length field");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[contentStart + i]!;
    if (buf[contentStart] === 0 || len < 0x80) tolerate("non-minimal-length", "non-minimal length encoding");
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > limit) failDer("value runs past the end of its container");
  return { tag, start, contentStart, end };
}

/** Reads a TLV and checks its tag. */
export function expectTlv(buf: Uint8Array, pos: number, limit: number, tag: number, what: string): Tlv {
  const tlv = readTlv(buf, pos, limit);
  if (tlv.tag !== tag) failDer(`${what}: expected tag 0x${tag.toString(16)}, got 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** DER BOOLEAN content: exactly one byte, 0x00 or 0xff. */
export function readBoolean(buf: Uint8Array, tlv: Tlv): boolean {
  if (tlv.end - tlv.contentStart !== 1) failDer("BOOLEAN must be one byte");
  const b = buf[tlv.contentStart]!;
  if (b !== 0 && b !== 0xff) tolerate("non-der-boolean", "BOOLEAN must be 0x00 or 0xff in DER");
  return b !== 0;
}

/** A small non-negative INTEGER (at most 6 content bytes), e.g. a version or a path length. */
export function readSmallUint(buf: Uint8Array, tlv: Tlv): number {
  const len = tlv.end - tlv.contentStart;
  if (len < 1 || len > 6) failDer("INTEGER is empty or too large");
  if (buf[tlv.contentStart]! & 0x80) failDer("INTEGER is negative");
  if (len > 1 && buf[tlv.contentStart] === 0 && !(buf[tlv.contentStart + 1]! & 0x80)) tolerate("non-minimal-integer", "INTEGER is not minimally encoded");
  let v = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) v = v * 256 + buf[i]!;
  return v;
}

/** Bit length of an unsigned big-endian INTEGER's content (leading zero bytes ignored). */
export function countIntegerBits(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && buf[i] === 0) i++;
  if (i === end) return 0;
  return (end - i - 1) * 8 + (32 - Math.clz32(buf[i]!));
}

/** BIT STRING content as an offset past the unused-bits byte; the unused count must be 0..7 and 0 when empty. */
export function readBitStringStart(buf: Uint8Array, tlv: Tlv): { unused: number; start: number } {
  if (tlv.end <= tlv.contentStart) failDer("BIT STRING has no unused-bits byte");
  const unused = buf[tlv.contentStart]!;
  if (unused > 7 || (unused !== 0 && tlv.end - tlv.contentStart === 1)) failDer("BIT STRING unused-bits byte is invalid");
  return { unused, start: tlv.contentStart + 1 };
}

/**
 * Decodes UTCTime or GeneralizedTime to milliseconds since the epoch. DER (RFC 5280) wants
 * YYMMDDHHMMSSZ (1950–2049) and YYYYMMDDHHMMSSZ; real certificates also carry the BER forms of UTCTime
 * without seconds or with a ±hhmm offset. Go reads those too (its ASN.1 reader falls back to minute
 * precision and accepts an offset, except one that prints back as Z: +0000), so they are tolerated.
 */
export function readTime(buf: Uint8Array, tlv: Tlv): number {
  const len = tlv.end - tlv.contentStart;
  let p = tlv.contentStart;
  let year: number;
  let hasSeconds = true;
  if (tlv.tag === Tag.UTC_TIME) {
    const form = UTC_TIME_FORMS[len];
    if (form === undefined) failDer("UTCTime must be YYMMDDHHMMSSZ");
    hasSeconds = form.seconds;
    const yy = readDigits(buf, p, 2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p += 2;
  } else if (tlv.tag === Tag.GENERALIZED_TIME) {
    if (len !== 15) failDer("GeneralizedTime must be YYYYMMDDHHMMSSZ");
    year = readDigits(buf, p, 4);
    p += 4;
  } else {
    failDer("time is neither UTCTime nor GeneralizedTime");
  }
  const month = readDigits(buf, p, 2);
  const day = readDigits(buf, p + 2, 2);
  const hour = readDigits(buf, p + 4, 2);
  const minute = readDigits(buf, p + 6, 2);
  const second = hasSeconds ? readDigits(buf, p + 8, 2) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    failDer("time has an out-of-range field");
  }
  const zoneAt = p + (hasSeconds ? 10 : 8);
  const offsetSeconds = readZone(buf, zoneAt, tlv.end, hasSeconds);
  return ((daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second) - offsetSeconds) * 1000;
}

/** UTCTime content lengths: with or without seconds, ending in Z or in a ±hhmm offset. */
const UTC_TIME_FORMS: Record<number, { seconds: boolean }> = { 13: { seconds: true }, 17: { seconds: true }, 11: { seconds: false }, 15: { seconds: false } };

/** The zone after the digits: Z, or (UTCTime only, tolerated) ±hhmm; returns the offset east of UTC in seconds. */
function readZone(buf: Uint8Array, at: number, end: number, hasSeconds: boolean): number {
  const sign = buf[at];
  if (sign === 0x5a && at + 1 === end) {
    if (!hasSeconds) tolerate("utctime-no-seconds", "UTCTime must include seconds");
    return 0;
  }
  if ((sign !== 0x2b && sign !== 0x2d) || at + 5 !== end) failDer("time must end in Z");
  const hours = readDigits(buf, at + 1, 2);
  const minutes = readDigits(buf, at + 3, 2);
  if (hours > 23 || minutes > 59) failDer("time has an out-of-range offset");
  const offset = (hours * 3600 + minutes * 60) * (sign === 0x2d ? -1 : 1);
  tolerate(offset === 0 ? "utctime-zero-offset" : "utctime-offset", "UTCTime must end in Z");
  if (!hasSeconds) tolerate("utctime-no-seconds", "UTCTime must include seconds");
  return offset;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm); avoids a Date per field. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function readDigits(buf: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[p + i]! - 0x30;
    if (c < 0 || c > 9) failDer("time has a non-digit");
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
