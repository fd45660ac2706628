import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { PAINT } from "./terminal-safe.js";
import { visibleWidth, wrap } from "./wrap.js";

describe("visibleWidth", () => {
  const rows = [
    { s: "plain", want: 5 },
    { s: "\x1b[1mbold\x1b[0m", want: 4 },
    { s: `${PAINT.red}red${PAINT.reset}`, want: 3 },
    { s: "😀é", want: 2 },
    { s: "", want: 0 },
  ];
  for (const row of rows) it(JSON.stringify(row.s), () => assert.equal(visibleWidth(row.s), row.want));
});

describe("wrap", () => {
  it("breaks between words at the width, with a first indent and a hanging one", () => {
    assert.deepEqual(wrap("one two three four five", 11, "- ", "  "), ["- one two", "  three", "  four five"]);
  });

  it("counts coloured words by what shows: bold words wrap like plain ones", () => {
    const plain = "aaaa bbbb cccc dddd";
    const bold = plain.split(" ").map((w) => `\x1b[1m${w}\x1b[0m`).join(" ");
    const painted = plain.split(" ").map((w) => `${PAINT.bold}${w}${PAINT.reset}`).join(" ");
    const shape = (lines: string[]) => lines.map((l) => l.replace(/\x1b\[[0-9;]*m|[\ue000-\ue004]/g, ""));
    assert.deepEqual(shape(wrap(bold, 10, "", "")), wrap(plain, 10, "", ""));
    assert.deepEqual(shape(wrap(painted, 10, "", "")), wrap(plain, 10, "", ""));
    assert.deepEqual(wrap(plain, 10, "", ""), ["aaaa bbbb", "cccc dddd"]);
  });

  it("keeps a word longer than the line whole, on a line of its own", () => {
    assert.deepEqual(wrap("see /a/very/long/path/that/does/not/fit now", 12, "", "  "), ["see", "  /a/very/long/path/that/does/not/fit", "  now"]);
  });

  it("loses no word and never exceeds the width but for a single long word (property)", () => {
    const word = fc.string({ unit: fc.constantFrom("a", "b", "é", "😀", "\x1b[1m", PAINT.red), minLength: 1, maxLength: 14 });
    fc.assert(
      fc.property(fc.array(word, { maxLength: 30 }), fc.integer({ min: 1, max: 40 }), (words, width) => {
        const lines = wrap(words.join(" "), width, "", "");
        assert.deepEqual(lines.join(" ").split(" ").filter(Boolean), words.filter((w) => w.trim() !== ""));
        for (const l of lines) if (visibleWidth(l) > width) assert.equal(l.includes(" "), false, l);
      }),
    );
  });
});
