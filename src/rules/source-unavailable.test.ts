import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "../errors.js";
import { Inventory } from "../inventory/inventory.js";
import type { ScanIssue } from "../model/issue.js";
import { sourceUnavailable } from "./source-unavailable.js";

const ctx = { now: Date.parse("2026-06-01T00:00:00Z"), warnDays: 30, critDays: 7, maxChainLength: 16 };
const issue = (code: string, ref: string): ScanIssue => ({ code: code as ScanIssue["code"], ref, message: `could not watch secrets in all namespaces from https://10.0.0.1:6443 (ECONNRESET); what was read before is kept`, material: false });

describe("source-unavailable", () => {
  const rows = [
    { name: "a lost Secrets watch is one warning about it", issues: [issue(ErrorCode.ERR_SOURCE_UNAVAILABLE, "kube-api:/api/v1/secrets#watch")], want: ["kube-api:/api/v1/secrets#watch"] },
    { name: "a failed namespaced list names the namespace", issues: [issue(ErrorCode.ERR_SOURCE_UNAVAILABLE, "kube-api:/api/v1/namespaces/team-a/configmaps#list")], want: ["kube-api:/api/v1/namespaces/team-a/configmaps#list"] },
    { name: "403 is source-forbidden's, not this rule's", issues: [issue(ErrorCode.ERR_SOURCE_FORBIDDEN, "kube-api:/api/v1/secrets#list")], want: [] },
    { name: "a file note with the same code but no API ref is ignored", issues: [issue(ErrorCode.ERR_SOURCE_UNAVAILABLE, "file:/etc/x")], want: [] },
    { name: "nothing failed: silent", issues: [], want: [] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const findings = sourceUnavailable.check(new Inventory([], [], [], [], row.issues), ctx);
      assert.deepEqual(findings.map((f) => f.locations[0]), row.want);
      for (const f of findings) {
        assert.equal(f.severity, "warning");
        assert.match(f.detail, /^Could not watch secrets|^Could not/);
      }
    });
  }
});
