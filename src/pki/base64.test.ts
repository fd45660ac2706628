import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeBase64 } from "./base64.js";

describe("decodeBase64", () => {
  const rows = [
    { name: "plain", text: "aGVsbG8=", want: "hello" },
    { name: "two pad characters", text: "aGk=", want: "hi" },
    { name: "PEM-wrapped with LF", text: "\naGVs\nbG8=\n", want: "hello" },
    { name: "PEM-wrapped with CRLF", text: "\r\naGVs\r\nbG8=\r\n", want: "hello" },
    { name: "spaces and tabs", text: " aGVs\tbG8= ", want: "hello" },
    { name: "unpadded", text: "aGk", want: "hi" },
    { name: "empty", text: "", want: "" },
    { name: "bad character", text: "aGVs!G8=", want: undefined },
    { name: "padding in the middle", text: "aGk=aGk=", want: undefined },
    { name: "one dangling character", text: "aGVsbA", want: "hell" },
    { name: "length 4n+1", text: "aGVsb", want: undefined },
    { name: "three pad characters", text: "aG===", want: undefined },
    { name: "url-safe alphabet is not standard base64", text: "a-_b", want: undefined },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const got = decodeBase64(row.text);
      assert.equal(got === undefined ? undefined : got.toString("latin1"), row.want);
    });
  }

  it("round-trips any bytes, wrapped or not", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 4, max: 76 }), (bytes, width) => {
        const b64 = Buffer.from(bytes).toString("base64");
        assert.deepEqual(decodeBase64(b64), Buffer.from(bytes));
        const wrapped = (b64.match(new RegExp(`.{1,${width}}`, "g")) ?? []).join("\n");
        assert.deepEqual(decodeBase64(wrapped), Buffer.from(bytes));
      }),
    );
  });

  it("never accepts a string with a character outside the alphabet", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const got = decodeBase64(text);
        if (/[^A-Za-z0-9+/=\s]/.test(text)) assert.equal(got, undefined);
      }),
      { numRuns: 2000 },
    );
  });
});
