/**
 * The six distinguished-name fields x509-certificate-exporter puts in labels (`subject_C` … `subject_CN`),
 * read from the DER Name the way Go's `pkix.Name.FillFromRDNSequence` fills them: C, ST (stateOrProvince,
 * 2.5.4.8), L, O and OU take their FIRST value in DER order, CN its LAST. Values decode as Go decodes them:
 * UTF8/Printable/IA5/Numeric as text, T61 as Latin-1, BMP as UTF-16; other string types are skipped.
 * Pure and bounded: a malformed Name gives empty fields, never an exception.
 *
 * Agents report names only in their display form (`CertRecord.subject`, as `openssl -nameopt RFC2253` prints
 * them); `dnFieldsFromRfc2253` reads that form back with the same rule. The two agree except for string types
 * Go refuses to parse (Universal, Visible, General strings), which the display form still spells out.
 */
import { readTlv, Tag } from "../pki/der.js";

export const DN_FIELDS = ["C", "ST", "L", "O", "OU", "CN"] as const;
export type DnField = (typeof DN_FIELDS)[number];
export type DnValues = Readonly<Record<DnField, string>>;

/** X.520 attribute number (2.5.4.N) -> field. */
const BY_ATTRIBUTE: Readonly<Record<number, DnField>> = { 6: "C", 8: "ST", 7: "L", 10: "O", 11: "OU", 3: "CN" };
const EMPTY: DnValues = Object.freeze({ C: "", ST: "", L: "", O: "", OU: "", CN: "" });
const MAX_ATTRIBUTES = 256;
const MAX_TEXT = 16 * 1024;
const BY_SHORT_NAME: Readonly<Record<string, DnField>> = { C: "C", ST: "ST", L: "L", O: "O", OU: "OU", CN: "CN" };

/** Fields of a DER Name given as lowercase hex (`CertRecord.subjectDer` / `issuerDer`). */
export function dnFieldsFromHex(nameHex: string): DnValues {
  if (nameHex === "") return EMPTY;
  return dnFields(Buffer.from(nameHex, "hex"));
}

export function dnFields(der: Uint8Array): DnValues {
  try {
    return readFields(der);
  } catch {
    return EMPTY;
  }
}

function readFields(der: Uint8Array): DnValues {
  const name = readTlv(der, 0, der.length);
  if (name.tag !== Tag.SEQUENCE) return EMPTY;
  const out: Record<DnField, string> = { C: "", ST: "", L: "", O: "", OU: "", CN: "" };
  const seen = new Set<DnField>();
  let attributes = 0;
  for (let pos = name.contentStart; pos < name.end; ) {
    const rdn = readTlv(der, pos, name.end);
    if (rdn.tag !== Tag.SET) return EMPTY;
    for (let a = rdn.contentStart; a < rdn.end; ) {
      if (++attributes > MAX_ATTRIBUTES) return out;
      const ava = readTlv(der, a, rdn.end);
      a = ava.end;
      if (ava.tag !== Tag.SEQUENCE) continue;
      const type = readTlv(der, ava.contentStart, ava.end);
      if (type.tag !== Tag.OID) continue;
      const field = x520Field(der, type.contentStart, type.end);
      if (field === undefined) continue;
      const value = readTlv(der, type.end, ava.end);
      const text = decodeString(der, value.tag, value.contentStart, value.end);
      if (text === undefined) continue;
      if (field === "CN") out.CN = text;
      else if (!seen.has(field)) {
        out[field] = text;
        seen.add(field);
      }
    }
    pos = rdn.end;
  }
  return out;
}

function x520Field(der: Uint8Array, start: number, end: number): DnField | undefined {
  if (end - start !== 3 || der[start] !== 0x55 || der[start + 1] !== 0x04) return undefined;
  return BY_ATTRIBUTE[der[start + 2]!];
}

function decodeString(der: Uint8Array, tag: number, start: number, end: number): string | undefined {
  const bytes = der.subarray(start, end);
  switch (tag) {
    case Tag.UTF8_STRING:
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
    case 0x12: // NumericString
      return Buffer.from(bytes).toString("utf8");
    case Tag.T61_STRING:
      return Buffer.from(bytes).toString("latin1");
    case Tag.BMP_STRING: {
      if (bytes.length % 2 !== 0) return undefined;
      let s = "";
      for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
      return s; // a lone surrogate becomes U+FFFD when the exposition is encoded as UTF-8
    }
    default:
      return undefined;
  }
}

/**
 * Fields of a name in the display form of `pki/names.ts` (RFC 2253: last RDN first, `,` between RDNs, `+`
 * inside one, `\X` and `\XX` escapes, non-ASCII as escaped UTF-8 bytes, `#hex` for values that are no string).
 */
export function dnFieldsFromRfc2253(text: string): DnValues {
  if (text === "" || text.length > MAX_TEXT) return EMPTY;
  const attributes: Array<[string, string | undefined]> = [];
  let pos = 0;
  while (pos < text.length) {
    if (attributes.length >= MAX_ATTRIBUTES) break;
    const eq = text.indexOf("=", pos);
    if (eq < 0) return EMPTY;
    const type = text.slice(pos, eq);
    const value = readDisplayValue(text, eq + 1);
    if (value === undefined) return EMPTY;
    attributes.push([type, value.text]);
    pos = value.end;
    if (pos < text.length) {
      if (text[pos] !== "," && text[pos] !== "+") return EMPTY;
      pos++;
    }
  }
  // The display form is the DER order reversed, attributes of a multi-valued RDN included.
  const out: Record<DnField, string> = { C: "", ST: "", L: "", O: "", OU: "", CN: "" };
  const seen = new Set<DnField>();
  for (let i = attributes.length - 1; i >= 0; i--) {
    const [type, value] = attributes[i]!;
    const field = BY_SHORT_NAME[type];
    if (field === undefined || value === undefined) continue;
    if (field === "CN") out.CN = value;
    else if (!seen.has(field)) {
      out[field] = value;
      seen.add(field);
    }
  }
  return out;
}

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** One value from `start` to the next unescaped `,` or `+`; `text` undefined for a `#hex` value (no string). */
function readDisplayValue(text: string, start: number): { text: string | undefined; end: number } | undefined {
  if (text[start] === "#") {
    let end = start + 1;
    while (end < text.length && text[end] !== "," && text[end] !== "+") end++;
    return { text: undefined, end };
  }
  const bytes: number[] = [];
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "," || c === "+") break;
    if (c === "\\") {
      const pair = text.slice(i + 1, i + 3);
      if (HEX_PAIR.test(pair)) {
        bytes.push(Number.parseInt(pair, 16));
        i += 3;
        continue;
      }
      if (i + 1 >= text.length) return undefined;
      i++;
    }
    const code = text.codePointAt(i)!;
    for (const b of Buffer.from(String.fromCodePoint(code), "utf8")) bytes.push(b);
    i += code > 0xffff ? 2 : 1;
  }
  return { text: Buffer.from(bytes).toString("utf8"), end: i };
}
