import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { countIntegerBits, readBitStringStart, readBoolean, readSmallUint, readTime, readTlv, Tag, withTolerance, type Tlv } from "./der.js";

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ""), "hex");
const isDerError = (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_DER_INVALID;

/** A view that fails the test on any read outside [0, length), which a plain Uint8Array turns into a silent undefined. */
function guarded(bytes: Uint8Array): Uint8Array {
  return new Proxy(bytes, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && /^-?\d+$/.test(prop)) {
        const i = Number(prop);
        if (i < 0 || i >= target.length) throw new Error(`out-of-bounds read at ${i} of ${target.length}`);
        return target[i];
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

describe("readTlv", () => {
  const ok: { name: string; bytes: string; want: Omit<Tlv, "start"> }[] = [
    { name: "short length", bytes: "04 02 aa bb", want: { tag: 4, contentStart: 2, end: 4 } },
    { name: "empty value", bytes: "05 00", want: { tag: 5, contentStart: 2, end: 2 } },
    { name: "long form, 1 byte", bytes: "04 81 80" + "00".repeat(128), want: { tag: 4, contentStart: 3, end: 131 } },
    { name: "long form, 2 bytes", bytes: "30 82 01 00" + "00".repeat(256), want: { tag: 0x30, contentStart: 4, end: 260 } },
  ];
  for (const c of ok) {
    it(c.name, () => assert.deepEqual(readTlv(hex(c.bytes), 0, hex(c.bytes).length), { start: 0, ...c.want }));
  }

  const bad: { name: string; bytes: string }[] = [
    { name: "empty input", bytes: "" },
    { name: "tag without length", bytes: "30" },
    { name: "indefinite length", bytes: "30 80 00 00" },
    { name: "5 length bytes", bytes: "04 85 00 00 00 00 01 00" },
    { name: "non-minimal long form", bytes: "04 81 05 0102030405" },
    { name: "leading zero length byte", bytes: "04 82 00 85" + "00".repeat(133) },
    { name: "length past the end", bytes: "04 05 01 02" },
    { name: "truncated length field", bytes: "04 82 01" },
    { name: "multi-byte tag", bytes: "1f 81 01 00" },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => assert.throws(() => readTlv(hex(c.bytes), 0, hex(c.bytes).length), isDerError));
  }

  it("respects a limit shorter than the buffer", () => {
    assert.throws(() => readTlv(hex("04 03 01 02 03"), 0, 4), isDerError);
  });

  it("never reads outside the buffer and keeps offsets inside the limit (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(80), fc.nat(80), (bytes, pos, limit) => {
        try {
          const t = readTlv(guarded(bytes), pos, limit);
          assert.ok(t.start === pos && t.start < t.contentStart && t.contentStart <= t.end && t.end <= Math.min(limit, bytes.length));
        } catch (e) {
          if (!isDerError(e)) throw e;
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it("walking random nested structures never reads out of bounds (property)", () => {
    const walk = (buf: Uint8Array, start: number, end: number, depth: number): void => {
      let pos = start;
      while (pos < end) {
        const t = readTlv(buf, pos, end);
        if (t.tag & 0x20 && depth < 32) walk(buf, t.contentStart, t.end, depth + 1);
        if (t.tag === Tag.BIT_STRING) readBitStringStart(buf, t);
        if (t.tag === Tag.INTEGER) countIntegerBits(buf, t.contentStart, t.end);
        if (t.tag === Tag.UTC_TIME || t.tag === Tag.GENERALIZED_TIME) readTime(buf, t);
        pos = t.end;
      }
    };
    const nested = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.tuple(fc.constantFrom(0x02, 0x03, 0x04, 0x17, 0x18), fc.uint8Array({ maxLength: 20 })).map(([tag, body]) => Buffer.concat([Buffer.from([tag, body.length]), body])),
        fc.array(tie("node"), { maxLength: 4 }).map((kids) => {
          const body = Buffer.concat(kids as Buffer[]);
          return body.length < 128 ? Buffer.concat([Buffer.from([0x30, body.length]), body]) : Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 255]), body]);
        }),
      ),
    })).node;
    fc.assert(
      fc.property(nested, fc.nat(), fc.integer({ min: 0, max: 255 }), (der, at, value) => {
        const bytes = Buffer.from(der as Buffer);
        if (bytes.length > 0) bytes[at % bytes.length] = value;
        try {
          walk(guarded(bytes), 0, bytes.length, 0);
        } catch (e) {
          if (!isDerError(e)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe("primitive readers", () => {
  const tlvOf = (h: string) => {
    const b = hex(h);
    return { b, t: readTlv(b, 0, b.length) };
  };

  it("BOOLEAN is strict DER", () => {
    assert.equal(readBoolean(tlvOf("01 01 ff").b, tlvOf("01 01 ff").t), true);
    assert.equal(readBoolean(tlvOf("01 01 00").b, tlvOf("01 01 00").t), false);
    assert.throws(() => readBoolean(tlvOf("01 01 01").b, tlvOf("01 01 01").t), isDerError);
    assert.throws(() => readBoolean(tlvOf("01 02 ff ff").b, tlvOf("01 02 ff ff").t), isDerError);
  });

  it("small INTEGERs: minimal, non-negative", () => {
    const read = (h: string) => readSmallUint(tlvOf(h).b, tlvOf(h).t);
    assert.equal(read("02 01 00"), 0);
    assert.equal(read("02 02 00 80"), 128);
    assert.equal(read("02 03 01 00 00"), 65536);
    for (const h of ["02 00", "02 01 80", "02 02 00 7f", "02 07 01 00 00 00 00 00 00"]) assert.throws(() => read(h), isDerError, h);
  });

  it("INTEGER bit length ignores the sign byte", () => {
    const b = hex("00 80 00");
    assert.equal(countIntegerBits(b, 0, 3), 16);
    assert.equal(countIntegerBits(hex("01"), 0, 1), 1);
    assert.equal(countIntegerBits(hex("00"), 0, 1), 0);
  });

  it("BIT STRING unused-bits byte", () => {
    assert.deepEqual(readBitStringStart(tlvOf("03 02 07 80").b, tlvOf("03 02 07 80").t), { unused: 7, start: 3 });
    for (const h of ["03 00", "03 01 01", "03 02 08 00"]) assert.throws(() => readBitStringStart(tlvOf(h).b, tlvOf(h).t), isDerError, h);
  });
});

describe("readTime", () => {
  const time = (tag: number, text: string) => {
    const b = Buffer.concat([Buffer.from([tag, text.length]), Buffer.from(text, "latin1")]);
    return readTime(b, readTlv(b, 0, b.length));
  };
  const rows: { name: string; tag: number; text: string; want: number }[] = [
    { name: "UTCTime 49 is 2049", tag: Tag.UTC_TIME, text: "491231235959Z", want: Date.UTC(2049, 11, 31, 23, 59, 59) },
    { name: "UTCTime 50 is 1950", tag: Tag.UTC_TIME, text: "500101000000Z", want: Date.UTC(1950, 0, 1) },
    { name: "UTCTime before the epoch", tag: Tag.UTC_TIME, text: "600229120000Z", want: Date.UTC(1960, 1, 29, 12) },
    { name: "GeneralizedTime 9999", tag: Tag.GENERALIZED_TIME, text: "99991231235959Z", want: Date.UTC(9999, 11, 31, 23, 59, 59) },
    { name: "GeneralizedTime leap day 2000", tag: Tag.GENERALIZED_TIME, text: "20000229000000Z", want: Date.UTC(2000, 1, 29) },
  ];
  for (const r of rows) it(r.name, () => assert.equal(time(r.tag, r.text), r.want));

  const bad: [number, string][] = [
    [Tag.UTC_TIME, "2301010000Z"], // no seconds
    [Tag.UTC_TIME, "230101000000+0100"],
    [Tag.UTC_TIME, "230230000000Z"], // Feb 30
    [Tag.GENERALIZED_TIME, "21000229000000Z"], // 2100 is not a leap year
    [Tag.GENERALIZED_TIME, "20231301000000Z"],
    [Tag.GENERALIZED_TIME, "20230101000000.5Z"],
    [Tag.GENERALIZED_TIME, "2023010100000aZ"],
    [Tag.OCTET_STRING, "20230101000000Z"],
  ];
  for (const [tag, text] of bad) it(`rejects ${text} (tag ${tag})`, () => assert.throws(() => time(tag, text), isDerError));

  /** readTime inside a certificate parse, where the BER forms of UTCTime are tolerated and recorded. */
  const tolerant = (text: string) => {
    const problems: string[] = [];
    const value = withTolerance(problems, () => time(Tag.UTC_TIME, text));
    return { value, problems };
  };
  it("tolerates UTCTime without seconds or with an offset while a certificate is read, converting to UTC", () => {
    assert.deepEqual(tolerant("2301010000Z"), { value: Date.UTC(2023, 0, 1), problems: ["utctime-no-seconds"] });
    assert.deepEqual(tolerant("230101000000+0100"), { value: Date.UTC(2022, 11, 31, 23), problems: ["utctime-offset"] });
    assert.deepEqual(tolerant("2301010000-0130"), { value: Date.UTC(2023, 0, 1, 1, 30), problems: ["utctime-offset", "utctime-no-seconds"] });
    assert.deepEqual(tolerant("230101000000-0000"), { value: Date.UTC(2023, 0, 1), problems: ["utctime-zero-offset"] });
    for (const text of ["230101000000+2400", "230101000000+0160", "230101000000+01", "230101000000Z0", "2301010000+0100Z"]) {
      assert.throws(() => tolerant(text), isDerError, text);
    }
  });

  it("agrees with Date for every UTCTime with an offset (property)", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(Date.UTC(1950, 0, 2)), max: new Date(Date.UTC(2049, 11, 30)), noInvalidDate: true }), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), (d, offsetMinutes) => {
        d.setUTCMilliseconds(0);
        const local = new Date(d.getTime() + offsetMinutes * 60_000);
        const p = (n: number, w = 2) => String(n).padStart(w, "0");
        const zone = `${offsetMinutes < 0 ? "-" : "+"}${p(Math.floor(Math.abs(offsetMinutes) / 60))}${p(Math.abs(offsetMinutes) % 60)}`;
        const text = `${p(local.getUTCFullYear() % 100)}${p(local.getUTCMonth() + 1)}${p(local.getUTCDate())}${p(local.getUTCHours())}${p(local.getUTCMinutes())}${p(local.getUTCSeconds())}${zone}`;
        assert.equal(tolerant(text).value, d.getTime());
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees with Date.UTC for every valid GeneralizedTime (property)", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(Date.UTC(1, 0, 1)), max: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)), noInvalidDate: true }), (d) => {
        d.setUTCMilliseconds(0);
        const p = (n: number, w: number) => String(n).padStart(w, "0");
        const text = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1, 2)}${p(d.getUTCDate(), 2)}${p(d.getUTCHours(), 2)}${p(d.getUTCMinutes(), 2)}${p(d.getUTCSeconds(), 2)}Z`;
        assert.equal(time(Tag.GENERALIZED_TIME, text), d.getTime());
      }),
      { numRuns: 5000 },
    );
  });
});
