import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { measureExpansion } from "./expansion.js";

/** The definition: walk every path, aliases included (only usable on small inputs). */
function naive(node: unknown): { nodes: number; bytes: number } {
  if (node === null || typeof node !== "object") return { nodes: 1, bytes: typeof node === "string" ? node.length : 1 };
  const out = { nodes: 1, bytes: 0 };
  const entries = Array.isArray(node) ? node.map((v) => ["", v] as const) : Object.entries(node);
  for (const [k, v] of entries) {
    const c = naive(v);
    out.nodes += c.nodes;
    out.bytes += k.length + c.bytes;
  }
  return out;
}

/** A random DAG: node i's children are scalars or nodes built before it, so sharing (aliases) is common. */
const dag = fc
  .array(fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null), fc.nat()), { maxLength: 4 }), { minLength: 1, maxLength: 12 })
  .chain((specs) =>
    fc.tuple(fc.constant(specs), fc.array(fc.boolean(), { minLength: specs.length, maxLength: specs.length })).map(([s, asMap]) => {
      const built: unknown[] = [];
      s.forEach((children, i) => {
        const values = children.map((c) => (typeof c === "number" && c >= 0 && i > 0 && c % 2 === 0 ? built[c % i] : c));
        built.push(asMap[i] ? Object.fromEntries(values.map((v, j) => [`k${j}`, v])) : values);
      });
      return built[built.length - 1];
    }),
  );

describe("measureExpansion", () => {
  it("counts every alias as what it expands to, exactly as a full walk does (property)", () => {
    fc.assert(
      fc.property(dag, (doc) => {
        const got = measureExpansion(doc, 1000);
        assert.deepEqual(got, { ok: true, ...naive(doc) });
      }),
      { numRuns: 500 },
    );
  });

  it("measures a billion-laughs graph in linear time: 10 levels of 10 aliases = 10^10 leaves", () => {
    let node: unknown = "lol";
    for (let i = 0; i < 10; i++) node = Array.from({ length: 10 }, () => node);
    const started = performance.now();
    const got = measureExpansion(node, 100);
    assert.ok(performance.now() - started < 100);
    assert.equal(got.ok && got.nodes, 11_111_111_111); // 10^10 leaves and 1,111,111,111 arrays
  });

  const rows = [
    { name: "a list that contains itself", make: () => { const a: unknown[] = [1]; a.push(a); return a; }, reason: "cycle" },
    { name: "a map that reaches itself two levels down", make: () => { const m: Record<string, unknown> = {}; m.x = { y: [m] }; return m; }, reason: "cycle" },
    { name: "a chain deeper than the bound", make: () => { let n: unknown = 1; for (let i = 0; i < 101; i++) n = [n]; return n; }, reason: "depth" },
    { name: "a shared subtree that is shallow on its first path and too deep on its second", make: () => {
      let deep: unknown = 1;
      for (let i = 0; i < 60; i++) deep = [deep];
      let path: unknown[] = [deep];
      for (let i = 0; i < 50; i++) path = [path];
      return [deep, path];
    }, reason: "depth" },
  ];
  for (const row of rows) {
    it(`refuses ${row.name}`, () => {
      assert.deepEqual(measureExpansion(row.make(), 100), { ok: false, reason: row.reason });
    });
  }

  it("accepts exactly the bound's depth, without recursion (100,000 levels refused, no stack overflow)", () => {
    let n: unknown = 1;
    for (let i = 0; i < 100; i++) n = [n];
    assert.equal(measureExpansion(n, 100).ok, true);
    for (let i = 0; i < 100_000; i++) n = [n];
    assert.deepEqual(measureExpansion(n, 200_000), { ok: true, nodes: 100_101, bytes: 1 });
  });

  it("counts binary values by their length, not their indices", () => {
    assert.deepEqual(measureExpansion({ b: new Uint8Array(5000) }, 100), { ok: true, nodes: 2, bytes: 5001 });
  });
});
