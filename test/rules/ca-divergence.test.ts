import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

describe("ca-divergence", () => {
  const rows = [
    { name: "two CN=kubernetes CAs with different keys (names only: warning)", dirs: [["ca-divergence"]], want: ["warning"] },
    { name: "node-a and node-b ca.crt differ", dirs: [["ca-divergence", "node-a"], ["ca-divergence", "node-b"]], want: ["warning"] },
    { name: "one node alone", dirs: [["ca-divergence", "node-a"]], want: [] },
    { name: "healthy chain", dirs: [["chain-ok"]], want: [] },
    { name: "a backup of the old K3s CA does not diverge from the live one", dirs: [["backups", "k3s"]], want: [] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const found = findingsOf(await scanFixtures(row.dirs), "ca-divergence");
      assert.deepEqual(found.map((f) => f.severity), row.want);
    });
  }

  it("lists both variants with the leaves each signed", async () => {
    const [finding] = findingsOf(await scanFixtures([["ca-divergence"]]), "ca-divergence");
    assert.ok(finding);
    assert.ok(finding.locations.some((l) => l.endsWith("/ca-a.crt")));
    assert.ok(finding.locations.some((l) => l.endsWith("/ca-b.crt")));
    assert.match(finding.detail, /signed 1 certificate in use \(e\.g\. file:[^)]*leaf-a\.crt/);
    assert.match(finding.detail, /signed 1 certificate in use \(e\.g\. file:[^)]*leaf-b\.crt/);
  });
});
