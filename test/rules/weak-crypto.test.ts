import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

describe("weak-crypto", () => {
  const rows = [
    { name: "RSA-1024 leaf", dirs: [["rsa-1024"]], want: [/1024 bits/] },
    { name: "SHA-1 signed leaf", dirs: [["sha1"]], want: [/sha1WithRSAEncryption/] },
    { name: "RSA-2048 / SHA-256 chain", dirs: [["chain-ok"]], want: [] },
    { name: "ECDSA chain", dirs: [["ecdsa-chain"]], want: [] },
    { name: "Ed25519", dirs: [["ed25519"]], want: [] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const found = findingsOf(await scanFixtures(row.dirs), "weak-crypto");
      assert.equal(found.length, row.want.length);
      row.want.forEach((re, i) => assert.match(found[i]!.title, re));
    });
  }
});
