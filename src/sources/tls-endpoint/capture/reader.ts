/**
 * A bounds-checked reader over bytes a server sent. Every length is checked against what remains
 * before it is used; a short or overlong field throws MalformedTls, which the capture turns into a
 * fall-back to node:tls. Sub-readers share the buffer (no copies) and cannot read past their vector.
 */
export class MalformedTls extends Error {
  constructor(what: string) {
    super(`malformed TLS: ${what}`);
    this.name = "MalformedTls";
  }
}

export class TlsReader {
  private pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what = "message",
  ) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  get atEnd(): boolean {
    return this.pos === this.bytes.length;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = (this.bytes[this.pos]! << 8) | this.bytes[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = (this.bytes[this.pos]! << 16) | (this.bytes[this.pos + 1]! << 8) | this.bytes[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A vector with a 1-, 2- or 3-byte length prefix, as its own reader. */
  vec(lengthBytes: 1 | 2 | 3, what = this.what): TlsReader {
    const n = lengthBytes === 1 ? this.u8() : lengthBytes === 2 ? this.u16() : this.u24();
    return new TlsReader(this.take(n), what);
  }

  /** Fails unless every byte was read (a vector with trailing bytes is malformed). */
  end(): void {
    if (!this.atEnd) throw new MalformedTls(`${this.remaining} trailing bytes in ${this.what}`);
  }

  private need(n: number): void {
    if (n > this.bytes.length - this.pos) throw new MalformedTls(`${this.what} is truncated`);
  }
}
