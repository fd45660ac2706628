import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "../errors.js";
import type { ScanIssue } from "../model/issue.js";
import { ctx, inventory } from "../../test/support/facts.js";
import { parseError } from "./parse-error.js";

const issue = (code: string, ref: string, material = true): ScanIssue => ({ code: code as ScanIssue["code"], ref, message: "bad base64", material });

const rows = [
  { name: "a broken PEM block is a warning naming it", issues: [issue(ErrorCode.ERR_PEM_INVALID, "file:/a.pem#1")], want: [["file:/a.pem#1", /Repair or replace the file/]] },
  { name: "a wrong PKCS#12 password asks for the password file", issues: [issue("ERR_PKCS12_PASSWORD", "file:/b.p12")], want: [["file:/b.p12", /--pkcs12-password-file/]] },
  { name: "a missing kubeconfig reference", issues: [issue("ERR_KUBECONFIG_REF_MISSING", "kubeconfig:/k#users/u")], want: [["kubeconfig:/k#users/u", /does not exist/]] },
  { name: "a note that is not about material (a skipped binary) is no finding", issues: [issue("ERR_FILE_NOT_MATERIAL", "file:/bin/ls", false)], want: [] },
  { name: "nothing unreadable: silent", issues: [], want: [] },
] as const;

describe("parse-error", () => {
  for (const row of rows) {
    it(row.name, () => {
      const findings = parseError.check(inventory({ issues: [...row.issues] }), ctx);
      assert.equal(findings.length, row.want.length);
      findings.forEach((f, i) => {
        assert.deepEqual(f.locations, [row.want[i]![0]]);
        assert.match(f.remediation, row.want[i]![1]);
        assert.equal(f.title, `Unreadable: ${row.want[i]![0]}`);
      });
    });
  }
});
