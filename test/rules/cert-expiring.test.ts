import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

describe("cert-expiring", () => {
  const rows = [
    { name: "one-year leaf with 3 days left is critical", dirs: [["expiring-critical"]], opts: {}, want: ["critical"] },
    { name: "one-year leaf with 20 days left is a warning", dirs: [["expiring-warning"]], opts: {}, want: ["warning"] },
    { name: "20 days left is silent with --warn-days 14", dirs: [["expiring-warning"]], opts: { warnDays: 14 }, want: [] },
    { name: "24-hour cert with 6 h left (under a third) warns", dirs: [["short-lived-critical"]], opts: {}, want: ["warning"] },
    { name: "24-hour cert with 20 h left stays silent", dirs: [["short-lived-ok"]], opts: {}, want: [] },
    { name: "healthy chain", dirs: [["chain-ok"]], opts: {}, want: [] },
    { name: "expired is reported by cert-expired, not here", dirs: [["expired"]], opts: {}, want: [] },
    {
      name: "--now four days before the leaf's end: critical",
      dirs: [["chain-ok"]],
      opts: { now: new Date("2026-12-28T00:00:00Z") },
      want: ["critical"],
    },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const found = findingsOf(await scanFixtures(row.dirs, row.opts), "cert-expiring");
      assert.deepEqual(found.map((f) => f.severity), row.want);
    });
  }
});
