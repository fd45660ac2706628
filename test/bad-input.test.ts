import assert from "node:assert/strict";
import { cpSync, closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { scan } from "../src/engine/scan.js";
import type { ScanResult } from "../src/engine/types.js";
import { fixtureNow, fixturePath } from "./support/fixtures.js";

// One tree with every kind of bad input next to good certificates: the scan finishes, reports
// parse-errors where material was broken, notes where files were skipped, and loses no good certificate.
describe("a scan through bad input", () => {
  let dir: string;
  let result: ScanResult;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "certdoctor-bad-"));
    cpSync(fixturePath("chain-ok"), join(dir, "good"), { recursive: true });
    cpSync(fixturePath("bad"), join(dir, "bad"), { recursive: true });
    mkdirSync(join(dir, "loop", "inner"), { recursive: true });
    symlinkSync(join(dir, "loop"), join(dir, "loop", "inner", "back"));
    const fd = openSync(join(dir, "bad", "huge.pem"), "w");
    writeSync(fd, "-----BEGIN CERTIFICATE-----\n");
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    result = await scan({ paths: [dir], now: fixtureNow, warnDays: 30, critDays: 7 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const parseErrorAt = (name: string) =>
    result.findings.some((f) => f.rule === "parse-error" && f.locations.some((l) => l.includes(`/bad/${name}`)));

  it("keeps every good certificate: the chain-ok set plus the two around the broken block", () => {
    const good = result.certificates.filter((c) => c.locations.some((l) => l.ref.includes("/good/")));
    assert.equal(good.length, 3, "root, intermediate and leaf");
    const bundle = result.certificates.filter((c) => c.locations.some((l) => l.ref.includes("bad-block-between-good.pem")));
    assert.equal(bundle.length, 2);
  });

  const broken = ["bad-block-between-good.pem#1", "no-end.pem", "truncated.der", "invalid.yaml", "not-der.pem"];
  for (const name of broken) it(`reports a parse-error for ${name}`, () => assert.ok(parseErrorAt(name), name));

  it("skips the 50 MB file with a note, not a finding", () => {
    assert.ok(result.issues.some((i) => i.code === "ERR_FILE_TOO_LARGE" && i.ref.endsWith("/bad/huge.pem") && !i.material));
    assert.ok(!parseErrorAt("huge.pem"));
  });

  it("reports the directory loop once and finishes", () => {
    assert.ok(result.issues.some((i) => i.code === "ERR_SOURCE_SYMLINK_LOOP"));
  });

  it("says nothing about an empty file or random binary junk", () => {
    assert.ok(!parseErrorAt("empty.pem"));
    assert.ok(!parseErrorAt("junk.bin"));
  });

  it("the good chain stays healthy", () => {
    const aboutGood = result.findings.filter((f) => f.locations.some((l) => l.includes("/good/")));
    assert.deepEqual(aboutGood.map((f) => f.rule), []);
  });
});
