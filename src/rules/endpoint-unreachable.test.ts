import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EndpointItem } from "../model/items.js";
import { NOW, ctx, endpoint, inventory, kubeCsr } from "../../test/support/facts.js";
import { endpointUnreachable } from "./endpoint-unreachable.js";

const failed = (host: string, port: number, code: string, more: Partial<EndpointItem> = {}) =>
  endpoint(host, port, { error: { code: code as NonNullable<EndpointItem["error"]>["code"], message: `probe failed: ${code}` }, ...more });

const rows = [
  { name: "connection refused", ep: failed("10.0.0.1", 6443, "ECONNREFUSED"), want: ["10.0.0.1:6443 could not be probed (ECONNREFUSED)"], why: /nothing listens on that port/ },
  { name: "not TLS", ep: failed("10.0.0.1", 8080, "NOT_TLS"), want: ["10.0.0.1:8080 could not be probed (NOT_TLS)"], why: /not with TLS/ },
  { name: "an unlisted code falls back to the message", ep: failed("10.0.0.1", 443, "TLS_ERROR"), want: ["10.0.0.1:443 could not be probed (TLS_ERROR)"], why: /the TLS handshake failed \(probe failed: TLS_ERROR\)/ },
  { name: "IPv6 keeps its brackets", ep: failed("fd00::1", 443, "ETIMEDOUT"), want: ["[fd00::1]:443 could not be probed (ETIMEDOUT)"], why: /in time/ },
  { name: "a handshake that worked: silent", ep: endpoint("10.0.0.1", 443), want: [], why: undefined },
];

describe("endpoint-unreachable", () => {
  for (const row of rows) {
    it(row.name, () => {
      const found = endpointUnreachable.check(inventory({ endpoints: [row.ep] }), ctx);
      assert.deepEqual(found.map((f) => f.title), row.want);
      if (row.why) assert.match(found[0]!.detail, row.why);
      for (const f of found) assert.deepEqual(f.locations, [row.ep.ref]);
    });
  }

  it("a kubelet's internal-error alert points at CSRs when none were read", () => {
    const [f] = endpointUnreachable.check(inventory({ endpoints: [failed("worker-1", 10250, "TLS_ALERT_80")] }), ctx);
    assert.match(f!.remediation, /pending kubelet-serving CSR/);
  });

  it("... and is kubelet-serving-unapproved's finding when the node's CSR is pending", () => {
    const inv = inventory({ endpoints: [failed("worker-1", 10250, "TLS_ALERT_80")], kubeCsrs: [kubeCsr("csr-1", { createdAt: NOW - 600_000 })] });
    assert.deepEqual(endpointUnreachable.check(inv, ctx), []);
  });
});
