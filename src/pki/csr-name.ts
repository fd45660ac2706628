import { TAG, contentOf, readChildren, readOid, type Tlv } from "./der-tlv.js";

/** OpenSSL short names, as `-nameopt RFC2253` prints them. */
const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "2.5.4.43": "initials",
  "2.5.4.46": "dnQualifier",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

/**
 * RFC 2253 display form of a DER Name, least significant RDN first (openssl's `-nameopt RFC2253`),
 * e.g. `CN=system:node:worker-1,O=system:nodes`. Undefined when the Name is malformed.
 */
export function formatName(bytes: Uint8Array, name: Tlv): string | undefined {
  if (name.tag !== TAG.SEQUENCE) return undefined;
  const rdns = readChildren(bytes, name, 256);
  if (rdns === undefined) return undefined;
  const parts: string[] = [];
  for (const rdn of rdns) {
    if (rdn.tag !== TAG.SET) return undefined;
    const atvs = readChildren(bytes, rdn, 32);
    if (atvs === undefined) return undefined;
    const values: string[] = [];
    for (const atv of atvs) {
      const pair = atv.tag === TAG.SEQUENCE ? readChildren(bytes, atv, 2) : undefined;
      if (pair === undefined || pair.length !== 2) return undefined;
      const oid = readOid(bytes, pair[0]!);
      if (oid === undefined) return undefined;
      const short = SHORT_NAMES[oid];
      const text = short === undefined ? undefined : decodeDirectoryString(bytes, pair[1]!);
      values.push(text === undefined ? `${oid}=#${Buffer.from(bytes.subarray(pair[1]!.start, pair[1]!.end)).toString("hex")}` : `${short}=${escapeValue(text)}`);
    }
    parts.push(values.reverse().join("+"));
  }
  return parts.reverse().join(",");
}

function decodeDirectoryString(bytes: Uint8Array, tlv: Tlv): string | undefined {
  const content = Buffer.from(contentOf(bytes, tlv));
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x12: // NumericString
      return content.toString("utf8");
    case 0x14: // T61String, treated as Latin-1 like OpenSSL
      return content.toString("latin1");
    case 0x1e: // BMPString
      return content.length % 2 === 0 ? Buffer.from(content).swap16().toString("utf16le") : undefined;
    default:
      return undefined;
  }
}

/** RFC 2253 escaping as OpenSSL applies it: specials, leading #/space, trailing space, control and non-ASCII bytes. */
function escapeValue(value: string): string {
  let out = "";
  const utf8 = Buffer.from(value, "utf8");
  for (let i = 0; i < utf8.length; i++) {
    const b = utf8[i]!;
    const ch = String.fromCharCode(b);
    if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(16).toUpperCase().padStart(2, "0")}`;
    else if (',+"\\<>;'.includes(ch)) out += `\\${ch}`;
    else if ((i === 0 && (ch === "#" || ch === " ")) || (i === utf8.length - 1 && ch === " ")) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}
