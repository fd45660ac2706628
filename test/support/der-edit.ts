/**
 * A small DER tree editor for tests that craft certificates openssl will not make: decode into nodes, change
 * them, encode again (lengths recomputed; a node can ask for a non-minimal long-form length).
 */

export interface Node {
  tag: number;
  /** Content bytes (for primitives) or children (constructed). */
  bytes?: Buffer;
  kids?: Node[];
  /** Force a long-form (non-minimal) length on this node when encoding. */
  longLength?: boolean;
}

export function decode(buf: Buffer, start = 0, end = buf.length): Node[] {
  const out: Node[] = [];
  let pos = start;
  while (pos < end) {
    const tag = buf[pos]!;
    let len = buf[pos + 1]!;
    let at = pos + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[at + i]!;
      at += n;
    }
    const content = buf.subarray(at, at + len);
    // Constructed tags, and OCTET STRINGs holding extension values (tag 0x04 under an Extension) stay bytes.
    out.push(tag & 0x20 ? { tag, kids: decode(buf, at, at + len) } : { tag, bytes: Buffer.from(content) });
    pos = at + len;
  }
  return out;
}

export function encode(n: Node): Buffer {
  const content = n.kids ? Buffer.concat(n.kids.map(encode)) : n.bytes!;
  const len = content.length;
  let header: number[];
  if (len < 0x80 && !n.longLength) header = [n.tag, len];
  else {
    const bytes: number[] = [];
    for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
    if (bytes.length === 0) bytes.push(0);
    header = [n.tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), content]);
}
