import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingsOf, scanFixtures } from "../support/scan.js";

describe("kubelet-rotation-blocked", () => {
  const rows = [
    { name: "kubelet-client-current.pem is a regular file", dirs: [["kubelet", "blocked"]], want: 1 },
    { name: "kubelet-client-current.pem is a symlink", dirs: [["kubelet", "rotating"]], want: 0 },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const found = findingsOf(await scanFixtures(row.dirs), "kubelet-rotation-blocked");
      assert.equal(found.length, row.want);
      for (const f of found) assert.match(f.locations[0]!, /\/var\/lib\/kubelet\/pki\/kubelet-client-current\.pem(#\d+)?$/);
    });
  }
});
