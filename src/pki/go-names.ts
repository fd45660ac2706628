/**
 * Small pieces of Go's crypto/x509 text conventions that certdoctor reproduces in the error strings it
 * predicts: a Name's CommonName and first Organization as pkix.Name holds them, `%q` quoting, and
 * RFC 3339 times. Pure; no IO.
 */
import { readTlv, Tag } from "./der.js";

/** CommonName (the last CN attribute, as pkix.Name.FillFromRDNSequence keeps it) and the first O, from a Name's DER hex. */
export function goSubjectNames(nameDerHex: string): { commonName: string; organization?: string } {
  const buf = Buffer.from(nameDerHex, "hex");
  let commonName = "";
  let organization: string | undefined;
  try {
    const name = readTlv(buf, 0, buf.length);
    let pos = name.contentStart;
    while (pos < name.end) {
      const rdn = readTlv(buf, pos, name.end);
      pos = rdn.end;
      let at = rdn.contentStart;
      while (at < rdn.end) {
        const ava = readTlv(buf, at, rdn.end);
        at = ava.end;
        const type = readTlv(buf, ava.contentStart, ava.end);
        const value = readTlv(buf, type.end, ava.end);
        // 2.5.4.3 commonName, 2.5.4.10 organizationName: 55 04 03 / 55 04 0a.
        if (type.end - type.contentStart !== 3 || buf[type.contentStart] !== 0x55 || buf[type.contentStart + 1] !== 0x04) continue;
        const attr = buf[type.contentStart + 2];
        if (attr === 3) commonName = decodeString(buf, value.tag, value.contentStart, value.end);
        else if (attr === 10 && organization === undefined) organization = decodeString(buf, value.tag, value.contentStart, value.end);
      }
    }
  } catch {
    // an unreadable name has no common name
  }
  return organization === undefined ? { commonName } : { commonName, organization };
}

function decodeString(buf: Buffer, tag: number, start: number, end: number): string {
  if (tag === Tag.BMP_STRING) {
    let s = "";
    for (let i = start; i + 1 < end; i += 2) s += String.fromCharCode((buf[i]! << 8) | buf[i + 1]!);
    return s;
  }
  return buf.toString("utf8", start, end);
}

/** Go's `%q` for a string (strconv.Quote) for the characters certificate names and errors contain. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (c === 0x07) out += "\\a";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0b) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else if (c === 0xfffd) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

/** time.Format(time.RFC3339) of a UTC instant: seconds precision, `Z`. */
export function goTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
