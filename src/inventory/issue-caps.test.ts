import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ScanIssue } from "../model/issue.js";
import { IssueCaps } from "./issue-caps.js";

const pem = (file: string, n: number, extra: Partial<ScanIssue> = {}): ScanIssue => ({ code: "ERR_PEM_INVALID", ref: `file:${file}#${n}`, message: `PEM block "" has no matching END line`, material: true, ...extra });

describe("IssueCaps", () => {
  it("keeps the first issues of one code per place and sums the rest into one summary at the place", () => {
    const caps = new IssueCaps(100, 10_000);
    const kept = Array.from({ length: 12_445 }, (_, n) => pem("/x/begin.pem", n)).filter((i) => caps.admit(i));
    assert.equal(kept.length, 100);
    const [summary, ...rest] = caps.summaries();
    assert.equal(rest.length, 0);
    assert.equal(summary!.ref, "file:/x/begin.pem");
    assert.equal(summary!.code, "ERR_PEM_INVALID");
    assert.equal(summary!.material, true);
    assert.match(summary!.message, /^12,345 more unreadable blocks like "PEM block "" has no matching END line" in \/x\/begin\.pem/);
  });

  it("counts what a reader already left out (omitted) whether or not the issue itself is kept", () => {
    const caps = new IssueCaps(3, 10_000);
    const issues = [pem("/a", 0), pem("/a", 1), pem("/a", 2), pem("/a", 3, { omitted: 996 }), pem("/b", 0, { omitted: 9 })];
    assert.deepEqual(issues.map((i) => caps.admit(i)), [true, true, true, false, true]);
    const byRef = new Map(caps.summaries().map((s) => [s.ref, s.message]));
    assert.match(byRef.get("file:/a")!, /^997 more /);
    assert.match(byRef.get("file:/b")!, /^9 more /);
  });

  it("keeps other codes and places apart, and caps one code across the scan", () => {
    const caps = new IssueCaps(100, 250);
    const notes = Array.from({ length: 1000 }, (_, n): ScanIssue => ({ code: "ERR_FILE_BINARY", ref: `file:/bin/f${n}.conf`, message: "binary", material: false }));
    const kept = [...notes, pem("/x", 0)].filter((i) => caps.admit(i));
    assert.equal(kept.length, 251);
    const [summary] = caps.summaries();
    assert.equal(summary!.code, "ERR_FILE_BINARY");
    assert.equal(summary!.material, false);
    assert.match(summary!.message, /^750 more ERR_FILE_BINARY notes in this scan, from \/bin\/f250\.conf on/);
  });
});
