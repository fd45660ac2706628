import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { escapeInput, PAINT, toTerminal } from "./terminal-safe.js";

describe("terminal-safe output", () => {
  const rows = [
    { name: "window title (OSC)", input: "a\x1b]0;pwned\x07b", want: "a\\e]0;pwned\\x07b" },
    { name: "clear screen (CSI)", input: "\x1b[2J\x1b[H", want: "\\e[2J\\e[H" },
    { name: "forged report line", input: "x.crt\nCRITICAL (1)\r", want: "x.crt\\nCRITICAL (1)\\r" },
    { name: "C1 CSI and bidi override", input: "\u009b2J\u202etxt.crt", want: "\\x9b2J\\u{202e}txt.crt" },
    { name: "a paint placeholder smuggled in", input: `${PAINT.red}red`, want: "\\u{e001}red" },
    { name: "plain UTF-8 stays", input: "CN=Doğan, O=例", want: "CN=Doğan, O=例" },
  ];
  for (const row of rows) {
    it(`escapeInput: ${row.name}`, () => assert.equal(escapeInput(row.input), row.want));
  }

  it("toTerminal keeps layout and the renderer's paint, escapes every other control", () => {
    assert.equal(toTerminal(`${PAINT.red}CRITICAL${PAINT.reset}\n\tx\x1b[2J`, true), "\x1b[31mCRITICAL\x1b[0m\n\tx\\e[2J");
    assert.equal(toTerminal(`${PAINT.red}CRITICAL${PAINT.reset}\n`, false), "CRITICAL\n");
  });

  it("no string survives escapeInput with a control character, a line break or an ESC (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 64 }), (s) => {
        const out = escapeInput(s);
        assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\ue000-\ue00f]/);
        assert.equal(toTerminal(out, true), out);
      }),
      { numRuns: 1000 },
    );
  });
});
