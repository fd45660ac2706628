import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { showUtf8 } from "./display-text.js";

describe("showUtf8: names for people", () => {
  const table: Array<[string, string, string]> = [
    ["Turkish and German letters", "CN=Do\\C4\\9Fan \\C3\\87elik,O=M\\C3\\BCller", "CN=Doğan Çelik,O=Müller"],
    ["CJK (3 bytes) and emoji (4 bytes)", "CN=\\E6\\9D\\B1\\E4\\BA\\AC \\F0\\9F\\94\\92", "CN=東京 🔒"],
    ["ASCII escapes stay (RFC 2253 specials and control bytes)", "CN=a\\,b\\+c,OU=\\0A\\1B", "CN=a\\,b\\+c,OU=\\0A\\1B"],
    ["C1 control characters stay escaped", "CN=x\\C2\\9By", "CN=x\\C2\\9By"],
    ["a right-to-left override stays escaped", "CN=gpj\\E2\\80\\AEexe.crt", "CN=gpj\\E2\\80\\AEexe.crt"],
    ["a zero-width space stays escaped", "CN=ad\\E2\\80\\8Bmin", "CN=ad\\E2\\80\\8Bmin"],
    ["malformed UTF-8 stays escaped byte by byte", "CN=\\C3\\28 \\E2\\82", "CN=\\C3\\28 \\E2\\82"],
    ["an overlong encoding is not decoded", "CN=\\C0\\AF", "CN=\\C0\\AF"],
    ["a literal backslash before hex is not an escape", "path C:\\\\C3\\A9", "path C:\\\\C3\\A9"],
    ["text without escapes is returned as it is", "CN=kubernetes", "CN=kubernetes"],
  ];
  for (const [sentence, input, want] of table) it(sentence, () => assert.equal(showUtf8(input), want));

  it("is the inverse of escaping every non-ASCII byte, for any text without control or format characters", () => {
    const printable = fc.string({ unit: "grapheme", maxLength: 30 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\\]/.test(s));
    fc.assert(
      fc.property(printable, (s) => {
        const escaped = [...Buffer.from(s, "utf8")].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
        assert.equal(showUtf8(escaped), s);
      }),
    );
  });

  it("never produces a control character, whatever the escapes", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 }), (bytes) => {
        const escaped = bytes.map((b) => `\\${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
        assert.doesNotMatch(showUtf8(escaped), /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
      }),
    );
  });
});
