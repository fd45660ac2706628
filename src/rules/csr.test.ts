import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeCsrCondition } from "../model/items.js";
import { NOW, brief, ctx, csrInfo, inventory, kubeCsr } from "../../test/support/facts.js";
import { csrDenied } from "./csr-denied.js";
import { csrFailed } from "./csr-failed.js";
import { csrPending } from "./csr-pending.js";

const MIN = 60_000;
const cond = (type: string, status = "True", reason?: string, message?: string): KubeCsrCondition => ({ type, status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) });
const client = { signerName: "kubernetes.io/kube-apiserver-client-kubelet", usages: ["client auth"] };

describe("csr-pending", () => {
  const rows = [
    { name: "kubelet-serving pending 2 h: critical", csr: kubeCsr("s", { createdAt: NOW - 120 * MIN }), want: ["critical csr:s"] },
    { name: "kubelet-serving pending 20 min: warning", csr: kubeCsr("s", { createdAt: NOW - 20 * MIN }), want: ["warning csr:s"] },
    { name: "3 minutes old: not yet", csr: kubeCsr("s", { createdAt: NOW - 3 * MIN }), want: [] },
    { name: "a client CSR pending 2 h: warning only", csr: kubeCsr("c", { ...client, createdAt: NOW - 120 * MIN }), want: ["warning csr:c"] },
    { name: "approved: silent", csr: kubeCsr("a", { createdAt: NOW - 120 * MIN, conditions: [cond("Approved")] }), want: [] },
    { name: "an Approved condition with status False is no decision", csr: kubeCsr("f", { createdAt: NOW - 120 * MIN, conditions: [cond("Approved", "False")] }), want: ["critical csr:f"] },
    { name: "denied: csr-denied's", csr: kubeCsr("d", { createdAt: NOW - 120 * MIN, conditions: [cond("Denied")] }), want: [] },
    { name: "no creation time: age unknown, silent", csr: kubeCsr("u", { createdAt: undefined }), want: [] },
  ];
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(csrPending.check(inventory({ kubeCsrs: [row.csr] }), ctx)), row.want));

  it("names the node and the names it asks for", () => {
    const [f] = csrPending.check(inventory({ kubeCsrs: [kubeCsr("s", { createdAt: NOW - 120 * MIN, request: csrInfo({ dnsNames: ["worker-1"], ipAddresses: ["10.0.0.5"] }) })] }), ctx);
    assert.equal(f!.title, "CSR s from node worker-1 pending for 2 hours");
    assert.match(f!.detail, /for worker-1, 10\.0\.0\.5/);
    assert.match(f!.remediation, /kubectl certificate approve s/);
  });
});

describe("csr-denied and csr-failed", () => {
  const rows = [
    { name: "Denied with a reason", csr: kubeCsr("d", { conditions: [cond("Denied", "True", "BadSAN", "not this node's IP")] }), denied: ["warning csr:d"], failed: [], detail: /denied \(BadSAN: not this node's IP\)/ },
    { name: "Failed", csr: kubeCsr("f", { conditions: [cond("Approved"), cond("Failed", "True", "SignerError")] }), denied: [], failed: ["warning csr:f"], detail: /failed \(SignerError\): no certificate was issued/ },
    { name: "Approved only", csr: kubeCsr("a", { conditions: [cond("Approved")] }), denied: [], failed: [], detail: undefined },
    { name: "a condition with status False does not count", csr: kubeCsr("x", { conditions: [cond("Denied", "False"), cond("Failed", "False")] }), denied: [], failed: [], detail: undefined },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const inv = inventory({ kubeCsrs: [row.csr] });
      const denied = csrDenied.check(inv, ctx);
      const failed = csrFailed.check(inv, ctx);
      assert.deepEqual(brief(denied), row.denied);
      assert.deepEqual(brief(failed), row.failed);
      if (row.detail) assert.match([...denied, ...failed][0]!.detail, row.detail);
    });
  }
});
