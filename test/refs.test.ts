import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scan } from "../src/engine/scan.js";
import type { ScanResult } from "../src/engine/types.js";
import { formatRef, parseRef } from "../src/model/ref.js";
import { demoNow, demoPath, fixtureNow, fixturePath } from "./support/fixtures.js";

/** Every ref string a scan produced: certificate, key and CSR locations, their contexts, issues, findings. */
function refsOf(result: ScanResult): { refs: Set<string>; contexts: Set<string> } {
  const refs = new Set<string>();
  const contexts = new Set<string>();
  const locations = [...result.certificates.flatMap((c) => c.locations), ...result.keys.map((k) => k.location), ...result.csrs.map((c) => c.location)];
  for (const l of locations) {
    refs.add(l.ref);
    contexts.add(l.context);
  }
  for (const i of result.issues) refs.add(i.ref);
  for (const f of result.findings) for (const l of f.locations) refs.add(l);
  for (const e of result.endpoints) refs.add(e.ref);
  for (const c of result.kubeCsrs) refs.add(c.ref);
  return { refs, contexts };
}

describe("refs the scan produces", () => {
  const scans = [
    { name: "the demo cluster", run: () => scan({ paths: [demoPath()], now: demoNow, warnDays: 30, critDays: 7, workers: 0 }) },
    { name: "every committed fixture", run: () => scan({ paths: [fixturePath()], now: fixtureNow, warnDays: 30, critDays: 7, workers: 0 }) },
  ];
  for (const s of scans) {
    it(`${s.name}: each parses, and formats back to the same string`, async () => {
      const { refs, contexts } = refsOf(await s.run());
      assert.ok(refs.size > 50, `only ${refs.size} refs`);
      const kinds = new Set<string>();
      for (const ref of refs) {
        const value = parseRef(ref);
        assert.ok(value !== undefined, `does not parse: ${ref}`);
        assert.equal(formatRef(value), ref);
        kinds.add(value.kind);
      }
      for (const context of contexts) {
        const value = parseRef(context);
        assert.ok(value !== undefined, `context does not parse: ${context}`);
        assert.equal(formatRef(value), context);
      }
      for (const kind of ["file", "kubeconfig", "secret"]) assert.ok(kinds.has(kind), `no ${kind} ref in ${[...kinds].join(", ")}`);
    });
  }
});
