/**
 * IP addresses as the approval policy compares them: parsed to bytes, IPv4-mapped IPv6 (::ffff:a.b.c.d)
 * unmapped to IPv4, printed in one canonical form (dotted quad, RFC 5952), and CIDR containment. Pure.
 */
import { isIPv4, isIPv6 } from "node:net";
import { formatIpAddress } from "../pki/x509-extensions.js";

export interface Cidr {
  text: string;
  bytes: Uint8Array;
  bits: number;
}

/** 4 or 16 bytes, IPv4-mapped IPv6 as 4; undefined when the text is no IP address. */
export function parseIp(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split(".").map(Number));
  if (!isIPv6(text) || text.includes("%")) return undefined;
  let s = text;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    // an embedded IPv4 tail (::ffff:10.0.0.1) becomes two hex groups
    const v4 = s.slice(lastColon + 1).split(".").map(Number);
    s = `${s.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const [head, rest] = s.includes("::") ? (s.split("::") as [string, string]) : [s, undefined];
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const h = parse(head);
  const r = rest === undefined ? [] : parse(rest);
  const fill = 8 - h.length - r.length;
  const groups = [...h, ...new Array<number>(rest === undefined ? 0 : Math.max(fill, 0)).fill(0), ...r];
  if (groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

/** The canonical text of an IP address (IPv4-mapped IPv6 unmapped), or undefined. */
export function canonicalIp(text: string): string | undefined {
  const b = parseIp(text);
  return b === undefined ? undefined : formatIpAddress(b, 0, b.length);
}

/** `10.96.0.0/12`, `fd00:10:96::/108`; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const bytes = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (bytes === undefined || !/^\d{1,3}$/.test(bitsText)) return undefined;
  let bits = Number(bitsText);
  // ::ffff:10.0.0.0/104 is 10.0.0.0/8 once unmapped
  const mappedIpv6 = bytes.length === 4 && text.slice(0, slash).includes(":");
  if (mappedIpv6) bits -= 96;
  if (bits < 0 || bits > bytes.length * 8) return undefined;
  return { text, bytes, bits };
}

export function cidrContains(cidr: Cidr, ip: Uint8Array): boolean {
  if (ip.length !== cidr.bytes.length) return false;
  for (let i = 0; i < cidr.bits; i++) {
    const mask = 0x80 >> i % 8;
    if ((ip[i >> 3]! & mask) !== (cidr.bytes[i >> 3]! & mask)) return false;
  }
  return true;
}
