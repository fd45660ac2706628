import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { writeFileSync } from "node:fs";
import { scan } from "../src/engine/scan.js";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";

describe("one file of repeated '-----BEGIN ' markers", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
    o.makeCa("ca", "/CN=good-ca");
    writeFileSync(o.path("begin.pem"), "-----BEGIN ".repeat(200_000));
  });
  after(() => o.cleanup());

  it("gives at most 100 parse-errors and one summary for the rest; the good certificate beside it is found", async () => {
    const result = await scan({ paths: [o.dir], now: new Date(), warnDays: 30, critDays: 7, workers: 0 });
    assert.equal(result.certificates.length, 1);
    const parseErrors = result.findings.filter((f) => f.rule === "parse-error");
    assert.equal(parseErrors.length, 101);
    const summary = parseErrors.filter((f) => /199,900 more unreadable blocks/.test(f.detail));
    assert.equal(summary.length, 1);
    assert.deepEqual(summary[0]!.locations, [`file:${o.path("begin.pem")}`]);
  });
});
