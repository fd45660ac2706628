import { isUtf8 } from "node:buffer";
import { expectTlv, failDer, noteProblem, readTlvAnyTag, Tag } from "./der.js";
import { attributeShortNames, decodeOid } from "./oids.js";

const HEX = "0123456789ABCDEF";

const x520ShortNames: (string | undefined)[] = [];
for (const [oid, short] of Object.entries(attributeShortNames)) {
  if (oid.startsWith("2.5.4.")) x520ShortNames[Number(oid.slice(6))] = short;
}

/** Bytes per character of the string types OpenSSL displays; anything else is dumped as #hex. */
function charWidth(tag: number): number {
  if (tag === Tag.UTF8_STRING) return 1; // printed byte by byte, so non-ASCII bytes come out \XX-escaped
  if (tag >= 0x12 && tag <= 0x1b) return 1; // Numeric, Printable, T61, Videotex, IA5, UTC/GeneralizedTime, Graphic, Visible, General
  if (tag === Tag.UNIVERSAL_STRING) return 4;
  if (tag === Tag.BMP_STRING) return 2;
  return 0;
}

/**
 * Formats a DER Name (the whole SEQUENCE TLV) exactly as `openssl x509 -nameopt RFC2253` prints it:
 * last RDN first, `,` between RDNs and `+` inside a multi-valued RDN (whose values are also reversed),
 * short attribute names, RFC 2253 escaping, non-ASCII as \XX escapes of its UTF-8 bytes, and
 * unknown attribute types or string types as `#` plus the uppercase hex of the value's DER.
 */
export function formatDistinguishedName(nameDer: Uint8Array): string {
  const name = expectTlv(nameDer, 0, nameDer.length, Tag.SEQUENCE, "Name");
  if (name.end !== nameDer.length) failDer("trailing bytes after Name");
  return formatNameContent(nameDer, name.contentStart, name.end);
}

/** Formats the content bytes [start, end) of a Name SEQUENCE; see formatDistinguishedName. */
export function formatNameContent(buf: Uint8Array, start: number, end: number): string {
  let out = "";
  let prevRdn = -1;
  let rdnIndex = 0;
  let pos = start;
  while (pos < end) {
    const rdn = expectTlv(buf, pos, end, Tag.SET, "RelativeDistinguishedName");
    if (rdn.end === rdn.contentStart) failDer("empty RelativeDistinguishedName");
    let avaPos = rdn.contentStart;
    while (avaPos < rdn.end) {
      const ava = expectTlv(buf, avaPos, rdn.end, Tag.SEQUENCE, "AttributeTypeAndValue");
      const type = expectTlv(buf, ava.contentStart, ava.end, Tag.OID, "attribute type");
      // A value with a high tag number is readable (shown as hex) though Go's parser cannot read it.
      const value = readTlvAnyTag(buf, type.end, ava.end);
      if (value.end !== ava.end) failDer("trailing bytes in AttributeTypeAndValue");
      const text = formatAttribute(buf, type.contentStart, type.end, value.tag, value.start, value.contentStart, value.end);
      if (prevRdn === -1) out = text;
      else out = text + (prevRdn === rdnIndex ? "+" : ",") + out;
      prevRdn = rdnIndex;
      avaPos = ava.end;
    }
    rdnIndex++;
    pos = rdn.end;
  }
  return out;
}

function formatAttribute(
  buf: Uint8Array,
  oidStart: number,
  oidEnd: number,
  tag: number,
  tlvStart: number,
  valueStart: number,
  valueEnd: number,
): string {
  // Go checks every attribute value, whatever its type, as a string (parseName).
  if ((tag & 0x1f) === 0x1f) noteProblem("name-value-high-tag");
  else {
    const invalid = goStringError(buf, tag, valueStart, valueEnd);
    if (invalid !== undefined) noteProblem(`name-string-invalid:${invalid}`);
  }
  let short: string | undefined;
  // X.520 attributes are 2.5.4.N, encoded 55 04 N: look them up without building the dotted string.
  if (oidEnd - oidStart === 3 && buf[oidStart] === 0x55 && buf[oidStart + 1] === 0x04) short = x520ShortNames[buf[oidStart + 2]!];
  if (short === undefined) {
    const oid = decodeOid(buf, oidStart, oidEnd);
    short = attributeShortNames[oid];
    if (short === undefined) return `${oid}=${dumpHex(buf, tlvStart, valueEnd)}`;
  }
  const width = charWidth(tag);
  const text = width === 0 ? undefined : escapeValue(buf, valueStart, valueEnd, width, tag === Tag.UTF8_STRING);
  return `${short}=${text ?? dumpHex(buf, tlvStart, valueEnd)}`;
}

/** PrintableString bytes as Go's parser accepts them: the ASN.1 set plus '*' and '&', which real CAs use. */
const GO_PRINTABLE = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'()+,-./ :=?*&") GO_PRINTABLE[c.charCodeAt(0)] = 1;

/**
 * Why Go's x509 parser refuses this attribute value as a string of its type (its parseASN1String
 * reason), or undefined when Go reads it.
 */
function goStringError(buf: Uint8Array, tag: number, start: number, end: number): string | undefined {
  switch (tag) {
    case Tag.T61_STRING:
      return undefined;
    case Tag.UTF8_STRING:
      return isAsciiRange(buf, start, end) || isUtf8(buf.subarray(start, end)) ? undefined : "invalid UTF-8 string";
    case Tag.PRINTABLE_STRING:
      for (let i = start; i < end; i++) if (buf[i]! >= 0x80 || GO_PRINTABLE[buf[i]!] === 0) return "invalid PrintableString";
      return undefined;
    case Tag.IA5_STRING:
      return isAsciiRange(buf, start, end) ? undefined : "invalid IA5String";
    case Tag.BMP_STRING:
      return (end - start) % 2 === 0 ? undefined : "invalid BMPString";
    case NUMERIC_STRING:
      for (let i = start; i < end; i++) if (!((buf[i]! >= 0x30 && buf[i]! <= 0x39) || buf[i] === 0x20)) return "invalid NumericString";
      return undefined;
    default:
      return `unsupported string type: ${tag}`;
  }
}

const NUMERIC_STRING = 0x12;

function isAsciiRange(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

function dumpHex(buf: Uint8Array, start: number, end: number): string {
  let s = "#";
  for (let i = start; i < end; i++) s += HEX[buf[i]! >> 4]! + HEX[buf[i]! & 15]!;
  return s;
}

/** Returns undefined when the bytes are not a whole number of valid characters (OpenSSL fails to print those). */
function escapeValue(buf: Uint8Array, start: number, end: number, width: number, utf8: boolean): string | undefined {
  if ((end - start) % width !== 0) return undefined;
  if (width === 1 && isPlainAscii(buf, start, end)) return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1");
  let s = "";
  for (let i = start; i < end; i += width) {
    let c = buf[i]!;
    if (width === 2) c = (c << 8) | buf[i + 1]!;
    else if (width === 4) c = ((c << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!) >>> 0;
    const first = i === start;
    const last = i + width === end;
    if (c < 0x80) {
      s += escapeAscii(c, first, last);
    } else if (width === 1) {
      // UTF8String bytes are printed as they are; the 8-bit types are latin1 converted to UTF-8.
      s += utf8 ? escapeByte(c) : escapeUtf8(c);
    } else {
      if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) return undefined;
      s += escapeUtf8(c);
    }
  }
  return s;
}

/** No byte needs escaping: printable ASCII without RFC 2253 specials, no leading '#' or space, no trailing space. */
function isPlainAscii(buf: Uint8Array, start: number, end: number): boolean {
  if (start === end) return true;
  if (buf[start] === 0x23 || buf[start] === 0x20 || buf[end - 1] === 0x20) return false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x2b || c === 0x2c || c === 0x3b || c === 0x3c || c === 0x3e || c === 0x5c) return false;
  }
  return true;
}

function escapeAscii(c: number, first: boolean, last: boolean): string {
  switch (c) {
    case 0x22: // "
    case 0x2b: // +
    case 0x2c: // ,
    case 0x3b: // ;
    case 0x3c: // <
    case 0x3e: // >
    case 0x5c: // backslash
      return "\\" + String.fromCharCode(c);
    case 0x23: // # only at the start
      return first ? "\\#" : "#";
    case 0x20: // space at either end
      return first || last ? "\\ " : " ";
  }
  if (c < 0x20 || c === 0x7f) return escapeByte(c);
  return String.fromCharCode(c);
}

function escapeByte(b: number): string {
  return "\\" + HEX[b >> 4]! + HEX[b & 15]!;
}

function escapeUtf8(c: number): string {
  if (c < 0x800) return escapeByte(0xc0 | (c >> 6)) + escapeByte(0x80 | (c & 0x3f));
  if (c < 0x10000) return escapeByte(0xe0 | (c >> 12)) + escapeByte(0x80 | ((c >> 6) & 0x3f)) + escapeByte(0x80 | (c & 0x3f));
  return (
    escapeByte(0xf0 | (c >> 18)) +
    escapeByte(0x80 | ((c >> 12) & 0x3f)) +
    escapeByte(0x80 | ((c >> 6) & 0x3f)) +
    escapeByte(0x80 | (c & 0x3f))
  );
}
