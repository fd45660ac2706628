import type { CertMaterial } from "../model/cert.js";

const CHUNK_BYTES = 4 * 1024 * 1024;
const NO_PARAMS = -1;

/**
 * The signature material of every certificate a parse unit saw, kept until verification: the signed
 * TBS bytes and the signature, copied into large shared chunks with their offsets in typed arrays.
 * Per certificate this costs ~1 KB of chunk space and no JS objects (a Map of views per certificate
 * cost ~450 bytes of heap each, 50,000 times per worker).
 */
export class MaterialStore {
  private readonly slots = new Map<string, number>();
  private readonly chunks: Buffer[] = [];
  private chunkUsed = CHUNK_BYTES;
  private readonly oids: string[] = [];
  private readonly params: Uint8Array[] = [];
  // per slot: chunk index, tbs start, tbs length, signature start, signature length, oid index, params index
  private table = new Int32Array(7 * 1024);
  private count = 0;
  private readonly oidIndex = new Map<string, number>();

  has(fingerprint: string): boolean {
    return this.slots.has(fingerprint);
  }

  add(fingerprint: string, m: CertMaterial): void {
    const size = m.tbs.length + m.signature.length;
    if (this.chunkUsed + size > CHUNK_BYTES) {
      this.chunks.push(Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, size)));
      this.chunkUsed = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1]!;
    const tbsStart = this.chunkUsed;
    chunk.set(m.tbs, tbsStart);
    chunk.set(m.signature, tbsStart + m.tbs.length);
    this.chunkUsed += size;
    let oid = this.oidIndex.get(m.signatureOid);
    if (oid === undefined) {
      oid = this.oids.push(m.signatureOid) - 1;
      this.oidIndex.set(m.signatureOid, oid);
    }
    const params = m.signatureParams === undefined ? NO_PARAMS : this.params.push(m.signatureParams.slice()) - 1;
    if ((this.count + 1) * 7 > this.table.length) {
      const grown = new Int32Array(this.table.length * 2);
      grown.set(this.table);
      this.table = grown;
    }
    this.table.set([this.chunks.length - 1, tbsStart, m.tbs.length, tbsStart + m.tbs.length, m.signature.length, oid, params], this.count * 7);
    this.slots.set(fingerprint, this.count++);
  }

  /** Views for verifying `fingerprint`'s signature (no SPKI: a child's own key is not needed). */
  get(fingerprint: string): Omit<CertMaterial, "spki"> | undefined {
    const slot = this.slots.get(fingerprint);
    if (slot === undefined) return undefined;
    const t = this.table.subarray(slot * 7, slot * 7 + 7);
    const chunk = this.chunks[t[0]!]!;
    const material: Omit<CertMaterial, "spki"> = {
      tbs: chunk.subarray(t[1]!, t[1]! + t[2]!),
      signature: chunk.subarray(t[3]!, t[3]! + t[4]!),
      signatureOid: this.oids[t[5]!]!,
    };
    if (t[6]! !== NO_PARAMS) material.signatureParams = this.params[t[6]!]!;
    return material;
  }

  clear(): void {
    this.slots.clear();
    this.chunks.length = 0;
    this.params.length = 0;
    this.table = new Int32Array(7 * 1024);
    this.count = 0;
    this.chunkUsed = CHUNK_BYTES;
  }
}
