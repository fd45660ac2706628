import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CA_COUNT, countOccurrences, planCorpus, type CorpusPlan } from "./corpus-plan.js";

function listLeafPlacements(plan: CorpusPlan): number[] {
  const placed: number[] = [];
  for (const f of plan.files) {
    if (f.kind === "single") placed.push(f.leaf);
    else if (f.kind === "bundle") placed.push(...f.leaves);
    else if (f.kind === "secret-yaml" || f.kind === "secret-list") placed.push(...f.secrets.map((s) => s.leaf));
  }
  return placed;
}

describe("planCorpus", () => {
  const plan = planCorpus(10_000);

  it("is deterministic for a seed and changes with the seed", () => {
    assert.deepEqual(planCorpus(10_000), plan);
    assert.notDeepEqual(planCorpus(10_000, 7).leaves.slice(0, 20), plan.leaves.slice(0, 20));
  });

  it("places every leaf exactly once and lists every CA once", () => {
    assert.equal(plan.leaves.length, 10_000 - CA_COUNT);
    const placed = listLeafPlacements(plan).sort((a, b) => a - b);
    assert.deepEqual(placed, plan.leaves.map((l) => l.index));
    assert.deepEqual(
      plan.files.filter((f) => f.kind === "ca").map((f) => (f.kind === "ca" ? f.ca : -1)),
      Array.from({ length: CA_COUNT }, (_, i) => i),
    );
  });

  it("splits leaves about 40/30/30 between single files, bundles and Secrets", () => {
    const leavesIn = (kinds: string[]) =>
      plan.files
        .filter((f) => kinds.includes(f.kind))
        .reduce((n, f) => n + (f.kind === "single" ? 1 : f.kind === "bundle" ? f.leaves.length : "secrets" in f ? f.secrets.length : 0), 0);
    const total = plan.leaves.length;
    assert.ok(Math.abs(leavesIn(["single"]) / total - 0.4) < 0.01);
    assert.ok(Math.abs(leavesIn(["bundle"]) / total - 0.3) < 0.01);
    assert.ok(Math.abs(leavesIn(["secret-yaml", "secret-list"]) / total - 0.3) < 0.01);
    const formats = new Set(plan.files.flatMap((f) => (f.kind === "single" ? [f.format] : [])));
    assert.deepEqual([...formats].sort(), ["crt", "der", "pem"]);
    assert.ok(plan.files.some((f) => f.kind === "secret-list"));
    assert.ok(plan.files.some((f) => f.kind === "secret-yaml" && f.secrets.length === 50));
  });

  it("keeps bundles at 5-20 certificates and directories at about 100 files", () => {
    for (const f of plan.files) {
      if (f.kind === "bundle") assert.ok(f.leaves.length + 2 >= 5 && f.leaves.length + 2 <= 20, f.path);
    }
    const perDir = new Map<string, number>();
    for (const f of plan.files) {
      const dir = f.path.slice(0, f.path.lastIndexOf("/"));
      perDir.set(dir, (perDir.get(dir) ?? 0) + 1);
    }
    assert.ok(Math.max(...perDir.values()) <= 100);
  });

  it("gives leaves unique serials, 1-4 SANs, an EKU and one-year validity", () => {
    assert.equal(new Set(plan.leaves.map((l) => l.serialHex)).size, plan.leaves.length);
    for (const l of plan.leaves) {
      assert.ok(l.sans.length >= 1 && l.sans.length <= 4);
      assert.ok(l.eku.length >= 1);
      assert.equal(l.notAfter - l.notBefore, 365 * 86_400_000);
      assert.equal(l.serialHex.length % 2, 0);
    }
  });

  it("counts occurrences: CAs repeat in bundles and Secrets", () => {
    const small = planCorpus(100);
    let expected = 0;
    for (const f of small.files) {
      if (f.kind === "bundle") expected += f.leaves.length + 2;
      else if (f.kind === "secret-yaml" || f.kind === "secret-list") expected += 3 * f.secrets.length;
      else expected += 1;
    }
    assert.equal(countOccurrences(small), expected);
    assert.ok(countOccurrences(small) > small.size);
  });
});
