import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import forge from "node-forge";
import { ErrorCode } from "../errors.js";
import { createKdfBudget, kdfLeft } from "./kdf-budget.js";
import { DerivationMeter, nativePkcs12Kdf } from "./pkcs12-kdf.js";

describe("nativePkcs12Kdf", () => {
  it("derives exactly what forge's RFC 7292 B.2 implementation derives (property)", () => {
    const mds = [() => forge.md.sha1.create(), () => forge.md.sha256.create(), () => forge.md.sha384.create(), () => forge.md.sha512.create()];
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 70 }), fc.nat(3), (password, salt, id, iter, n, m) => {
        const saltBuf = () => forge.util.createBuffer(Buffer.from(salt).toString("latin1"));
        const want = (forge as unknown as { pbe: { generatePkcs12Key: (...a: unknown[]) => forge.util.ByteStringBuffer } }).pbe.generatePkcs12Key(password, saltBuf(), id, iter, n, mds[m]!()).bytes();
        assert.equal(nativePkcs12Kdf([password, saltBuf(), id, iter, n, mds[m]!()])!.bytes(), want);
      }),
      { numRuns: 200 },
    );
  });
});

describe("DerivationMeter", () => {
  it("refuses past the count cap, past the bundle's budget and past the scan's, taking nothing it refuses", () => {
    const scan = createKdfBudget(1000);
    const meter = new DerivationMeter({ perDerivation: 400, perBundle: 700, scan });
    assert.equal(meter.refuse(300), undefined);
    assert.equal(meter.refuse(401)?.code, ErrorCode.ERR_KDF_ITERATIONS);
    assert.equal(meter.refuse(Infinity)?.code, ErrorCode.ERR_KDF_ITERATIONS);
    const fresh = new DerivationMeter({ perDerivation: 400, perBundle: 700, scan });
    assert.equal(fresh.refuse(300, 600), undefined);
    assert.equal(fresh.refuse(200)?.code, ErrorCode.ERR_KDF_BUDGET);
    assert.equal(kdfLeft(scan), 100);
    assert.equal(new DerivationMeter({ perDerivation: 400, perBundle: 700, scan }).refuse(101)?.code, ErrorCode.ERR_KDF_BUDGET);
    assert.equal(kdfLeft(scan), 100);
  });
});
