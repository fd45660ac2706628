import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { locate } from "./build.js";

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
