import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { hexSha256, toHex } from "./fingerprint.js";

describe("hexSha256", () => {
  it("matches openssl dgst -sha256, including for a view into a larger buffer", () => {
    const whole = Buffer.from("prefix|certdoctor fingerprint input|suffix");
    const view = whole.subarray(7, 35);
    const printed = execFileSync("openssl", ["dgst", "-sha256", "-r"], { input: view }).toString().split(" ")[0];
    assert.equal(hexSha256(view), printed);
    assert.equal(hexSha256(new Uint8Array(view)), printed);
    assert.match(hexSha256(new Uint8Array(0)), /^e3b0c442/);
  });

  it("toHex encodes only the view", () => {
    const whole = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
    assert.equal(toHex(whole.subarray(1, 3)), "adbe");
  });
});
