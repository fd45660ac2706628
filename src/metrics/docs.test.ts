import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { findRepoRoot } from "../../test/support/fixtures.js";
import { familiesWritten } from "../../test/support/families.js";
import { parseMetricsOptions } from "./options.js";

/** Every family the exporter can write (all options on, server-only families present). */
function exportedFamilies(): string[] {
  return familiesWritten(parseMetricsOptions({ exposeRelative: true, exposeNotBefore: true, exposePerCertError: true, exposeExpired: true }));
}

describe("docs/metrics.md", () => {
  it("documents exactly the families the exporter writes", () => {
    const doc = readFileSync(join(findRepoRoot(), "docs", "metrics.md"), "utf8");
    const tables = doc.slice(0, doc.indexOf("## Comparison"));
    const documented = new Set([...tables.matchAll(/^\| `((?:x509|certdoctor)_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!));
    assert.deepEqual([...documented].sort(), exportedFamilies().sort());
  });
});
