import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

describe("cert-expired", () => {
  const rows = [
    { name: "leaf expired a month ago", dirs: [["expired"]], want: ["critical"] },
    { name: "healthy chain", dirs: [["chain-ok"]], want: [] },
    { name: "expired apiserver.crt in kubeadm pki/expired is a backup, not live", dirs: [["backups", "kubeadm"]], want: [] },
    { name: "K3s tls-<timestamp> backup is not live", dirs: [["backups", "k3s"]], want: [] },
    { name: "not yet valid is not expired", dirs: [["not-yet-valid"]], want: [] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const found = findingsOf(await scanFixtures(row.dirs), "cert-expired");
      assert.deepEqual(found.map((f) => f.severity), row.want);
    });
  }

  it("names the expired leaf, not its CA", async () => {
    const result = await scanFixtures([["expired"]]);
    const [finding] = findingsOf(result, "cert-expired");
    assert.ok(finding);
    assert.equal(finding.certificates.length, 1);
    assert.ok(finding.locations.every((l) => l.endsWith("/expired/leaf.crt")), finding.locations.join());
    const leaf = result.certificates.find((c) => c.record.fingerprint === finding.certificates[0]);
    assert.ok(leaf && leaf.record.notAfter < Date.parse("2026-06-01T00:00:00Z"));
  });

  it("fires for a healthy chain when evaluated after its leaf's notAfter", async () => {
    const found = findingsOf(await scanFixtures([["chain-ok"]], { now: new Date("2027-02-01T00:00:00Z") }), "cert-expired");
    assert.ok(found.length >= 1);
  });
});
