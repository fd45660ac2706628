import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { domainToASCII, domainToUnicode } from "node:url";
import fc from "fast-check";
import { decodePunycode, showDnsName } from "./idna.js";

describe("decodePunycode (RFC 3492)", () => {
  const samples: Array<[string, string, string]> = [
    ["7.1 (B) Chinese (simplified)", "ihqwcrb4cv8a8dqg056pqjye", "他们为什么不说中文"],
    ["7.1 (I) Russian", "b1abfaaepdrnnbgefbadotcwatmq2g4l", "почемужеонинеговорятпорусски"],
    ["7.1 (L) mixed case kept as encoded", "3B-ww4c5e180e575a65lsy2b", "3年B組金八先生"],
    ["basic code points before the last hyphen", "bcher-kva", "bücher"],
  ];
  for (const [sentence, input, want] of samples) it(sentence, () => assert.equal(decodePunycode(input), want));
  it("a lone digit is the code point just past ASCII", () => assert.equal(decodePunycode("a"), "\u0080"));

  it("refuses what is not Punycode: a non-digit, a truncated delta, an overflow, a label over 63 characters", () => {
    for (const bad of ["ab!", "bcher-kv9", "99999999999", `${"a".repeat(60)}-kva`]) assert.equal(decodePunycode(bad), undefined, bad);
  });

  it("decodes every label WHATWG's domainToASCII encodes back to what domainToUnicode gives", () => {
    const letters = fc.constantFrom(..."abcdefäöüßéèçñøåłśźżčřžабвгдежзийклмнопрстуфхцчшщыэюяαβγδεζηθικλμνξοπρστυφχψω中文日本語한국어ไทยעבריתالعربية0123456789");
    fc.assert(
      fc.property(fc.array(letters, { minLength: 1, maxLength: 20 }), (chars) => {
        const ascii = domainToASCII(chars.join(""));
        fc.pre(ascii.startsWith("xn--"));
        assert.equal(decodePunycode(ascii.slice(4)), domainToUnicode(ascii));
      }),
    );
  });
});

describe("showDnsName: DNS SANs for people", () => {
  const table: Array<[string, string, string]> = [
    ["an A-label is followed by its Unicode form", "xn--bcher-kva.example", "xn--bcher-kva.example (bücher.example)"],
    ["every label is decoded, also the top-level domain", "xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai (пример.рф)"],
    ["a wildcard stays", "*.xn--mnchen-3ya.de", "*.xn--mnchen-3ya.de (*.münchen.de)"],
    ["a plain name is shown as it is", "kubernetes.default.svc", "kubernetes.default.svc"],
    ["invalid Punycode is left alone", "xn--ab!.example", "xn--ab!.example"],
    ["a Cyrillic letter among Latin ones is not decoded (pаypal)", "xn--pypal-4ve.com", "xn--pypal-4ve.com"],
    ["a decoded dot-like character is not decoded (a⒈)", "xn--a-ecp.example", "xn--a-ecp.example"],
    ["an A-label of plain ASCII is not decoded", "xn--abc-.example", "xn--abc-.example"],
    ["a decoded control character (U+0080) is not decoded", "xn--a.example", "xn--a.example"],
  ];
  for (const [sentence, input, want] of table) it(sentence, () => assert.equal(showDnsName(input), want));
});
