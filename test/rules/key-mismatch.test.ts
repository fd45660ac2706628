import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

describe("key-mismatch", () => {
  const rows = [
    { name: "leaf.crt with somebody else's leaf.key", dirs: [["key-mismatch"]], want: 1 },
    { name: "matching X.crt/X.key pairs", dirs: [["chain-ok"]], want: 0 },
    { name: "kubeconfig client cert and key that match", dirs: [["kubeconfigs", "admin.conf"]], want: 0 },
    { name: "kubelet cert+key in one PEM file", dirs: [["kubelet", "rotating"]], want: 0 },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      assert.equal(findingsOf(await scanFixtures(row.dirs), "key-mismatch").length, row.want);
    });
  }

  it("shows key fingerprints, never key material", async () => {
    const result = await scanFixtures([["key-mismatch"]]);
    const [finding] = findingsOf(result, "key-mismatch");
    assert.ok(finding);
    assert.ok(finding.locations.some((l) => l.endsWith("/leaf.key")));
    const text = JSON.stringify(result.findings);
    assert.doesNotMatch(text, /PRIVATE KEY|MII[A-Za-z0-9+/]{40}/);
  });
});
