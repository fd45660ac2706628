/**
 * A lenient companion to der.ts for sniffing keys, CSRs and PKCS#12: the same TLV shape and tags, but
 * readers return undefined instead of throwing, and lengths need not be minimally encoded.
 */
import { Tag as TAG, type Tlv } from "./der.js";

export { TAG, type Tlv };

/** Reads one TLV at `offset`; undefined when the header is malformed or the content overruns `limit`. */
export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  let pos = offset + 1;
  const first = bytes[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || pos + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++]!;
  }
  const end = pos + length;
  if (end > limit) return undefined;
  return { tag, start: offset, contentStart: pos, end };
}

/** Children of a constructed TLV; undefined when any child is malformed or there are more than `max`. */
export function readChildren(bytes: Uint8Array, parent: Tlv, max = 1024): Tlv[] | undefined {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const child = readTlv(bytes, pos, parent.end);
    if (child === undefined || out.length >= max) return undefined;
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Reads a TLV that must span exactly the whole input. */
export function readWhole(bytes: Uint8Array): Tlv | undefined {
  const tlv = readTlv(bytes, 0);
  return tlv !== undefined && tlv.end === bytes.length ? tlv : undefined;
}

export function contentOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

export function bytesOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** Small non-negative INTEGER value, or undefined when negative or wider than 6 bytes. */
export function readSmallInteger(bytes: Uint8Array, tlv: Tlv): number | undefined {
  if (tlv.tag !== TAG.INTEGER) return undefined;
  const content = contentOf(bytes, tlv);
  if (content.length === 0 || content.length > 7 || (content[0]! & 0x80) !== 0) return undefined;
  let value = 0;
  for (const b of content) value = value * 256 + b;
  return value <= Number.MAX_SAFE_INTEGER ? value : undefined;
}

/** Dotted form of an OBJECT IDENTIFIER. */
export function readOid(bytes: Uint8Array, tlv: Tlv): string | undefined {
  if (tlv.tag !== TAG.OID) return undefined;
  const content = contentOf(bytes, tlv);
  if (content.length === 0 || content.length > 64) return undefined;
  const parts: number[] = [];
  let value = 0;
  for (const b of content) {
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) return undefined;
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = value < 40 ? 0 : value < 80 ? 1 : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  if ((content[content.length - 1]! & 0x80) !== 0) return undefined;
  return parts.join(".");
}
