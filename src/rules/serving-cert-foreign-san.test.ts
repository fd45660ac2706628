import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { at, brief, cert, ctx, inventory, object, record } from "../../test/support/facts.js";
import { servingCertForeignSan } from "./serving-cert-foreign-san.js";

const nodes = [object("Node", "node:worker-1", { addresses: ["10.0.0.1", "worker-1"] }), object("Node", "node:worker-2", { addresses: ["10.0.0.2", "worker-2"] })];
const kubelet = (sans: { dnsNames?: string[]; ipAddresses?: string[] }, fields: Parameters<typeof record>[1] = {}) =>
  cert(record("k", { subject: "CN=system:node:worker-1,O=system:nodes", dnsNames: [], ipAddresses: [], ...sans, ...fields }), [at("endpoint:10.0.0.1:10250#0")], ["ca"]);

const rows = [
  { name: "only the node's own names: silent", c: kubelet({ dnsNames: ["worker-1"], ipAddresses: ["10.0.0.1"] }), objects: nodes, want: [] },
  { name: "another node's IP: critical", c: kubelet({ ipAddresses: ["10.0.0.1", "10.0.0.2"] }), objects: nodes, want: ["critical endpoint:10.0.0.1:10250#0"] },
  { name: "an unknown name", c: kubelet({ dnsNames: ["worker-1", "kubernetes.default.svc"] }), objects: nodes, want: ["critical endpoint:10.0.0.1:10250#0"] },
  { name: "IPs compare canonically (IPv4-mapped)", c: kubelet({ ipAddresses: ["::ffff:10.0.0.1"] }), objects: nodes, want: [] },
  { name: "O before CN is the same subject", c: kubelet({ ipAddresses: ["10.0.0.2"] }, { subject: "O=system:nodes,CN=system:node:worker-1" }), objects: nodes, want: ["critical endpoint:10.0.0.1:10250#0"] },
  { name: "a client certificate is not a serving one", c: kubelet({ ipAddresses: ["10.0.0.2"] }, { extKeyUsage: ["clientAuth"] }), objects: nodes, want: [] },
  { name: "a node that was not read is not judged", c: kubelet({ ipAddresses: ["10.0.0.9"] }, { subject: "CN=system:node:worker-9,O=system:nodes" }), objects: nodes, want: [] },
  { name: "no Nodes read at all: silent", c: kubelet({ ipAddresses: ["10.0.0.2"] }), objects: [], want: [] },
];

describe("serving-cert-foreign-san", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(servingCertForeignSan.check(inventory({ certs: [row.c], objects: row.objects }), ctx)), row.want));

  it("says whose address it is", () => {
    const [f] = servingCertForeignSan.check(inventory({ certs: [kubelet({ ipAddresses: ["10.0.0.2"] })], objects: nodes }), ctx);
    assert.equal(f!.title, "Kubelet serving certificate of node worker-1 also names 10.0.0.2");
    assert.match(f!.detail, /10\.0\.0\.2 is Node worker-2's/);
  });
});
