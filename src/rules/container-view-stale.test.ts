import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, NOW, at, brief, cert, ctx, inventory, record } from "../../test/support/facts.js";
import { containerViewStale, parseProcessRef } from "./container-view-stale.js";

const KC = "/var/lib/kube-proxy/kubeconfig";
const PROC = `process:kube-proxy[4242]:${KC}#users/kube-proxy`;
const issued = (id: string, daysAgo: number) => record(id, { subject: "CN=system:kube-proxy", notBefore: NOW - daysAgo * DAY, notAfter: NOW - daysAgo * DAY + 365 * DAY });
const older = issued("old", 360); // 5 days left: inside the warning window
const newer = issued("new", 10);

const rows = [
  {
    name: "the container still sees the old kubeconfig after the node's was renewed: critical near expiry",
    certs: [cert(older, [at(PROC)]), cert(newer, [at(`kubeconfig:${KC}#users/kube-proxy`)])],
    want: [`critical ${PROC} kubeconfig:${KC}#users/kube-proxy`],
  },
  {
    name: "the node's file was restored from an older backup: the container has the newer one (warning)",
    certs: [cert(newer, [at(PROC)]), cert(older, [at(`kubeconfig:${KC}#users/kube-proxy`)])],
    want: [`warning ${PROC} kubeconfig:${KC}#users/kube-proxy`],
  },
  { name: "process and node see the same certificate: silent", certs: [cert(newer, [at(PROC), at(`kubeconfig:${KC}#users/kube-proxy`)])], want: [] },
  { name: "nothing on the node at that path: silent", certs: [cert(older, [at(PROC)])], want: [] },
  {
    name: "an agent's --root prefix: the node copy under it is found",
    certs: [cert(older, [at(PROC)]), cert(newer, [at(`kubeconfig:/host${KC}#users/kube-proxy`, { node: "/host" })])],
    want: [`critical ${PROC} kubeconfig:/host${KC}#users/kube-proxy`],
  },
  {
    name: "a plain file the process sees",
    certs: [cert(older, [at("process:etcd[31]:/etc/etcd/server.crt")]), cert(newer, [at("file:/etc/etcd/server.crt")])],
    want: ["critical process:etcd[31]:/etc/etcd/server.crt file:/etc/etcd/server.crt"],
  },
  { name: "a backup copy on the node is not the node's file", certs: [cert(older, [at(PROC)]), cert(newer, [at(`kubeconfig:${KC}#users/kube-proxy`, { backup: true })])], want: [] },
];

describe("container-view-stale", () => {
  for (const row of rows) it(row.name, () => assert.deepEqual(brief(containerViewStale.check(inventory({ certs: row.certs }), ctx)), row.want));

  it("parses process refs and nothing else", () => {
    assert.deepEqual({ ...parseProcessRef(PROC), ref: undefined }, { comm: "kube-proxy", pid: "4242", path: KC, ref: undefined });
    assert.equal(parseProcessRef(`kubeconfig:${KC}#users/kube-proxy`), undefined);
    assert.equal(parseProcessRef("process:x[1]:relative/path"), undefined);
  });
});
