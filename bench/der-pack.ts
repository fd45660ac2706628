/** Length-prefixed DER lists: how signing workers hand certificates back to the parent. */

/** Encodes DERs as [u32be length][bytes]... */
export function packDers(ders: Uint8Array[]): Buffer {
  const total = ders.reduce((n, d) => n + 4 + d.length, 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const d of ders) {
    out.writeUInt32BE(d.length, at);
    out.set(d, at + 4);
    at += 4 + d.length;
  }
  return out;
}

export function unpackDers(buf: Buffer): Uint8Array[] {
  const ders: Uint8Array[] = [];
  for (let at = 0; at + 4 <= buf.length; ) {
    const len = buf.readUInt32BE(at);
    ders.push(buf.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return ders;
}
