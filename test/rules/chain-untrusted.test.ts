import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

describe("chain-untrusted", () => {
  const rows = [
    { name: "leaf next to a same-named CA that did not sign it", dirs: [["untrusted", "unknown-authority"]], want: ["critical"] },
    { name: "leaf whose issuer is nowhere in the scan", dirs: [["untrusted", "orphan"]], want: ["info"] },
    { name: "healthy RSA chain (leaf, intermediate, root; bundles in any order)", dirs: [["chain-ok"]], want: [] },
    { name: "healthy ECDSA chain", dirs: [["ecdsa-chain"]], want: [] },
    { name: "healthy Ed25519 pair", dirs: [["ed25519"]], want: [] },
    { name: "kubeconfig with embedded CA and client cert", dirs: [["kubeconfigs", "admin.conf"]], want: [] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const found = findingsOf(await scanFixtures(row.dirs), "chain-untrusted");
      assert.deepEqual(found.map((f) => f.severity), row.want);
    });
  }

  it("names the leaf and the CA beside it", async () => {
    const [finding] = findingsOf(await scanFixtures([["untrusted", "unknown-authority"]]), "chain-untrusted");
    assert.ok(finding);
    assert.ok(finding.locations.some((l) => l.endsWith("/unknown-authority/leaf.crt")));
    assert.ok(finding.locations.some((l) => l.endsWith("/unknown-authority/ca.crt")));
    assert.equal(finding.certificates.length, 2);
  });
});
