import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bundlePosition, locate } from "./build.js";

describe("bundlePosition", () => {
  const rows = [
    { ref: "file:/a/b.pem", want: 0 },
    { ref: "file:/a/b.pem#0", want: 0 },
    { ref: "file:/a/b.pem#3", want: 3 },
    { ref: "kubeconfig:/k.yaml#users/admin", want: 0 },
    { ref: "kubeconfig:/k.yaml#users/7", want: 0 },
    { ref: "kubeconfig:/k.yaml#users/default/1", want: 1 },
    { ref: "secret:ns/name#tls.crt", want: 0 },
    { ref: "secret:ns/name#tls.crt/2", want: 2 },
    { ref: "csr:csr-1", want: 0 },
  ];
  for (const row of rows) it(row.ref, () => assert.equal(bundlePosition(row.ref), row.want));
});

describe("locate", () => {
  it("gives the layout role to a file's first certificate only", () => {
    const first = locate({ ref: "file:/n1/var/lib/rancher/k3s/server/tls/serving-kube-apiserver.crt#0", context: "dir:x" });
    const chain = locate({ ref: "file:/n1/var/lib/rancher/k3s/server/tls/serving-kube-apiserver.crt#1", context: "dir:x" });
    assert.equal(first.role, "k3s-serving-kube-apiserver");
    assert.equal(chain.role, undefined);
    assert.equal(chain.node, first.node);
    assert.equal(chain.distribution, "k3s");
  });
});
