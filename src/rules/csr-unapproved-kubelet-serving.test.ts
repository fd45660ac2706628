import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeCsrItem } from "../model/items.js";
import { NOW, ctx, inventory, kubeCsr, object } from "../../test/support/facts.js";
import { csrUnapprovedKubeletServing } from "./csr-unapproved-kubelet-serving.js";

const HOUR = 3_600_000;
const pending = (i: number, node = `worker-${i}`, more: Partial<KubeCsrItem> = {}) => kubeCsr(`csr-${i}`, { username: `system:node:${node}`, createdAt: NOW - HOUR, ...more });
const approvedAgo = (ms: number) => kubeCsr("csr-ok", { conditions: [{ type: "Approved", status: "True", lastUpdateTime: NOW - ms }] });

const rows = [
  { name: "three pending, none approved in 24 h: critical", csrs: [pending(1), pending(2), pending(3)], want: ["3 kubelet serving CSRs pending from 3 node(s), none approved in 24 h"] },
  { name: "two pending are csr-pending's business", csrs: [pending(1), pending(2)], want: [] },
  { name: "an approval an hour ago: an approver is acting", csrs: [pending(1), pending(2), pending(3), approvedAgo(HOUR)], want: [] },
  { name: "an approval two days ago does not count", csrs: [pending(1), pending(2), pending(3), approvedAgo(48 * HOUR)], want: ["3 kubelet serving CSRs pending from 3 node(s), none approved in 24 h"] },
  { name: "younger than 5 minutes: not yet pending", csrs: [1, 2, 3].map((i) => pending(i, `w${i}`, { createdAt: NOW - 60_000 })), want: [] },
  { name: "other signers do not pile up here", csrs: [1, 2, 3].map((i) => pending(i, `w${i}`, { signerName: "kubernetes.io/kube-apiserver-client-kubelet" })), want: [] },
  { name: "one node asking again and again", csrs: [1, 2, 3].map((i) => pending(i, "worker-1")), want: ["3 kubelet serving CSRs pending from 1 node(s), none approved in 24 h"] },
];

describe("csr-unapproved-kubelet-serving", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(csrUnapprovedKubeletServing.check(inventory({ kubeCsrs: row.csrs }), ctx).map((f) => f.title), row.want));

  it("with Nodes read, names their addresses and calls out a requester with no Node", () => {
    const nodes = [object("Node", "node:worker-1", { addresses: ["10.0.0.1", "worker-1"] })];
    const [f] = csrUnapprovedKubeletServing.check(inventory({ kubeCsrs: [pending(1), pending(2, "ghost"), pending(3)], objects: nodes }), ctx);
    assert.match(f!.detail, /ghost \(no such Node: a stale or forged request\); worker-1 \(10\.0\.0\.1, worker-1\); worker-3 \(no such Node/);
    assert.deepEqual(f!.locations, ["csr:csr-1", "csr:csr-2", "csr:csr-3"]);
  });
});
