import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { findRepoRoot } from "../../test/support/fixtures.js";
import { Inventory } from "../inventory/inventory.js";
import { renderMetrics } from "./exporter.js";
import { parseMetricsOptions } from "./options.js";
import type { MetricsState } from "./state.js";

/** Every family the exporter can write (all options on, server-only families present). */
function exportedFamilies(): string[] {
  const state: MetricsState = {
    version: 1,
    diagnosed: { inventory: new Inventory([], [], [], [], []), findings: [], issues: [], evaluatedAt: new Date(0), durationMs: 1 },
    sources: [],
    agents: [],
    store: { backend: "sqlite", up: true },
  };
  const options = parseMetricsOptions({ exposeRelative: true, exposeNotBefore: true, exposePerCertError: true, exposeExpired: true });
  const text = Buffer.concat(renderMetrics(state, { build: { version: "t" }, options }, "text", 0).chunks).toString("utf8");
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
}

describe("docs/metrics.md", () => {
  it("documents exactly the families the exporter writes", () => {
    const doc = readFileSync(join(findRepoRoot(), "docs", "metrics.md"), "utf8");
    const tables = doc.slice(0, doc.indexOf("## Comparison"));
    const documented = new Set([...tables.matchAll(/^\| `((?:x509|certdoctor)_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!));
    assert.deepEqual([...documented].sort(), exportedFamilies().sort());
  });
});
