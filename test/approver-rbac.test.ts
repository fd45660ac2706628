import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runApprover } from "../src/cli/commands/approver.js";
import type { CliIO } from "../src/cli/io.js";
import { RbacPolicy } from "./kube-api/rbac.js";
import { kubeletServingCsr, writeKubeconfig } from "./kube-api/seed.js";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { runCli } from "./support/cli.js";
import { findRepoRoot } from "./support/fixtures.js";
import { NodeCsrMaker } from "./support/node-csr.js";

const SA = "system:serviceaccount:certdoctor:certdoctor-approver";
const FILE = join(findRepoRoot(), "deploy", "overlays", "approver", "approver.yaml");
const CSRS = { group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests", kind: "CertificateSigningRequest", namespaced: false };
type Rec = Record<string, any>;

describe("deploy/overlays/approver is enough for the approver, and no more", () => {
  let server: KubeApiServer;
  let maker: NodeCsrMaker;
  const files: Array<{ path: string; cleanup: () => void }> = [];
  const policy = RbacPolicy.fromFiles([FILE]);
  before(async () => {
    maker = new NodeCsrMaker();
    server = await startKubeApi({ tokens: { approver: SA }, policy, bookmarkIntervalMs: 200 });
    server.store.put({ apiVersion: "v1", kind: "Node", metadata: { name: "w1" }, status: { addresses: [{ type: "Hostname", address: "w1" }, { type: "InternalIP", address: "10.0.0.11" }] } });
    files.push(writeKubeconfig(server, "approver"));
  });
  after(async () => {
    await server.close();
    for (const f of files) f.cleanup();
    maker.cleanup();
  });
  const conditions = (name: string): Rec[] => ((server.store.get(CSRS, undefined, name) as Rec | undefined)?.status?.conditions ?? []) as Rec[];

  it("--once approves and records Events with only these grants (no 403 anywhere)", async () => {
    server.store.put(kubeletServingCsr("once-ok", "w1", maker.pem("w1", { san: "DNS:w1,IP:10.0.0.11" }), "2026-05-31T00:00:00Z"));
    server.store.put(kubeletServingCsr("once-bad", "w1", maker.pem("w1", { san: "DNS:w1,IP:10.0.0.99" }), "2026-05-31T00:00:01Z"));
    const r = await runCli(["approver", "--kubeconfig", files[0]!.path, "--once"]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(conditions("once-ok").map((c) => c.type), ["Approved"]);
    assert.deepEqual(server.requests.filter((q) => q.status === 403).map((q) => `${q.verb} ${q.path}`), []);
    assert.ok(server.requests.some((q) => q.method === "POST" && q.resource === "events" && q.namespace === "default" && q.status === 201));
  });

  it("the controller with --leader-elect takes its Lease and approves a CSR a node creates (no 403 anywhere)", async () => {
    const stop = new AbortController();
    let out = "";
    let err = "";
    const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), isTTY: false, columns: 80, color: false, cwd: process.cwd() };
    const running = runApprover({ kubeconfig: files[0]!.path, leaderElect: true, leaderElectNamespace: "certdoctor", leaderElectName: "certdoctor-approver", maxDuration: "60" }, io, stop.signal);
    try {
      // the node's own grant to create CSRs is not in this file: the CSR is seeded as the API would store it
      server.store.put(kubeletServingCsr("live-ok", "w1", maker.pem("w1", { san: "DNS:w1" }), "2026-05-31T00:01:00Z"));
      for (let i = 0; i < 300 && conditions("live-ok").length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(conditions("live-ok").map((c) => c.type), ["Approved"], `stdout:\n${out}\nstderr:\n${err}`);
      assert.ok(server.store.get({ group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true }, "certdoctor", "certdoctor-approver"));
    } finally {
      stop.abort();
      assert.equal(await running, 0);
    }
    assert.deepEqual(server.requests.filter((q) => q.status === 403).map((q) => `${q.verb} ${q.path}`), []);
  });

  const denied: Array<{ name: string; verb: string; group: string; resource: string; subresource?: string; namespace?: string; name_?: string }> = [
    { name: "approve CSRs of the kube-apiserver-client signer", verb: "approve", group: "certificates.k8s.io", resource: "signers", name_: "kubernetes.io/kube-apiserver-client" },
    { name: "approve with a signer wildcard", verb: "approve", group: "certificates.k8s.io", resource: "signers", name_: "kubernetes.io/*" },
    { name: "create CSRs", verb: "create", group: "certificates.k8s.io", resource: "certificatesigningrequests" },
    { name: "write CSR status (sign)", verb: "update", group: "certificates.k8s.io", resource: "certificatesigningrequests", subresource: "status" },
    { name: "read Secrets", verb: "list", group: "", resource: "secrets" },
    { name: "update Nodes", verb: "update", group: "", resource: "nodes" },
    { name: "create Events outside default", verb: "create", group: "", resource: "events", namespace: "kube-system" },
    { name: "update another Lease", verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "certdoctor", name_: "kube-scheduler" },
    { name: "touch Leases in kube-system", verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-system", name_: "certdoctor-approver" },
  ];
  for (const d of denied) {
    it(`does not allow: ${d.name}`, () => {
      const { name: _n, name_, ...rest } = d;
      assert.equal(policy.allows({ user: SA, ...rest, ...(name_ ? { name: name_ } : {}) }), false);
    });
  }
  it("allows approving exactly the kubelet-serving signer", () => {
    assert.equal(policy.allows({ user: SA, verb: "approve", group: "certificates.k8s.io", resource: "signers", name: "kubernetes.io/kubelet-serving" }), true);
  });
});
