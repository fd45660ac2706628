import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

describe("parse-error", () => {
  it("a bad block between two good certificates: 2 certificates and 1 parse-error", async () => {
    const result = await scanFixtures([["bad", "bad-block-between-good.pem"]]);
    assert.equal(result.certificates.length, 2);
    const found = findingsOf(result, "parse-error");
    assert.equal(found.length, 1);
    assert.match(found[0]!.locations[0]!, /bad-block-between-good\.pem#1$/);
  });

  const rows = [
    { name: "BEGIN without END", file: "no-end.pem", want: 1 },
    { name: "truncated DER certificate", file: "truncated.der", want: 1 },
    { name: "invalid YAML that looks like a manifest", file: "invalid.yaml", want: 1 },
    { name: "empty file", file: "empty.pem", want: 0 },
    { name: "random binary junk is a note, not a finding", file: "junk.bin", want: 0 },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      assert.equal(findingsOf(await scanFixtures([["bad", row.file]]), "parse-error").length, row.want);
    });
  }

  it("a wrong PKCS#12 password is a finding, the right one reads the bundle", async () => {
    const without = await scanFixtures([["pkcs12", "bundle-pass.p12"]]);
    assert.equal(findingsOf(without, "parse-error").length, 1);
    assert.equal(without.certificates.length, 0);
    const withPassword = await scanFixtures([["pkcs12", "bundle-pass.p12"]], { pkcs12Passwords: ["secret"] });
    assert.equal(findingsOf(withPassword, "parse-error").length, 0);
    assert.ok(withPassword.certificates.length >= 1);
  });
});
