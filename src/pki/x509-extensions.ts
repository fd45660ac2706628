import type { CertRecord, NameConstraints } from "../model/cert.js";
import { expectTlv, failDer, readBitStringStart, readBoolean, readSmallUint, readTlv, Tag, type Tlv } from "./der.js";
import { CertdoctorError } from "../errors.js";
import { isUtf8 } from "node:buffer";
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
  | "hasBasicConstraints"
  | "hasSan"
  | "nameConstraints"
  | "unhandledCritical"
>;

/** Upper bound on extensions per certificate; real ones carry about ten. */
const MAX_EXTENSIONS = 256;

/** id-ce extensions Go's parser handles (2.5.29.N); policy mappings (33), policy constraints (36) and inhibitAnyPolicy (54) since Go 1.22. */
const GO_HANDLED_CE = new Set([14, 15, 17, 19, 30, 31, 32, 33, 35, 36, 37, 54]);
/** id-pe-authorityInfoAccess 1.3.6.1.5.5.7.1.1, the one handled extension outside id-ce. */
const AIA_OID = Buffer.from([0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01]);

/**
 * Reads the content [start, end) of the `Extensions` SEQUENCE and fills `out`. Unknown extensions are
 * skipped; a repeated extension is recorded as a problem and its later occurrences ignored (Go refuses
 * such certificates, OpenSSL marks them invalid). Critical extensions Go does not handle are listed in
 * `unhandledCritical`, as Go's parser does.
 */
export function readExtensions(buf: Buffer, start: number, end: number, out: ExtensionFields, problems: string[]): void {
  const seen: Tlv[] = [];
  let pos = start;
  while (pos < end) {
    const ext = expectTlv(buf, pos, end, Tag.SEQUENCE, "Extension");
    const id = expectTlv(buf, ext.contentStart, ext.end, Tag.OID, "extnID");
    let next = readTlv(buf, id.end, ext.end);
    let critical = false;
    if (next.tag === Tag.BOOLEAN) {
      critical = readBoolean(buf, next);
      if (!critical && !problems.includes("critical-false-encoded")) problems.push("critical-false-encoded");
      next = readTlv(buf, next.end, ext.end);
    }
    if (next.tag !== Tag.OCTET_STRING || next.end !== ext.end) failDer("Extension value must be a final OCTET STRING");
    pos = ext.end;
    if (seen.some((other) => sameBytes(buf, other, id))) {
      if (!problems.includes("duplicate-extension")) problems.push("duplicate-extension");
      continue;
    }
    if (seen.length >= MAX_EXTENSIONS) failDer("too many extensions");
    seen.push(id);
    // id-ce extensions are 2.5.29.N, encoded 55 1d N.
    const ce = id.end - id.contentStart === 3 && buf[id.contentStart] === 0x55 && buf[id.contentStart + 1] === 0x1d ? buf[id.contentStart + 2]! : -1;
    const aia = ce === -1 && isOid(buf, id, AIA_OID);
    if (aia && !isGoReadableAia(buf, next.contentStart, next.end)) problems.push("aia-malformed");
    let unhandled = ce === -1 ? !aia : !GO_HANDLED_CE.has(ce);
    if (ce !== -1) unhandled = readKnownExtension(buf, ce, next.contentStart, next.end, out, problems) || unhandled;
    if (critical && unhandled) (out.unhandledCritical ??= []).push(decodeOid(buf, id.contentStart, id.end));
  }
}

/** AuthorityInfoAccess as Go reads it: a SEQUENCE of SEQUENCE { OID, [6] URI when the location is one }. */
function isGoReadableAia(buf: Buffer, start: number, end: number): boolean {
  try {
    const seq = expectTlv(buf, start, end, Tag.SEQUENCE, "authorityInfoAccess");
    for (let pos = seq.contentStart; pos < seq.end; ) {
      const access = expectTlv(buf, pos, seq.end, Tag.SEQUENCE, "AccessDescription");
      const method = expectTlv(buf, access.contentStart, access.end, Tag.OID, "accessMethod");
      if (method.end < access.end) readTlv(buf, method.end, access.end);
      pos = access.end;
    }
    return true;
  } catch (err) {
    if (err instanceof CertdoctorError) return false;
    throw err;
  }
}

function isOid(buf: Buffer, id: Tlv, oid: Buffer): boolean {
  return id.end - id.contentStart === oid.length && buf.compare(oid, 0, oid.length, id.contentStart, id.end) === 0;
}

function sameBytes(buf: Buffer, a: Tlv, b: Tlv): boolean {
  return a.end - a.contentStart === b.end - b.contentStart && buf.compare(buf, a.contentStart, a.end, b.contentStart, b.end) === 0;
}

/** Fills the fields of a known id-ce extension; returns true when Go would count it as unhandled (when critical). */
function readKnownExtension(buf: Buffer, n: number, start: number, end: number, out: ExtensionFields, problems: string[]): boolean {
  switch (n) {
    case 14: {
      const ski = expectTlv(buf, start, end, Tag.OCTET_STRING, "subjectKeyIdentifier");
      requireWhole(ski, end);
      out.subjectKeyId = buf.toString("hex", ski.contentStart, ski.end);
      return false;
    }
    case 15:
      readKeyUsage(buf, expectTlv(buf, start, end, Tag.BIT_STRING, "keyUsage"), end, out);
      return false;
    case 17:
      // Go handles a SAN only when it yields a DNS name, email, IP or URI. An unreadable SAN keeps the
      // certificate (lenient parsing): the names read so far stay, the problem is recorded.
      try {
        return !readSubjectAltNames(buf, expectTlv(buf, start, end, Tag.SEQUENCE, "subjectAltName"), end, out, problems);
      } catch (err) {
        if (!(err instanceof CertdoctorError)) throw err;
        // Go says "names" when the outer SEQUENCE is unreadable, "name" when one GeneralName is.
        let outerReadable = true;
        try {
          expectTlv(buf, start, end, Tag.SEQUENCE, "subjectAltName");
        } catch {
          outerReadable = false;
        }
        problems.push(outerReadable ? "malformed-san-name" : "malformed-san");
        out.hasSan = true;
        return false;
      }
    case 19:
      readBasicConstraints(buf, expectTlv(buf, start, end, Tag.SEQUENCE, "basicConstraints"), end, out);
      out.hasBasicConstraints = true;
      return false;
    case 30:
      return readNameConstraints(buf, expectTlv(buf, start, end, Tag.SEQUENCE, "nameConstraints"), end, out, problems);
    case 31: {
      const problem = goCrlDistributionPointsProblem(buf, start, end);
      if (problem !== undefined) problems.push(problem);
      return false;
    }
    case 35:
      readAuthorityKeyId(buf, expectTlv(buf, start, end, Tag.SEQUENCE, "authorityKeyIdentifier"), end, out);
      return false;
    case 37:
      readExtKeyUsage(buf, expectTlv(buf, start, end, Tag.SEQUENCE, "extKeyUsage"), end, out);
      return false;
  }
  return false;
}

/**
 * What Go's parser objects to in a cRLDistributionPoints value, if anything. Go reads each
 * DistributionPoint's fullName URIs and refuses any other distributionPoint form (a
 * nameRelativeToCRLIssuer) as well as any entry that is not a SEQUENCE.
 */
function goCrlDistributionPointsProblem(buf: Buffer, start: number, end: number): string | undefined {
  let seq: Tlv;
  try {
    seq = expectTlv(buf, start, end, Tag.SEQUENCE, "cRLDistributionPoints");
  } catch (err) {
    if (err instanceof CertdoctorError) return "crl-dp-malformed";
    throw err;
  }
  try {
    for (let pos = seq.contentStart; pos < seq.end; ) {
      const dp = expectTlv(buf, pos, seq.end, Tag.SEQUENCE, "DistributionPoint");
      pos = dp.end;
      // Without a distributionPoint [0] Go skips the entry unread.
      if (dp.contentStart === dp.end || buf[dp.contentStart] !== 0xa0) continue;
      const name = readTlv(buf, dp.contentStart, dp.end);
      const fullName = expectTlv(buf, name.contentStart, name.end, 0xa0, "fullName");
      // Go takes the leading URIs and stops at the first other name.
      for (let at = fullName.contentStart; at < fullName.end; ) {
        const gn = readTlv(buf, at, fullName.end);
        if (gn.tag !== 0x86) break;
        at = gn.end;
      }
    }
  } catch (err) {
    if (err instanceof CertdoctorError) return "crl-dp-unreadable";
    throw err;
  }
  return undefined;
}

/**
 * NameConstraints ::= SEQUENCE { permittedSubtrees [0] OPTIONAL, excludedSubtrees [1] OPTIONAL }, each a
 * SEQUENCE OF GeneralSubtree { base GeneralName, ... }. Go enforces dNSName, iPAddress, rfc822Name and
 * URI bases; any other base type (directoryName, ...) makes the extension unhandled (returns true).
 */
function readNameConstraints(buf: Buffer, seq: Tlv, end: number, out: ExtensionFields, problems: string[]): boolean {
  requireWhole(seq, end);
  const nc: NameConstraints = {
    permittedDns: [], excludedDns: [], permittedIp: [], excludedIp: [],
    permittedEmail: [], excludedEmail: [], permittedUri: [], excludedUri: [],
  };
  let unhandled = false;
  let subtreeBytes = 0;
  let pos = seq.contentStart;
  while (pos < seq.end) {
    const trees = readTlv(buf, pos, seq.end);
    pos = trees.end;
    if (trees.tag !== 0xa0 && trees.tag !== 0xa1) failDer("nameConstraints: unexpected field");
    subtreeBytes += trees.end - trees.contentStart;
    const permitted = trees.tag === 0xa0;
    let at = trees.contentStart;
    while (at < trees.end) {
      const subtree = expectTlv(buf, at, trees.end, Tag.SEQUENCE, "GeneralSubtree");
      at = subtree.end;
      const base = readTlv(buf, subtree.contentStart, subtree.end);
      const text = buf.toString("latin1", base.contentStart, base.end);
      switch (base.tag) {
        case 0x82:
          (permitted ? nc.permittedDns : nc.excludedDns).push(text);
          break;
        case 0x81:
          (permitted ? nc.permittedEmail : nc.excludedEmail).push(text);
          break;
        case 0x86:
          (permitted ? nc.permittedUri : nc.excludedUri).push(text);
          break;
        case 0x87: {
          const half = (base.end - base.contentStart) / 2;
          if (half !== 4 && half !== 16) {
            // Readable, but no address and mask: kept as a problem (Go refuses the certificate).
            problems.push(`nc-ip-length:${base.end - base.contentStart}`);
            break;
          }
          if (!isContiguousMask(buf, base.contentStart + half, base.end)) problems.push(`nc-ip-mask:${buf.toString("hex", base.contentStart + half, base.end)}`);
          const ip = formatIpAddress(buf, base.contentStart, base.contentStart + half)!;
          (permitted ? nc.permittedIp : nc.excludedIp).push(`${ip}/${countMaskBits(buf, base.contentStart + half, base.end)}`);
          break;
        }
        default:
          unhandled = true;
      }
    }
  }
  // RFC 5280 4.2.1.10: permittedSubtrees or excludedSubtrees must be present; Go refuses both absent or empty.
  if (subtreeBytes === 0) problems.push("nc-empty");
  out.nameConstraints = nc;
  return unhandled;
}

/** A netmask of one bits followed only by zero bits. */
function isContiguousMask(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && buf[i] === 0xff) i++;
  if (i === end) return true;
  // The partial byte must be ones then zeros: its complement is 2^k - 1.
  const zeros = ~buf[i]! & 0xff;
  if ((zeros & (zeros + 1)) !== 0) return false;
  for (i++; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Leading one bits of a netmask; a non-contiguous mask counts up to its first zero bit. */
function countMaskBits(buf: Buffer, start: number, end: number): number {
  let bits = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b === 0xff) {
      bits += 8;
      continue;
    }
    bits += Math.clz32(~b & 0xff) - 24;
    break;
  }
  return bits;
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

/** Fills the SAN lists; returns true when it found a name Go keeps (DNS, email, IP or URI). */
function readSubjectAltNames(buf: Buffer, seq: Tlv, end: number, out: ExtensionFields, problems: string[]): boolean {
  requireWhole(seq, end);
  out.hasSan = true;
  let found = false;
  let pos = seq.contentStart;
  if (pos === seq.end) problems.push("empty-san");
  while (pos < seq.end) {
    const gn = readTlv(buf, pos, seq.end);
    switch (gn.tag) {
      case 0x81:
        out.emailAddresses.push(readIa5(buf, gn, "email-san-not-ia5", problems));
        found = true;
        break;
      case 0x82:
        out.dnsNames.push(readIa5(buf, gn, "dns-san-not-ia5", problems));
        found = true;
        break;
      case 0x86: {
        const uri = readIa5(buf, gn, "uri-san-not-ia5", problems);
        // Go's url.Parse refuses ASCII control characters; the error quotes the URI the way Go's %q does.
        if (/[\x00-\x1f\x7f]/.test(uri) && !problems.includes("uri-san-not-ia5")) problems.push(`uri-san-control:${goQuote(uri)}`);
        out.uris.push(uri);
        found = true;
        break;
      }
      case 0x87: {
        const ip = formatIpAddress(buf, gn.contentStart, gn.end);
        if (ip !== undefined) {
          out.ipAddresses.push(ip);
          found = true;
        } else {
          problems.push(`ip-san-length:${gn.end - gn.contentStart}`);
        }
        break;
      }
    }
    pos = gn.end;
  }
  return found;
}

/** An IA5String SAN as text: ASCII as is; other bytes decoded as UTF-8 when they are valid UTF-8, else Latin-1; the latter two are recorded. */
function readIa5(buf: Buffer, t: Tlv, problem: string, problems: string[]): string {
  let ascii = true;
  for (let i = t.contentStart; i < t.end && ascii; i++) ascii = buf[i]! < 0x80;
  if (ascii) return buf.toString("latin1", t.contentStart, t.end);
  if (!problems.includes(problem)) problems.push(problem);
  return ia5Text(buf.subarray(t.contentStart, t.end));
}

/** Bytes of an IA5String as people read them: UTF-8 when they are valid UTF-8 (what a mis-encoding tool meant), else Latin-1. */
export function ia5Text(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString("utf8") : bytes.toString("latin1");
}

const GO_ESCAPES: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 0x22: '\\"', 0x5c: "\\\\" };

/** An ASCII string as Go's strconv.Quote (fmt %q) writes it. */
function goQuote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const escaped = GO_ESCAPES[c];
    if (escaped !== undefined) out += escaped;
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += text[i];
  }
  return out + '"';
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
