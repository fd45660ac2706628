import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { MaterialStore } from "./material-store.js";

describe("MaterialStore", () => {
  it("returns exactly what was stored, across chunk boundaries and table growth", () => {
    const store = new MaterialStore();
    const kept = new Map<string, { tbs: Buffer; signature: Buffer; params?: Buffer }>();
    for (let i = 0; i < 6000; i++) {
      const tbs = randomBytes(500 + (i % 900));
      const signature = randomBytes(64 + (i % 200));
      const params = i % 7 === 0 ? randomBytes(12) : undefined;
      const fp = `fp${i}`;
      store.add(fp, { tbs, signature, spki: new Uint8Array(), signatureOid: i % 2 ? "1.2.840.113549.1.1.11" : "1.2.840.10045.4.3.2", ...(params ? { signatureParams: params } : {}) });
      kept.set(fp, { tbs, signature, ...(params ? { params } : {}) });
    }
    for (const [fp, want] of kept) {
      const got = store.get(fp);
      assert.ok(got);
      assert.ok(Buffer.from(got.tbs).equals(want.tbs), fp);
      assert.ok(Buffer.from(got.signature).equals(want.signature), fp);
      assert.equal(got.signatureParams === undefined, want.params === undefined);
      if (want.params) assert.ok(Buffer.from(got.signatureParams!).equals(want.params));
    }
    assert.equal(store.get("missing"), undefined);
  });

  it("keeps a copy: later changes to the source bytes do not leak in", () => {
    const store = new MaterialStore();
    const tbs = Buffer.from("signed bytes");
    store.add("x", { tbs, signature: Buffer.from("sig"), spki: new Uint8Array(), signatureOid: "1.2.3" });
    tbs.fill(0);
    assert.equal(Buffer.from(store.get("x")!.tbs).toString(), "signed bytes");
  });

  it("clear() forgets everything", () => {
    const store = new MaterialStore();
    store.add("x", { tbs: Buffer.from("a"), signature: Buffer.from("b"), spki: new Uint8Array(), signatureOid: "1.2.3" });
    store.clear();
    assert.equal(store.has("x"), false);
    assert.equal(store.get("x"), undefined);
  });
});
