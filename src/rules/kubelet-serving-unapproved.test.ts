import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EndpointItem, KubeCsrItem } from "../model/items.js";
import { NOW, brief, csrInfo, ctx, endpoint, inventory, kubeCsr } from "../../test/support/facts.js";
import { kubeletServingUnapproved } from "./kubelet-serving-unapproved.js";

const alert80 = (host: string) => endpoint(host, 10250, { error: { code: "TLS_ALERT_80" as NonNullable<EndpointItem["error"]>["code"], message: "remote error: tls: internal error" } });
const pending = (name: string, more: Partial<KubeCsrItem> = {}) => kubeCsr(name, { createdAt: NOW - 600_000, ...more });

const rows = [
  { name: "alert 80 and the node's CSR pending", eps: [alert80("worker-1")], csrs: [pending("csr-1")], want: ["critical endpoint:worker-1:10250 csr:csr-1"] },
  { name: "the CSR found by the name it asks for", eps: [alert80("10.0.0.5")], csrs: [pending("csr-2", { username: "system:node:other", request: csrInfo({ ipAddresses: ["10.0.0.5"] }) })], want: ["critical endpoint:10.0.0.5:10250 csr:csr-2"] },
  { name: "the CSR is for another node", eps: [alert80("worker-2")], csrs: [pending("csr-1")], want: [] },
  { name: "already approved", eps: [alert80("worker-1")], csrs: [pending("csr-1", { conditions: [{ type: "Approved", status: "True" }] })], want: [] },
  { name: "another signer", eps: [alert80("worker-1")], csrs: [pending("csr-1", { signerName: "kubernetes.io/kube-apiserver-client-kubelet" })], want: [] },
  { name: "another failure than alert 80", eps: [endpoint("worker-1", 10250, { error: { code: "ECONNREFUSED" as NonNullable<EndpointItem["error"]>["code"], message: "refused" } })], csrs: [pending("csr-1")], want: [] },
];

describe("kubelet-serving-unapproved", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(kubeletServingUnapproved.check(inventory({ endpoints: row.eps, kubeCsrs: row.csrs }), ctx)), row.want));
});
