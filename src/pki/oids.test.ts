import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { decodeOid } from "./oids.js";
import { makeOpensslDir } from "../../test/support/openssl.js";

/** OBJECT IDENTIFIER TLV bytes as openssl encodes `dotted`. */
function encodeWithOpenssl(dotted: string): Buffer {
  const o = makeOpensslDir();
  try {
    o.run("asn1parse", "-genstr", `OID:${dotted}`, "-noout", "-out", "oid.der");
    return o.read("oid.der");
  } finally {
    o.cleanup();
  }
}

/** Reference encoder for the property test (BigInt, written from X.690 8.19 independently of the decoder). */
function encodeArcs(arcs: bigint[]): Buffer {
  const out: number[] = [];
  const pushArc = (v: bigint) => {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  };
  pushArc(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) pushArc(a);
  return Buffer.from(out);
}

describe("decodeOid", () => {
  for (const dotted of ["1.2.840.113549.1.1.11", "2.5.4.3", "0.9.2342.19200300.100.1.25", "1.3.6.1.4.1.311.60.2.1.3", "2.999.3", "2.25.329800735698586629295641978511506172918"]) {
    it(`decodes ${dotted} as openssl encodes it`, () => {
      const der = encodeWithOpenssl(dotted);
      assert.equal(der[0], 0x06);
      assert.equal(decodeOid(der, 2, der.length), dotted);
    });
  }

  it("rejects empty, unterminated, non-minimal and oversized OIDs", () => {
    const bad = [Buffer.alloc(0), Buffer.from([0x2a, 0x86]), Buffer.from([0x2a, 0x80, 0x01]), Buffer.alloc(200, 0x01)];
    for (const b of bad) assert.throws(() => decodeOid(b, 0, b.length), (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_DER_INVALID);
  });

  it("round-trips arbitrary arcs, including ones beyond 2^53 (property)", () => {
    const arcs = fc.tuple(
      fc.integer({ min: 0, max: 2 }),
      fc.bigInt({ min: 0n, max: 39n }),
      fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 2n ** 130n })), { maxLength: 8 }),
    ).map(([a, b, rest]) => [BigInt(a), b, ...rest]);
    fc.assert(
      fc.property(arcs, (a) => {
        const der = encodeArcs(a);
        if (der.length <= 128) assert.equal(decodeOid(der, 0, der.length), a.join("."));
        else assert.throws(() => decodeOid(der, 0, der.length), CertdoctorError, "over the 128-byte bound");
      }),
      { numRuns: 3000 },
    );
  });
});
