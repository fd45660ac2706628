import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

describe("cert-not-yet-valid", () => {
  const rows = [
    { name: "leaf valid only from next month", dirs: [["not-yet-valid"]], opts: {}, want: 1 },
    { name: "the same leaf once its notBefore has passed", dirs: [["not-yet-valid"]], opts: { now: new Date("2026-07-02T00:00:00Z") }, want: 0 },
    { name: "healthy chain", dirs: [["chain-ok"]], opts: {}, want: 0 },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      assert.equal(findingsOf(await scanFixtures(row.dirs, row.opts), "cert-not-yet-valid").length, row.want);
    });
  }
});
