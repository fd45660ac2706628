import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue } from "../../model/scan.js";
import { RbacPolicy } from "../../../test/kube-api/rbac.js";
import { DEFAULT_TOKEN, startKubeApi, type Fault, type KubeApiServer } from "../../../test/kube-api/server.js";
import { b64, kubeletServingCsr, secret, tlsSecret, writeKubeconfig } from "../../../test/kube-api/seed.js";
import { findRepoRoot, fixturePath } from "../../../test/support/fixtures.js";
import { runSourceContract } from "../../../test/support/source-contract.js";
import { parseReadRef } from "./kinds.js";
import { kubeSource, type KubeSourceOptions } from "./source.js";

const pem = (...p: string[]) => readFileSync(fixturePath(...p), "utf8");
const LEAF = pem("chain-ok", "leaf.crt");
const LEAF_KEY = pem("chain-ok", "leaf.key");
const ROOT = pem("chain-ok", "root-ca.crt");
const ctx = { limits: defaultLimits, pkcs12Passwords: [] };

const servers: KubeApiServer[] = [];
const cleanups: Array<() => void> = [];
after(async () => {
  for (const s of servers) await s.close();
  for (const c of cleanups) c();
});

async function serverWith(objects: Array<Record<string, unknown>>, options: Parameters<typeof startKubeApi>[0] = {}): Promise<{ server: KubeApiServer; kubeconfig: string }> {
  const server = await startKubeApi(options);
  servers.push(server);
  for (const o of objects) server.store.put(o);
  const kc = writeKubeconfig(server);
  cleanups.push(kc.cleanup);
  return { server, kubeconfig: kc.path };
}

async function collect(options: KubeSourceOptions): Promise<Array<RawItem | ScanIssue>> {
  const out: Array<RawItem | ScanIssue> = [];
  for await (const item of kubeSource(options).discover(ctx)) out.push(item);
  return out;
}

const refs = (items: Array<RawItem | ScanIssue>) => items.filter((i) => !isScanIssue(i)).map((i) => i.ref);
const issues = (items: Array<RawItem | ScanIssue>) => items.filter(isScanIssue).map((i) => `${i.code} ${i.ref}`);
const noSleep = { sleep: async () => undefined };

runSourceContract("kube-api", (kubeconfig) => kubeSource({ kubeconfig, ...noSleep }), {
  setupGood: async () => (await serverWith([tlsSecret("a", "one", LEAF, LEAF_KEY, ROOT), tlsSecret("b", "two", LEAF, LEAF_KEY)])).kubeconfig,
  setupWithUnreadable: async () =>
    (await serverWith([tlsSecret("a", "one", LEAF, LEAF_KEY, ROOT), { apiVersion: "v1", kind: "Secret", metadata: { name: "bad", namespace: "a" }, data: { "ca.crt": "!!not base64!!" } }])).kubeconfig,
  setupMany: async () => (await serverWith(Array.from({ length: 30 }, (_, i) => tlsSecret(`ns-${i}`, "web", LEAF, LEAF_KEY)))).kubeconfig,
});

describe("kubeSource against the test API server", () => {
  it("reads Secrets through pagination with the same refs as the manifest reader, skipping Helm releases by field selector", async () => {
    const { server, kubeconfig } = await serverWith(
      [
        ...Array.from({ length: 7 }, (_, i) => tlsSecret(`ns-${i}`, "web", LEAF, LEAF_KEY, ROOT)),
        secret("ns-1", "sh.helm.release.v1.app.v1", { release: "H4sIAAAA" }, "helm.sh/release.v1"),
      ],
      { maxPageSize: 3 },
    );
    const items = await collect({ kubeconfig, pageSize: 2 });
    assert.deepEqual(
      refs(items).filter((r) => r.startsWith("secret:ns-0/")),
      ["secret:ns-0/web#tls.crt", "secret:ns-0/web#tls.key", "secret:ns-0/web#ca.crt"],
    );
    assert.equal(refs(items).filter((r) => r.endsWith("#tls.crt")).length, 7);
    assert.ok(!refs(items).some((r) => r.includes("helm")));
    const secretLists = server.resourceRequests().filter((r) => r.resource === "secrets");
    assert.equal(secretLists.length, 4, "7 secrets in pages of 2");
    for (const r of secretLists) assert.equal(r.query.fieldSelector, "type!=helm.sh/release.v1");
    const cert = items.find((i) => !isScanIssue(i) && i.ref === "secret:ns-0/web#ca.crt") as RawItem;
    assert.equal(cert.context, "secret:ns-0/web");
    assert.equal((cert as { anchor?: boolean }).anchor, true);
    assert.equal("path" in cert, false, "API items have no filesystem path");
  });

  const faultRows: Array<{ name: string; fault: Fault; wantRetries: number; wantSleepsAtLeast?: number }> = [
    { name: "429 with Retry-After is retried after the server's delay", fault: { action: "429", resource: "secrets", retryAfterSeconds: 2, times: 2 }, wantRetries: 2, wantSleepsAtLeast: 2000 },
    { name: "500 is retried with backoff", fault: { action: "500", resource: "secrets", times: 3 }, wantRetries: 3 },
    { name: "a connection dropped before the response is retried", fault: { action: "drop", resource: "secrets", times: 1 }, wantRetries: 1 },
    { name: "a list body cut off mid-page is retried", fault: { action: "drop-mid-body", resource: "secrets", times: 1 }, wantRetries: 1 },
  ];
  for (const row of faultRows) {
    it(`survives faults: ${row.name}`, async () => {
      const { server, kubeconfig } = await serverWith(Array.from({ length: 5 }, (_, i) => tlsSecret(`ns-${i}`, "web", LEAF, LEAF_KEY)), { maxPageSize: 2 });
      server.faults.push({ ...row.fault });
      const sleeps: number[] = [];
      const source = kubeSource({ kubeconfig, requestTimeoutMs: 1000, sleep: async (ms) => void sleeps.push(ms) });
      const items: Array<RawItem | ScanIssue> = [];
      for await (const i of source.discover(ctx)) items.push(i);
      assert.deepEqual(issues(items), []);
      assert.equal(refs(items).filter((r) => r.endsWith("#tls.crt")).length, 5, "nothing lost");
      assert.equal(source.connect().retries, row.wantRetries);
      if (row.wantSleepsAtLeast !== undefined) assert.ok(sleeps.every((ms) => ms >= row.wantSleepsAtLeast!), `slept ${sleeps.join(",")}`);
    });
  }

  it("gives up after bounded retries with an ERR_SOURCE_UNAVAILABLE note and reads the other kinds", async () => {
    const { server, kubeconfig } = await serverWith([tlsSecret("a", "web", LEAF, LEAF_KEY), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kube-root-ca.crt", namespace: "a" }, data: { "ca.crt": ROOT } }]);
    server.faults.push({ action: "500", resource: "secrets", times: 100 });
    const items = await collect({ kubeconfig, ...noSleep, backoff: { maxAttempts: 3 } });
    assert.deepEqual(issues(items), ["ERR_SOURCE_UNAVAILABLE kube-api:/api/v1/secrets#list"]);
    assert.ok(refs(items).includes("configmap:a/kube-root-ca.crt#ca.crt"));
  });

  it("restarts a list whose continue token expired (410) without reading an object twice", async () => {
    const { server, kubeconfig } = await serverWith(Array.from({ length: 6 }, (_, i) => tlsSecret(`ns-${i}`, "web", LEAF, LEAF_KEY)), { maxPageSize: 2 });
    let pages = 0;
    const origList = server.store.sortedIds.bind(server.store);
    server.store.sortedIds = (def, ns) => {
      if (def.resource === "secrets" && ++pages === 2) {
        // etcd compacts past the list's revision while the client pages through it
        server.store.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bump", namespace: "x" }, data: {} });
        server.store.compact();
      }
      return origList(def, ns);
    };
    const items = await collect({ kubeconfig, ...noSleep });
    const crts = refs(items).filter((r) => r.endsWith("#tls.crt"));
    assert.equal(crts.length, 6);
    assert.equal(new Set(crts).size, 6);
    assert.ok(server.requests.some((r) => r.resource === "secrets" && r.status === 410), "the server did answer 410");
  });

  it("turns 403 on one kind and one namespace into ERR_SOURCE_FORBIDDEN issues naming the request, and reads the rest", async () => {
    const { server, kubeconfig } = await serverWith([
      tlsSecret("team-a", "web", LEAF, LEAF_KEY),
      tlsSecret("team-b", "web", LEAF, LEAF_KEY),
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "root", namespace: "team-a" }, data: { "ca.crt": ROOT } },
    ]);
    server.forbid.push({ resource: "secrets", namespace: "team-b" }, { resource: "nodes" });
    const items = await collect({ kubeconfig, namespaces: ["team-a", "team-b"] });
    const forbidden = items.filter(isScanIssue).filter((i) => i.code === ErrorCode.ERR_SOURCE_FORBIDDEN);
    assert.deepEqual(forbidden.map((i) => parseReadRef(i.ref)), [{ verb: "list", group: "", resource: "secrets", namespace: "team-b" }]);
    assert.ok(refs(items).includes("secret:team-a/web#tls.crt"));
    assert.ok(refs(items).includes("configmap:team-a/root#ca.crt"));
  });

  const nsPolicy = (extra = "") =>
    RbacPolicy.fromYaml([readFileSync(join(findRepoRoot(), "deploy", "rbac-namespaced.yaml"), "utf8"), extra], (ns) => (ns === "team-a" ? ["team-a", "team-b"] : [ns]));
  const csrReader = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: csr-reader }
rules: [{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["get", "list", "watch"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: csr-reader }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: csr-reader }
subjects: [{ kind: ServiceAccount, name: certdoctor, namespace: certdoctor }]
`;
  const nsRows: Array<{ name: string; extra: string; wantSkipped: string[]; wantClusterLists: string[] }> = [
    {
      name: "only the namespaced Role: no cluster-wide call, every cluster-scoped kind skipped with a note",
      extra: "",
      wantSkipped: ["nodes", "certificatesigningrequests", "validatingwebhookconfigurations", "mutatingwebhookconfigurations", "apiservices", "customresourcedefinitions", "clusterroles", "clusterrolebindings", "clusterissuers"],
      wantClusterLists: [],
    },
    {
      name: "plus a ClusterRole for CSRs: CSRs are read (RBAC says so), the rest skipped",
      extra: csrReader,
      wantSkipped: ["nodes", "validatingwebhookconfigurations", "mutatingwebhookconfigurations", "apiservices", "customresourcedefinitions", "clusterroles", "clusterrolebindings", "clusterissuers"],
      wantClusterLists: ["certificatesigningrequests"],
    },
  ];
  for (const row of nsRows) {
    it(`namespace mode, ${row.name}`, async () => {
      const csr = kubeletServingCsr("csr-1", "w1", readFileSync(fixturePath("keys", "request.csr"), "utf8"), "2026-05-31T00:00:00Z");
      const { server, kubeconfig } = await serverWith([tlsSecret("team-a", "web", LEAF, LEAF_KEY), tlsSecret("other", "web", LEAF, LEAF_KEY), csr], { policy: nsPolicy(row.extra) });
      server.store.enabledOptional.add("cert-manager.io");
      const items = await collect({ kubeconfig, namespaces: ["team-a", "team-b"] });
      assert.equal(new Set(refs(items)).size, refs(items).length, "no object read twice");
      assert.equal(refs(items).includes("csr:csr-1"), row.wantClusterLists.includes("certificatesigningrequests"));
      assert.deepEqual(server.requests.filter((r) => r.status === 403).map((r) => r.path), [], "nothing refused");
      const clusterWide = server.resourceRequests().filter((r) => r.namespace === undefined && r.resource !== "selfsubjectaccessreviews");
      assert.deepEqual(clusterWide.map((r) => `${r.verb} ${r.resource}`), row.wantClusterLists.map((r) => `list ${r}`));
      assert.deepEqual(refs(items).filter((r) => r.startsWith("secret:")), ["secret:team-a/web#tls.crt", "secret:team-a/web#tls.key"]);
      const skipped = items.filter(isScanIssue).filter((i) => i.code === ErrorCode.ERR_SOURCE_SKIPPED).map((i) => parseReadRef(i.ref)?.resource);
      assert.deepEqual(skipped, row.wantSkipped);
    });
  }

  it("malformed objects become issues and never hide their neighbours", async () => {
    const { kubeconfig } = await serverWith([
      { apiVersion: "v1", kind: "Secret", metadata: { name: "a-bad", namespace: "x" }, data: { "tls.crt": "%%%", "ca.crt": b64(ROOT) } },
      {
        apiVersion: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        metadata: { name: "garbage" },
        spec: { request: b64("-----BEGIN CERTIFICATE REQUEST-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE REQUEST-----\n"), signerName: "kubernetes.io/kubelet-serving", usages: [], username: "system:node:w1" },
      },
      tlsSecret("x", "z-good", LEAF, LEAF_KEY),
    ]);
    const items = await collect({ kubeconfig });
    const got = issues(items);
    assert.ok(got.includes("ERR_BASE64_INVALID secret:x/a-bad#tls.crt"), got.join("\n"));
    assert.ok(got.some((i) => i.startsWith("ERR_CSR_INVALID csr:garbage") || i.startsWith("ERR_PEM_INVALID csr:garbage") || i.startsWith("ERR_DER_INVALID csr:garbage")), got.join("\n"));
    assert.ok(refs(items).includes("secret:x/a-bad#ca.crt"), "the good key of the bad Secret is read");
    assert.ok(refs(items).includes("secret:x/z-good#tls.crt"));
    assert.ok(refs(items).includes("csr:garbage"), "the CSR object itself is still listed");
  });

  it("rejected credentials are a config error, not a finding", async () => {
    const { server } = await serverWith([]);
    const kc = writeKubeconfig(server, "wrong-token");
    cleanups.push(kc.cleanup);
    await assert.rejects(collect({ kubeconfig: kc.path }), (err: unknown) => err instanceof CertdoctorError && err.code === ErrorCode.ERR_CONFIG_INVALID);
  });

  it("--in-cluster: service-account token and CA from the pod's files, API address from the environment", async () => {
    const { server } = await serverWith([tlsSecret("a", "web", LEAF, LEAF_KEY)]);
    const root = mkdtempSync(join(tmpdir(), "certdoctor-incluster-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const sa = join(root, "var", "run", "secrets", "kubernetes.io", "serviceaccount");
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, "token"), DEFAULT_TOKEN);
    writeFileSync(join(sa, "ca.crt"), server.caPem!);
    writeFileSync(join(sa, "namespace"), "certdoctor");
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = "127.0.0.1";
    process.env.KUBERNETES_SERVICE_PORT = new URL(server.url).port;
    try {
      const items = await collect({ inCluster: true, inClusterRoot: root });
      assert.ok(refs(items).includes("secret:a/web#tls.crt"));
      assert.equal(server.requests.at(-1)!.user, "system:serviceaccount:certdoctor:certdoctor");
    } finally {
      for (const [k, v] of [["KUBERNETES_SERVICE_HOST", saved.host], ["KUBERNETES_SERVICE_PORT", saved.port]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    delete process.env.KUBERNETES_SERVICE_HOST;
    assert.throws(() => kubeSource({ inCluster: true, inClusterRoot: root }).connect(), (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_CONFIG_INVALID);
    if (saved.host !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved.host;
  });

  it("client-side QPS limiting spaces requests (--kube-qps 20, burst 1)", async () => {
    const { server, kubeconfig } = await serverWith(Array.from({ length: 6 }, (_, i) => tlsSecret(`ns-${i}`, "web", LEAF, LEAF_KEY)), { maxPageSize: 1 });
    const started = performance.now();
    await collect({ kubeconfig, qps: 20, burst: 1, kinds: [{ apiVersion: "v1", kind: "Secret", group: "", resource: "secrets", namespaced: true }] });
    const ms = performance.now() - started;
    const calls = server.resourceRequests().length;
    assert.equal(calls, 6);
    assert.ok(ms >= (calls - 1) * 50 * 0.9, `${calls} requests took ${Math.round(ms)} ms`);
  });

  it("lists 20,000 Secrets across 200 namespaces through pagination", async () => {
    const objects = Array.from({ length: 20_000 }, (_, i) => (i % 2 === 0 ? tlsSecret(`ns-${i % 200}`, `s-${i}`, LEAF, LEAF_KEY) : secret(`ns-${i % 200}`, `opaque-${i}`, { password: "hunter2" })));
    const { server, kubeconfig } = await serverWith(objects);
    const started = performance.now();
    const items = await collect({ kubeconfig });
    const ms = performance.now() - started;
    assert.equal(refs(items).filter((r) => r.endsWith("#tls.crt")).length, 10_000);
    assert.equal(server.resourceRequests().filter((r) => r.resource === "secrets").length, 40, "pages of 500");
    // A generous bound: this machine is often shared; the point is that 40 pages do not take minutes.
    assert.ok(ms < 60_000, `took ${Math.round(ms)} ms`);
  });
});
