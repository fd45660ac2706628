import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import yaml from "js-yaml";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { RbacPolicy } from "../kube-api/rbac.js";
import { tlsSecret, writeKubeconfig } from "../kube-api/seed.js";
import { startKubeApi, type KubeApiServer } from "../kube-api/server.js";
import { runCli } from "../support/cli.js";
import { findRepoRoot, fixtureNow, fixturePath } from "../support/fixtures.js";

const root = findRepoRoot();
const SCANNER = "system:serviceaccount:certdoctor:certdoctor";
const CI = "system:serviceaccount:tenant-a:ci";
const CLEAN = "system:serviceaccount:tenant-a:web";
type Doc = Record<string, any>;

const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({ name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) });
const RBAC = "rbac.authorization.k8s.io/v1";
/** A cluster as people run it: cluster-admin for system:masters, an aggregated "tenant-ops" role a tenant CI account got cluster-wide, an approver allowed kube-apiserver-client, and a clean account. */
const objects: Doc[] = [
  { apiVersion: RBAC, kind: "ClusterRole", metadata: meta("cluster-admin"), rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] },
  { apiVersion: RBAC, kind: "ClusterRoleBinding", metadata: meta("cluster-admin"), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "Group", name: "system:masters" }] },
  // rules left empty: the aggregation controller (the test API server plays it) fills them in
  { apiVersion: RBAC, kind: "ClusterRole", metadata: meta("tenant-ops"), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "example.com/aggregate-to-tenant-ops": "true" } }] }, rules: [] },
  { apiVersion: RBAC, kind: "ClusterRole", metadata: meta("tenant-ops-secrets", undefined, { "example.com/aggregate-to-tenant-ops": "true" }), rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "update"] }] },
  { apiVersion: RBAC, kind: "ClusterRoleBinding", metadata: meta("tenant-ci"), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "tenant-ops" }, subjects: [{ kind: "ServiceAccount", name: "ci", namespace: "tenant-a" }] },
  {
    apiVersion: RBAC,
    kind: "ClusterRole",
    metadata: meta("csr-approver"),
    rules: [
      { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/approval"], verbs: ["update"] },
      { apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"], resourceNames: ["kubernetes.io/kube-apiserver-client"] },
    ],
  },
  { apiVersion: RBAC, kind: "ClusterRoleBinding", metadata: meta("alice-approves"), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "csr-approver" }, subjects: [{ kind: "User", name: "alice" }] },
  { apiVersion: RBAC, kind: "Role", metadata: meta("web", "tenant-a"), rules: [{ apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["*"] }] },
  { apiVersion: RBAC, kind: "RoleBinding", metadata: meta("web", "tenant-a"), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "web" }, subjects: [{ kind: "ServiceAccount", name: "web" }] },
];

interface Report {
  findings: Array<{ rule: string; severity: string; title: string; detail: string; locations: string[] }>;
}

describe("rbac-cert-authority against the test API server (real client-node, RBAC enforced)", () => {
  let server: KubeApiServer;
  let policy: RbacPolicy;
  const files: Array<{ path: string; cleanup: () => void }> = [];
  before(async () => {
    // the authorizer sees what the cluster holds: the scanner's deploy/rbac.yaml plus the objects above
    policy = RbacPolicy.fromYaml([readFileSync(`${root}/deploy/rbac.yaml`, "utf8"), ...objects.map((o) => yaml.dump(o))]);
    server = await startKubeApi({ policy, tokens: { scanner: SCANNER, ci: CI, web: CLEAN } });
    for (const d of yaml.loadAll(readFileSync(`${root}/deploy/rbac.yaml`, "utf8")) as Doc[]) if (d.kind !== "Namespace" && d.kind !== "ServiceAccount") server.store.put(d);
    for (const o of objects) server.store.put(o);
    server.store.put(tlsSecret("pki", "root-ca", readFileSync(fixturePath("ca", "ca.crt"), "utf8"), readFileSync(fixturePath("ca", "ca.key"), "utf8")));
    for (const t of ["scanner", "ci", "web"]) files.push(writeKubeconfig(server, t));
  });
  after(async () => {
    await server.close();
    for (const f of files) f.cleanup();
  });

  it("the aggregated ClusterRole reads back with its rules filled in, as the controller leaves it", () => {
    const role = server.store.get({ group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole", namespaced: false }, undefined, "tenant-ops") as Doc;
    assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "update"] }]);
  });

  it("scan --kube names the tenant CI account and the approver, not the clean account, and nothing is refused", async () => {
    const r = await runCli(["scan", "--kubeconfig", files[0]!.path, "--format", "json", "--now", fixtureNow.toISOString()], { cwd: root });
    const report = JSON.parse(r.out) as Report;
    const found = report.findings.filter((f) => f.rule === "rbac-cert-authority");
    assert.deepEqual(
      found.filter((f) => f.severity !== "info").map((f) => `${f.severity} ${f.title}`).sort(),
      ["critical ServiceAccount tenant-a/ci can read the CA key in Secret pki/root-ca; rewrite CA Secret pki/root-ca", "critical User alice can approve CSRs for kubernetes.io/kube-apiserver-client"],
      found.map((f) => f.detail).join("\n"),
    );
    const ci = found.find((f) => f.title.startsWith("ServiceAccount tenant-a/ci"))!;
    assert.match(ci.detail, /ClusterRoleBinding tenant-ci → ClusterRole tenant-ops, aggregated from ClusterRole tenant-ops-secrets/);
    const info = found.find((f) => f.severity === "info")!;
    assert.match(info.detail, /Group system:masters/);
    assert.match(info.detail, /ServiceAccount certdoctor\/certdoctor \(certdoctor's scanner/);
    assert.deepEqual(server.requests.filter((q) => q.status === 403).map((q) => `${q.verb} ${q.path}`), []);
  });

  it("what the finding says is what the API server does: the CI account may rewrite the CA Secret, the clean one may not", async () => {
    const api = (i: number) => {
      const kc = new KubeConfig();
      kc.loadFromFile(files[i]!.path);
      return kc.makeApiClient(CoreV1Api);
    };
    const current = await api(1).readNamespacedSecret({ name: "root-ca", namespace: "pki" });
    await api(1).replaceNamespacedSecret({ name: "root-ca", namespace: "pki", body: { ...current, metadata: { ...current.metadata, labels: { touched: "by-ci" } } } });
    await assert.rejects(api(2).readNamespacedSecret({ name: "root-ca", namespace: "pki" }), (e: { code?: number }) => e.code === 403);
    assert.equal(policy.allows({ user: "alice", verb: "approve", group: "certificates.k8s.io", resource: "signers", name: "kubernetes.io/kube-apiserver-client" }), true);
    assert.equal(policy.allows({ user: "alice", verb: "update", group: "certificates.k8s.io", resource: "certificatesigningrequests", subresource: "approval" }), true);
  });

  it("a dump of the same objects (aggregated rules still empty) gives the same findings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "certdoctor-rbac-"));
    try {
      const secretDoc = tlsSecret("pki", "root-ca", readFileSync(fixturePath("ca", "ca.crt"), "utf8"), readFileSync(fixturePath("ca", "ca.key"), "utf8"));
      writeFileSync(join(dir, "cluster.yaml"), yaml.dump({ apiVersion: "v1", kind: "List", items: [...objects, secretDoc] }));
      const r = await runCli(["scan", "--path", join(dir, "cluster.yaml"), "--format", "json", "--now", fixtureNow.toISOString()], { cwd: root });
      const titles = (JSON.parse(r.out) as Report).findings.filter((f) => f.rule === "rbac-cert-authority" && f.severity !== "info").map((f) => `${f.severity} ${f.title}`).sort();
      assert.deepEqual(titles, ["critical ServiceAccount tenant-a/ci can read the CA key in Secret pki/root-ca; rewrite CA Secret pki/root-ca", "critical User alice can approve CSRs for kubernetes.io/kube-apiserver-client"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
