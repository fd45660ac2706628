import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "../errors.js";
import type { ScanIssue } from "../model/issue.js";
import { ctx, inventory } from "../../test/support/facts.js";
import { sourceForbidden } from "./source-forbidden.js";

const issue = (code: string, ref: string): ScanIssue => ({ code: code as ScanIssue["code"], ref, message: "403 Forbidden", material: false });

const rows = [
  { name: "cluster-wide Secrets list", i: issue(ErrorCode.ERR_SOURCE_FORBIDDEN, "kube-api:/api/v1/secrets#list"), title: "Not allowed to list secrets (core) at cluster scope: not scanned", fix: /ClusterRole.*kubectl auth can-i list secrets -A/ },
  { name: "one namespace's ConfigMaps", i: issue(ErrorCode.ERR_SOURCE_FORBIDDEN, "kube-api:/api/v1/namespaces/team-a/configmaps#watch"), title: "Not allowed to watch configmaps (core) at namespace team-a: not scanned", fix: /a Role in namespace team-a.*-n team-a/ },
  { name: "a named API group", i: issue(ErrorCode.ERR_SOURCE_FORBIDDEN, "kube-api:/apis/certificates.k8s.io/v1/certificatesigningrequests#list"), title: "Not allowed to list certificatesigningrequests (certificates.k8s.io) at cluster scope: not scanned", fix: /certificatesigningrequests\.certificates\.k8s\.io/ },
];

describe("source-forbidden", () => {
  for (const row of rows) {
    it(row.name, () => {
      const [f, ...rest] = sourceForbidden.check(inventory({ issues: [row.i] }), ctx);
      assert.equal(rest.length, 0);
      assert.equal(f!.title, row.title);
      assert.match(f!.remediation, row.fix);
      assert.deepEqual(f!.locations, [row.i.ref]);
    });
  }
  it("other codes and refs that are no API request are not this rule's", () => {
    const inv = inventory({ issues: [issue(ErrorCode.ERR_SOURCE_UNAVAILABLE, "kube-api:/api/v1/secrets#list"), issue(ErrorCode.ERR_SOURCE_FORBIDDEN, "file:/etc/x")] });
    assert.deepEqual(sourceForbidden.check(inv, ctx), []);
  });
});
