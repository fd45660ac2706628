import type { CertRecord } from "../model/cert.js";
import { expectTlv, failDer, readBitStringStart, readBoolean, readSmallUint, readTlv, Tag, type Tlv } from "./der.js";
import { decodeOid, extKeyUsageNames, keyUsageNames } from "./oids.js";

/** The extension fields of a CertRecord, filled in place by readExtensions. */
export type ExtensionFields = Pick<
  CertRecord,
  | "isCA"
  | "pathLength"
  | "keyUsage"
  | "extKeyUsage"
  | "dnsNames"
  | "ipAddresses"
  | "emailAddresses"
  | "uris"
  | "subjectKeyId"
  | "authorityKeyId"
>;

/** Upper bound on extensions per certificate; real ones carry about ten. */
const MAX_EXTENSIONS = 256;

/**
 * Reads the content [start, end) of the `Extensions` SEQUENCE and fills `out`. Unknown extensions are
 * skipped; a repeated extension is an error (RFC 5280 4.2, and OpenSSL marks such certificates invalid).
 */
export function readExtensions(buf: Buffer, start: number, end: number, out: ExtensionFields): void {
  const seen: Tlv[] = [];
  let pos = start;
  while (pos < end) {
    const ext = expectTlv(buf, pos, end, Tag.SEQUENCE, "Extension");
    const id = expectTlv(buf, ext.contentStart, ext.end, Tag.OID, "extnID");
    let next = readTlv(buf, id.end, ext.end);
    if (next.tag === Tag.BOOLEAN) {
      readBoolean(buf, next);
      next = readTlv(buf, next.end, ext.end);
    }
    if (next.tag !== Tag.OCTET_STRING || next.end !== ext.end) failDer("Extension value must be a final OCTET STRING");
    for (const other of seen) {
      if (sameBytes(buf, other, id)) failDer("repeated extension");
    }
    if (seen.length >= MAX_EXTENSIONS) failDer("too many extensions");
    seen.push(id);
    // id-ce extensions are 2.5.29.N, encoded 55 1d N.
    if (id.end - id.contentStart === 3 && buf[id.contentStart] === 0x55 && buf[id.contentStart + 1] === 0x1d) {
      readKnownExtension(buf, buf[id.contentStart + 2]!, next.contentStart, next.end, out);
    }
    pos = ext.end;
  }
}

function sameBytes(buf: Buffer, a: Tlv, b: Tlv): boolean {
  return a.end - a.contentStart === b.end - b.contentStart && buf.compare(buf, a.contentStart, a.end, b.contentStart, b.end) === 0;
}

function readKnownExtension(buf: Buffer, n: number, start: number, end: number, out: ExtensionFields): void {
  switch (n) {
    case 14: {
      const ski = expectTlv(buf, start, end, Tag.OCTET_STRING, "subjectKeyIdentifier");
      requireWhole(ski, end);
      out.subjectKeyId = buf.toString("hex", ski.contentStart, ski.end);
      return;
    }
    case 15:
      readKeyUsage(buf, expectTlv(buf, start, end, Tag.BIT_STRING, "keyUsage"), end, out);
      return;
    case 17:
      readSubjectAltNames(buf, expectTlv(buf, start, end, Tag.SEQUENCE, "subjectAltName"), end, out);
      return;
    case 19:
      readBasicConstraints(buf, expectTlv(buf, start, end, Tag.SEQUENCE, "basicConstraints"), end, out);
      return;
    case 35:
      readAuthorityKeyId(buf, expectTlv(buf, start, end, Tag.SEQUENCE, "authorityKeyIdentifier"), end, out);
      return;
    case 37:
      readExtKeyUsage(buf, expectTlv(buf, start, end, Tag.SEQUENCE, "extKeyUsage"), end, out);
      return;
  }
}

function requireWhole(tlv: Tlv, end: number): void {
  if (tlv.end !== end) failDer("trailing bytes in extension value");
}

function readKeyUsage(buf: Buffer, bits: Tlv, end: number, out: ExtensionFields): void {
  requireWhole(bits, end);
  const { start } = readBitStringStart(buf, bits);
  const names: string[] = [];
  for (let i = 0; i < keyUsageNames.length; i++) {
    const byte = start + (i >> 3);
    if (byte < bits.end && buf[byte]! & (0x80 >> (i & 7))) names.push(keyUsageNames[i]!);
  }
  out.keyUsage = names;
}

function readBasicConstraints(buf: Buffer, seq: Tlv, end: number, out: ExtensionFields): void {
  requireWhole(seq, end);
  let pos = seq.contentStart;
  if (pos < seq.end) {
    const t = readTlv(buf, pos, seq.end);
    if (t.tag === Tag.BOOLEAN) {
      out.isCA = readBoolean(buf, t);
      pos = t.end;
    }
  }
  if (pos < seq.end) {
    const len = expectTlv(buf, pos, seq.end, Tag.INTEGER, "pathLenConstraint");
    if (len.end !== seq.end) failDer("trailing bytes in basicConstraints");
    out.pathLength = readSmallUint(buf, len);
  }
}

function readAuthorityKeyId(buf: Buffer, seq: Tlv, end: number, out: ExtensionFields): void {
  requireWhole(seq, end);
  let pos = seq.contentStart;
  while (pos < seq.end) {
    const t = readTlv(buf, pos, seq.end);
    if (t.tag === 0x80) out.authorityKeyId = buf.toString("hex", t.contentStart, t.end);
    pos = t.end;
  }
}

function readExtKeyUsage(buf: Buffer, seq: Tlv, end: number, out: ExtensionFields): void {
  requireWhole(seq, end);
  const names: string[] = [];
  let pos = seq.contentStart;
  while (pos < seq.end) {
    const oid = expectTlv(buf, pos, seq.end, Tag.OID, "KeyPurposeId");
    const dotted = decodeOid(buf, oid.contentStart, oid.end);
    names.push(extKeyUsageNames[dotted] ?? dotted);
    pos = oid.end;
  }
  out.extKeyUsage = names;
}

function readSubjectAltNames(buf: Buffer, seq: Tlv, end: number, out: ExtensionFields): void {
  requireWhole(seq, end);
  let pos = seq.contentStart;
  while (pos < seq.end) {
    const gn = readTlv(buf, pos, seq.end);
    switch (gn.tag) {
      case 0x81:
        out.emailAddresses.push(buf.toString("latin1", gn.contentStart, gn.end));
        break;
      case 0x82:
        out.dnsNames.push(buf.toString("latin1", gn.contentStart, gn.end));
        break;
      case 0x86:
        out.uris.push(buf.toString("latin1", gn.contentStart, gn.end));
        break;
      case 0x87: {
        const ip = formatIpAddress(buf, gn.contentStart, gn.end);
        if (ip !== undefined) out.ipAddresses.push(ip);
        break;
      }
    }
    pos = gn.end;
  }
}

/** IPv4 dotted quad, or IPv6 in RFC 5952 form (lowercase, longest zero run compressed); undefined for other lengths. */
export function formatIpAddress(buf: Uint8Array, start: number, end: number): string | undefined {
  if (end - start === 4) return `${buf[start]}.${buf[start + 1]}.${buf[start + 2]}.${buf[start + 3]}`;
  if (end - start !== 16) return undefined;
  const groups: number[] = [];
  for (let i = start; i < end; i += 2) groups.push((buf[i]! << 8) | buf[i + 1]!);
  let bestAt = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestAt === -1) return groups.map((g) => g.toString(16)).join(":");
  const head = groups.slice(0, bestAt).map((g) => g.toString(16)).join(":");
  const tail = groups.slice(bestAt + bestLen).map((g) => g.toString(16)).join(":");
  return `${head}::${tail}`;
}
