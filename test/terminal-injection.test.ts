/** File names that carry escape sequences or newlines are shown escaped in table/compact/markdown; JSON keeps them exactly. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";
import { runCli } from "./support/cli.js";

const NOW = "2026-06-01T00:00:00Z";
const EVIL = "evil\x1b]0;pwned\x07\x1b[2J\nCRITICAL (9) forged.crt";

describe("terminal injection through file names", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir("certdoctor-inject-");
    o.makeCa("ca");
    o.write(EVIL, "-----BEGIN CERTIFICATE-----\nnot base64 !!!\n-----END CERTIFICATE-----\n");
  });
  after(() => o.cleanup());

  for (const args of [["--format", "table"], ["--format", "table", "--compact"], ["--format", "markdown"]]) {
    it(`${args.join(" ")}: no control character from the name reaches the output, the name is shown escaped`, async () => {
      const r = await runCli(["scan", o.dir, "--now", NOW, "--fail-on", "never", ...args], { tty: true });
      assert.equal(r.code, 0, r.err);
      assert.doesNotMatch(r.out, /[\x00-\x08\x0b-\x1f\x7f]/);
      assert.doesNotMatch(r.out, /^CRITICAL \(9\) forged/m, "no forged line");
      assert.match(r.out, /evil\\e\]0;pwned\\x07\\e\[2J\\nCRITICAL \(9\) forged\.crt/);
    });
  }

  it("JSON keeps the name exactly", async () => {
    const r = await runCli(["scan", o.dir, "--now", NOW, "--fail-on", "never", "--format", "json"]);
    assert.ok(JSON.stringify(JSON.parse(r.out)).includes(JSON.stringify(EVIL).slice(1, -1)));
  });
});
