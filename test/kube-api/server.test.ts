import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { ApiException, CertificatesV1Api, CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { fixturePath } from "../support/fixtures.js";
import { DEFAULT_TOKEN, startKubeApi, type KubeApiServer } from "./server.js";
import { b64, kubeletServingCsr, secret, writeKubeconfig } from "./seed.js";

/** Raw HTTPS GET against the server (for what the typed client hides: status codes, headers, bodies). */
function get(server: KubeApiServer, path: string, token = DEFAULT_TOKEN): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { ca: server.caPem, headers: { authorization: `Bearer ${token}` }, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("test API server follows the real API", () => {
  let server: KubeApiServer;
  let kc: KubeConfig;
  let cleanup: () => void;
  before(async () => {
    server = await startKubeApi({ bookmarkIntervalMs: 50 });
    for (let i = 0; i < 5; i++) server.store.put(secret(`ns-${i % 2}`, `s-${i}`, { a: "b" }));
    server.store.put(secret("ns-0", "helm", { release: "x" }, "helm.sh/release.v1"));
    const file = writeKubeconfig(server);
    cleanup = file.cleanup;
    kc = new KubeConfig();
    kc.loadFromFile(file.path);
  });
  after(async () => {
    await server.close();
    cleanup();
  });

  it("paginates with limit/continue; every page carries the list's resourceVersion; items have no kind", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const names: string[] = [];
    const rvs = new Set<string>();
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const list = await core.listSecretForAllNamespaces({ limit: 2, fieldSelector: "type!=helm.sh/release.v1", ...(token ? { _continue: token } : {}) });
      names.push(...list.items.map((s) => s.metadata!.name!));
      rvs.add(list.metadata!.resourceVersion!);
      token = list.metadata?._continue;
      if (!token) break;
    }
    assert.deepEqual(names, ["s-0", "s-2", "s-4", "s-1", "s-3"]);
    assert.equal(rvs.size, 1);
    const raw = JSON.parse((await get(server, "/api/v1/secrets?limit=1")).body) as { items: Array<Record<string, unknown>> };
    assert.equal(raw.items[0]!.kind, undefined);
  });

  const statusRows: Array<{ name: string; path: string; token?: string; status: number; reason: string }> = [
    { name: "unknown field selector", path: "/api/v1/configmaps?fieldSelector=type%3Dx", status: 400, reason: "BadRequest" },
    { name: "garbage continue token", path: "/api/v1/secrets?continue=zzz", status: 400, reason: "BadRequest" },
    { name: "wrong token", path: "/api/v1/secrets", token: "nope", status: 401, reason: "Unauthorized" },
    { name: "cert-manager not installed", path: "/apis/cert-manager.io/v1/certificates", status: 404, reason: "NotFound" },
  ];
  for (const row of statusRows) {
    it(`answers a Status object: ${row.name}`, async () => {
      const r = await get(server, row.path, row.token);
      assert.equal(r.status, row.status);
      const body = JSON.parse(r.body) as { kind: string; reason: string; code: number };
      assert.deepEqual([body.kind, body.reason, body.code], ["Status", row.reason, row.status]);
    });
  }

  it("403 Forbidden names user, verb, resource, group and namespace like the real authorizer", async () => {
    server.forbid.push({ resource: "configmaps", namespace: "locked" });
    const r = await get(server, "/api/v1/namespaces/locked/configmaps");
    assert.equal(r.status, 403);
    const body = JSON.parse(r.body) as { reason: string; details: { kind: string } };
    assert.equal(body.reason, "Forbidden");
    assert.equal(body.details.kind, "configmaps");
    assert.equal(server.requests.at(-1)!.verb, "list");
  });

  it("429 carries Retry-After", async () => {
    server.faults.push({ action: "429", resource: "nodes", retryAfterSeconds: 7, times: 1 });
    const r = await get(server, "/api/v1/nodes");
    assert.equal(r.status, 429);
    assert.equal(r.headers["retry-after"], "7");
  });

  it("an expired continue token is 410 Expired", async () => {
    const first = JSON.parse((await get(server, "/api/v1/secrets?limit=1")).body) as { metadata: { continue: string } };
    server.store.put(secret("ns-9", "bump", { a: "b" }));
    server.store.compact();
    const r = await get(server, `/api/v1/secrets?limit=1&continue=${first.metadata.continue}`);
    assert.equal(r.status, 410);
    assert.equal((JSON.parse(r.body) as { reason: string }).reason, "Expired");
  });

  it("watch streams replay from a resourceVersion, send BOOKMARKs, and ERROR 410 for a compacted one (real client-node Watch)", async () => {
    const rv = String(server.store.resourceVersion);
    const events: Array<{ type: string; name?: string; code?: number }> = [];
    const watch = new Watch(kc);
    const stopped = new Promise<void>((resolve) => {
      void watch
        .watch("/api/v1/namespaces/ns-1/secrets", { resourceVersion: rv, allowWatchBookmarks: true }, (type, obj: { metadata?: { name?: string } }) => events.push({ type, ...(obj.metadata?.name ? { name: obj.metadata.name } : {}) }), () => resolve())
        .then((c) => setTimeout(() => c.abort(), 400));
    });
    server.store.put(secret("ns-1", "new", { a: "b" }));
    server.store.put(secret("ns-0", "other-namespace", { a: "b" }));
    server.store.delete("v1", "Secret", "ns-1", "new");
    await stopped;
    assert.deepEqual(events.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type} ${e.name}`), ["ADDED new", "DELETED new"]);
    assert.ok(events.some((e) => e.type === "BOOKMARK"));

    const old = await new Promise<Array<{ type: string; code?: number }>>((resolve) => {
      const got: Array<{ type: string; code?: number }> = [];
      void new Watch(kc).watch("/api/v1/secrets", { resourceVersion: "1" }, (type, obj: { code?: number }) => got.push({ type, ...(obj.code ? { code: obj.code } : {}) }), () => resolve(got));
    });
    assert.deepEqual(old, [{ type: "ERROR", code: 410 }]);
  });

  it("the CSR /approval subresource takes a PUT from the real client and records the condition", async () => {
    server.store.put(kubeletServingCsr("csr-x", "w1", readFileSync(fixturePath("keys", "request.csr"), "utf8"), "2026-05-31T00:00:00Z"));
    const certs = kc.makeApiClient(CertificatesV1Api);
    const csr = await certs.readCertificateSigningRequest({ name: "csr-x" });
    csr.status = { conditions: [{ type: "Approved", status: "True", reason: "Test", message: "ok", lastUpdateTime: new Date("2026-06-01T00:00:00Z") }] };
    await certs.replaceCertificateSigningRequestApproval({ name: "csr-x", body: csr });
    const after = await certs.readCertificateSigningRequest({ name: "csr-x" });
    assert.deepEqual(after.status?.conditions?.map((c) => `${c.type}=${c.status}`), ["Approved=True"]);
    assert.equal(server.requests.at(-2)!.subresource, "approval");
    assert.equal(b64(readFileSync(fixturePath("keys", "request.csr"), "utf8")), after.spec.request);
  });

  it("a typed client call that is refused surfaces as ApiException with the code", async () => {
    server.forbid.push({ resource: "nodes", verb: "list" });
    await assert.rejects(kc.makeApiClient(CoreV1Api).listNode(), (e: unknown) => e instanceof ApiException && e.code === 403);
  });
});
