import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_PATH_CHARS, MAX_REF_CHARS, placePath, placeRef } from "./place.js";
import { describeRenewal } from "./renewal.js";
import type { Distribution, Placement } from "./types.js";

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SEGMENTS = [
  "etc", "kubernetes", "pki", "etcd", "var", "lib", "kubelet", "rancher", "k3s", "rke2", "server", "agent", "tls",
  "tls-1717000000", "backup", "expired", "system", "secrets", "srv", "kubeedge", "ca", "certs", "kube-proxy", "ssl",
  "kube-apiserver", "ca.crt", "apiserver.crt", "client-admin.crt", "client--x-.crt", "serving-a-.key", "peer.pem",
  "rootCA.crt", "kubeconfig", "k3s.yaml", "admin.conf", "x.bak", "kubelet-client-current.pem", "", ".", "..", "#", "#3",
];
const segment = fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ maxLength: 12 }));
const path = fc.array(segment, { maxLength: 14 }).map((s) => "/" + s.join("/"));
const DISTRIBUTIONS: Distribution[] = ["kubeadm", "kubelet", "k3s", "rke2", "kubeedge", "talos", "kops", "etcd", "generic"];

function assertWellFormed(p: Placement, input: string): void {
  assert.equal(typeof p.backup, "boolean");
  if (p.role !== undefined) assert.match(p.role, KEBAB, input);
  if (p.caIdentity !== undefined) assert.match(p.caIdentity, KEBAB, input);
  if (p.distribution !== undefined) assert.ok(DISTRIBUTIONS.includes(p.distribution), input);
  if (p.role !== undefined) assert.ok(p.roleTitle !== undefined && p.roleTitle.length > 0, input);
}

describe("layout properties", () => {
  it("placePath never throws and returns well-formed placements whose node prefixes the path", () => {
    fc.assert(
      fc.property(path, (p) => {
        const got = placePath(p);
        assertWellFormed(got, p);
        if (got.node !== undefined) assert.ok(p.replace(/\/{2,}/g, "/").replace(/\/(?:\.\/)+/g, "/").startsWith(got.node), p);
        assert.deepEqual(placePath(p), got);
      }),
      { numRuns: 3000 },
    );
  });

  it("placeRef never throws on arbitrary strings", () => {
    const ref = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.tuple(fc.constantFrom("file:", "kubeconfig:", "secret:", "configmap:", "csr:", "webhook:", ""), path, fc.constantFrom("", "#0", "#users/a", "#clusters/b", "#ca.crt", "#cadata", "#"))
        .map(([k, p, f]) => k + p + f),
      fc.tuple(fc.constantFrom("secret:", "configmap:"), fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), fc.string({ maxLength: 15 }))
        .map(([k, ns, n, key]) => `${k}${ns}/${n}#${key}`),
    );
    fc.assert(fc.property(ref, (r) => assertWellFormed(placeRef(r), r)), { numRuns: 3000 });
  });

  it("describeRenewal always returns advice, whatever the placement", () => {
    const placement = fc.record(
      {
        distribution: fc.oneof(fc.constantFrom(...DISTRIBUTIONS), fc.string({ maxLength: 10 })),
        role: fc.oneof(fc.constantFrom("kubeadm-ca", "k3s-", "rke2-agent-", "kubeadm--conf-ca", "kops-x-ca", "talos-kubeconfig"), fc.string({ maxLength: 20 })),
        node: fc.string({ maxLength: 10 }),
        backup: fc.boolean(),
      },
      { requiredKeys: ["backup"] },
    );
    const cert = fc.record({ isCA: fc.boolean(), selfIssued: fc.boolean(), lifetimeDays: fc.oneof(fc.double(), fc.integer()) });
    fc.assert(
      fc.property(placement, cert, (p, c) => {
        const text = describeRenewal(p as Placement, c);
        assert.equal(typeof text, "string");
        assert.ok(text.length > 20);
      }),
      { numRuns: 3000 },
    );
  });

  it("rejects inputs over the size limits without scanning them", () => {
    assert.deepEqual(placePath("/etc/kubernetes/pki/" + "a".repeat(MAX_PATH_CHARS) + ".crt"), { backup: false });
    assert.deepEqual(placeRef("file:/etc/kubernetes/pki/ca.crt#" + "1".repeat(MAX_REF_CHARS)), { backup: false });
  });

  it("stays fast on adversarial paths just under the limit", () => {
    const near = MAX_PATH_CHARS - 20;
    const inputs = [
      "/etc/etcd/" + "peer".repeat(near / 4) + ".crx",
      "/etc/ssl/etcd/" + "a/".repeat(near / 2 - 10) + "x",
      "/etc/kubernetes/".repeat(near / 16),
      "/var/lib/rancher/k3s/server/tls/client-" + "a-".repeat(near / 2 - 30) + ".crtx",
      "/" + "x.bak.".repeat(near / 6),
      "/etc/kubernetes/pki/etcd-manager-" + "a-".repeat(near / 2 - 30) + "/",
    ];
    for (const input of inputs) {
      const start = performance.now();
      placePath(input);
      placeRef(`kubeconfig:${input}#clusters/x`);
      // generous: the machine running the suite may be loaded; catastrophic backtracking takes seconds
      assert.ok(performance.now() - start < 1000, `slow on ${input.slice(0, 40)}…`);
    }
    const start = performance.now();
    placeRef(`secret:ns/${"a-".repeat(120)}-token-#ca.crt`);
    assert.ok(performance.now() - start < 500);
  });
});
