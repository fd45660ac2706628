import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { kubeletServingCsr, node } from "../kube-api/seed.js";
import { fixtureNow, fixturePath } from "../support/fixtures.js";
import { scanObjects } from "../support/kube-scan.js";
import { findingsOf } from "../support/scan.js";

const REQ = readFileSync(fixturePath("keys", "request.csr"), "utf8");
const hoursAgo = (h: number) => new Date(fixtureNow.getTime() - h * 3_600_000).toISOString();
const approved = (h: number) => [{ type: "Approved", status: "True", reason: "AutoApproved", lastUpdateTime: hoursAgo(h) }];
const pending = (n: number, nodeName = (i: number) => `talos-worker-${i % 2}`) => Array.from({ length: n }, (_, i) => kubeletServingCsr(`csr-${i}`, nodeName(i), REQ, hoursAgo(1 + i)));

describe("csr-unapproved-kubelet-serving", () => {
  const rows: Array<{ name: string; objects: Array<Record<string, unknown>>; want: number[] }> = [
    { name: "three pending, none ever approved: the Talos story", objects: pending(3), want: [3] },
    { name: "two pending is not yet a pile", objects: pending(2), want: [] },
    { name: "an approval two hours ago means an approver is acting", objects: [...pending(4), kubeletServingCsr("csr-ok", "talos-worker-0", REQ, hoursAgo(3), approved(2))], want: [] },
    { name: "an approval two days ago does not count", objects: [...pending(4), kubeletServingCsr("csr-old", "talos-worker-0", REQ, hoursAgo(50), approved(48))], want: [4] },
    { name: "CSRs younger than five minutes are not pending yet", objects: Array.from({ length: 3 }, (_, i) => kubeletServingCsr(`new-${i}`, "w", REQ, new Date(fixtureNow.getTime() - 60_000).toISOString())), want: [] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const found = findingsOf(await scanObjects(row.objects), "csr-unapproved-kubelet-serving");
      assert.deepEqual(found.map((f) => f.locations.length), row.want);
      for (const f of found) assert.equal(f.severity, "critical");
    });
  }

  it("resolves requesters to Nodes when Nodes were read", async () => {
    const result = await scanObjects([...pending(3), node("talos-worker-0", ["talos-worker-0", "10.5.0.2"])]);
    const [f] = findingsOf(result, "csr-unapproved-kubelet-serving");
    assert.ok(f);
    assert.ok(f.detail.includes("10.5.0.2"), "the known node's address is named");
    assert.ok(result.inventory.objects.some((o) => o.kind === "Node" && o.name === "talos-worker-0" && o.addresses?.includes("10.5.0.2")));
  });
});
