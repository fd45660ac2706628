import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { placeRef } from "./place.js";
import { trustRequirements } from "./trust-requirements.js";

// One real location per role the requirements name: a requirement on a role no path produces can never fire.
const SAMPLES = [
  "secret:kubeedge/casecret#cadata",
  "secret:kubeedge/cloudcoresecret#cloudcoredata",
  "file:/dump/edge1/etc/kubeedge/ca/rootCA.crt",
  "file:/dump/edge1/etc/kubeedge/certs/server.crt",
  "file:/etc/kubernetes/pki/ca.crt",
  "file:/etc/kubernetes/pki/apiserver.crt",
  "file:/etc/kubernetes/pki/apiserver-kubelet-client.crt",
  "file:/etc/kubernetes/pki/apiserver-etcd-client.crt",
  "file:/etc/kubernetes/pki/front-proxy-ca.crt",
  "file:/etc/kubernetes/pki/front-proxy-client.crt",
  "file:/etc/kubernetes/pki/etcd/ca.crt",
  "file:/etc/kubernetes/pki/etcd/server.crt",
  "file:/etc/kubernetes/pki/etcd/peer.crt",
  "kubeconfig:/etc/kubernetes/admin.conf#users/kubernetes-admin",
  "file:/var/lib/kubelet/pki/kubelet-client-current.pem",
  ...["k3s", "rke2"].flatMap((d) => [
    `file:/var/lib/rancher/${d}/server/tls/server-ca.crt`,
    `file:/var/lib/rancher/${d}/server/tls/client-ca.crt`,
    `file:/var/lib/rancher/${d}/server/tls/serving-kube-apiserver.crt`,
    `file:/var/lib/rancher/${d}/agent/server-ca.crt`,
    `file:/var/lib/rancher/${d}/agent/client-kubelet.crt`,
    `kubeconfig:/etc/rancher/${d}/${d}.yaml#users/default`,
  ]),
  "file:/system/secrets/kubernetes/kube-apiserver/apiserver.crt",
  "file:/system/secrets/kubernetes/kube-apiserver/ca.crt",
  "file:/srv/kubernetes/ca.crt",
  "file:/srv/kubernetes/kube-apiserver/server.crt",
];

describe("trustRequirements", () => {
  it("has unique kebab-case ids", () => {
    const ids = trustRequirements.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });

  it("names only roles that real locations produce", () => {
    const roles = new Set(SAMPLES.map((ref) => placeRef(ref).role));
    for (const req of trustRequirements) {
      assert.ok(roles.has(req.leafRole), `${req.id}: leaf role ${req.leafRole}`);
      assert.ok(roles.has(req.anchorRole), `${req.id}: anchor role ${req.anchorRole}`);
    }
  });

  it("anchors on locations that carry a CA identity", () => {
    for (const req of trustRequirements) {
      const anchor = SAMPLES.map(placeRef).find((p) => p.role === req.anchorRole);
      assert.ok(anchor?.caIdentity !== undefined, `${req.id}: ${req.anchorRole} has no caIdentity`);
    }
  });

  it("includes the KubeEdge edge-to-CloudCore requirements", () => {
    const pairs = trustRequirements.map((r) => `${r.leafRole}->${r.anchorRole}:${r.scope}`);
    assert.ok(pairs.includes("kubeedge-cloudcore-server->kubeedge-edge-root-ca:cluster"));
    assert.ok(pairs.includes("kubeedge-edge-cert->kubeedge-ca:cluster"));
    assert.ok(pairs.includes("k3s-serving-kube-apiserver->k3s-server-ca:cluster"));
  });
});
