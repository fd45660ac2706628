import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { makeTestApp, storeNotReached, TEST_TOKEN } from "../../test/support/server.js";
import { loadOpenApi, operations, responseSchema, validate } from "../../test/support/openapi.js";

const doc = loadOpenApi();

describe("server app", () => {
  it("serves exactly the operations docs/api/openapi.yaml documents (both ways)", () => {
    const { app } = makeTestApp(storeNotReached());
    const routes = new Set(
      app.routes
        .filter((r) => r.method !== "ALL" && (r.path.startsWith("/api/") || r.path === "/healthz" || r.path === "/readyz"))
        .map((r) => `${r.method} ${r.path}`),
    );
    assert.deepEqual([...routes].sort(), operations(doc));
  });

  it("answers /healthz without a token", async () => {
    const { app } = makeTestApp(storeNotReached());
    const res = await app.request("/healthz");
    assert.equal(res.status, 200);
    assert.deepEqual(validate(doc, responseSchema(doc, "GET", "/healthz", 200), await res.json()), []);
  });

  for (const row of [
    { name: "no Authorization header", headers: {} as Record<string, string> },
    { name: "a token not in the file", headers: { authorization: "Bearer wrong-token" } },
    { name: "the token in another scheme", headers: { authorization: `Basic ${TEST_TOKEN}` } },
  ]) {
    it(`rejects ${row.name} with 401 JSON`, async () => {
      const { app } = makeTestApp(storeNotReached());
      const res = await app.request("/api/v1/rules", { headers: row.headers });
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, "ERR_HTTP_UNAUTHORIZED");
      assert.deepEqual(validate(doc, responseSchema(doc, "GET", "/api/v1/rules", 401), body), []);
    });
  }

  it("rejects a token given in the query string (tokens never travel in URLs)", async () => {
    const { app, auth } = makeTestApp(storeNotReached());
    assert.equal((await app.request(`/api/v1/rules?token=${TEST_TOKEN}`)).status, 401);
    assert.equal((await app.request(`/api/v1/rules?token=${TEST_TOKEN}`, { headers: auth })).status, 400);
  });

  it("accepts the right token and serves the rule catalogue", async () => {
    const { app, auth } = makeTestApp(storeNotReached());
    const res = await app.request("/api/v1/rules", { headers: auth });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { items: Array<{ id: string }> };
    assert.deepEqual(validate(doc, responseSchema(doc, "GET", "/api/v1/rules", 200), body), []);
    assert.ok(body.items.some((r) => r.id === "cert-expired"));
    assert.equal(res.headers.get("cache-control"), "no-store");
  });

  it("picks up a rotated token file without a restart", async () => {
    let now = 0;
    const { app, tokenFile } = makeTestApp(storeNotReached());
    const { TokenFileAuth } = await import("./auth.js");
    const auth = new TokenFileAuth(tokenFile, () => now);
    assert.ok(auth.authenticate(`Bearer ${TEST_TOKEN}`, undefined, false));
    writeFileSync(tokenFile, "rotated-token-xyz\n");
    now += 5000;
    assert.equal(auth.authenticate(`Bearer ${TEST_TOKEN}`, undefined, false), undefined);
    assert.ok(auth.authenticate("Bearer rotated-token-xyz", undefined, false));
    assert.ok(app);
  });

  it("with --no-auth, serves without a token", async () => {
    const { app } = makeTestApp(storeNotReached(), { noAuth: true });
    assert.equal((await app.request("/api/v1/rules")).status, 200);
  });

  it("answers unknown routes with 404 JSON, with or without a token", async () => {
    const { app, auth } = makeTestApp(storeNotReached());
    for (const path of ["/nope", "/api/v1/nope"]) {
      const res = await app.request(path, { headers: auth });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "ERR_HTTP_NOT_FOUND");
    }
  });

  for (const row of [
    { name: "an unknown parameter", path: "/api/v1/findings?sevrity=critical" },
    { name: "a severity that does not exist", path: "/api/v1/findings?severity=urgent" },
    { name: "a page size over the limit", path: "/api/v1/findings?limit=5000" },
    { name: "a page size of 0", path: "/api/v1/certificates?limit=0" },
    { name: "a malformed cursor", path: "/api/v1/timeline?cursor=%24%24" },
    { name: "a since that is no time", path: "/api/v1/timeline?since=yesterday" },
    { name: "since after until", path: "/api/v1/timeline?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z" },
    { name: "a sort key that does not exist", path: "/api/v1/certificates?sort=colour" },
    { name: "a fingerprint that is not hex", path: "/api/v1/certificates/not-a-fingerprint" },
    { name: "a boolean that is not one", path: "/api/v1/timeline?ca=maybe" },
    { name: "a trust-graph leaves count out of range", path: "/api/v1/trust-graph?leaves=100000" },
  ]) {
    it(`answers ${row.name} with 400 naming it`, async () => {
      const { app, auth } = makeTestApp(storeNotReached());
      const res = await app.request(row.path, { headers: auth });
      assert.equal(res.status, 400, row.path);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "ERR_QUERY_INVALID");
      assert.ok(body.error.message.length > 0);
    });
  }

  describe("agent report bodies", () => {
    const post = (app: ReturnType<typeof makeTestApp>["app"], body: string, headers: Record<string, string>) =>
      app.request("/api/v1/agent-reports", { method: "POST", body, headers });

    it("refuses a body that is not JSON with 415", async () => {
      const { app, auth } = makeTestApp(storeNotReached());
      const res = await post(app, "x", { ...auth, "content-type": "text/plain" });
      assert.equal(res.status, 415);
    });

    it("refuses a declared oversized body with 413 before reading it", async () => {
      const t = makeTestApp(storeNotReached());
      t.deps.limits.maxReportBytes = 1000;
      const res = await post(t.app, "x".repeat(2000), { ...t.auth, "content-type": "application/json", "content-length": "2000" });
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "ERR_BODY_TOO_LARGE");
    });

    it("refuses an oversized streamed body (no Content-Length) with 413", async () => {
      const t = makeTestApp(storeNotReached());
      t.deps.limits.maxReportBytes = 1000;
      const stream = new ReadableStream({
        start(c) {
          for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode("x".repeat(500)));
          c.close();
        },
      });
      const res = await t.app.request("/api/v1/agent-reports", { method: "POST", body: stream, headers: { ...t.auth, "content-type": "application/json" }, duplex: "half" } as RequestInit);
      assert.equal(res.status, 413);
    });

    it("refuses malformed JSON with 400", async () => {
      const { app, auth } = makeTestApp(storeNotReached());
      const res = await post(app, '{"schemaVersion": 1,', { ...auth, "content-type": "application/json" });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "ERR_BODY_INVALID");
    });

    for (const row of [
      { name: "a wrong schemaVersion", body: { schemaVersion: 2 } },
      { name: "no agent section", body: { schemaVersion: 1 } },
      { name: "a node name with a slash", body: { schemaVersion: 1, agent: { nodeName: "a/b", agentId: "x", sequence: 1, scannedAt: "2026-12-01T00:00:00Z" } } },
      { name: "a sequence of 0", body: { schemaVersion: 1, agent: { nodeName: "n1", agentId: "x", sequence: 0, scannedAt: "2026-12-01T00:00:00Z" } } },
      { name: "certificates that are not a list", body: { schemaVersion: 1, agent: { nodeName: "n1", agentId: "x", sequence: 1, scannedAt: "2026-12-01T00:00:00Z" }, certificates: {} } },
      { name: "a certificate without a fingerprint", body: { schemaVersion: 1, agent: { nodeName: "n1", agentId: "x", sequence: 1, scannedAt: "2026-12-01T00:00:00Z" }, certificates: [{ subject: "CN=x" }] } },
      { name: "private key material", body: { schemaVersion: 1, agent: { nodeName: "n1", agentId: "x", sequence: 1, scannedAt: "2026-12-01T00:00:00Z" }, notes: [{ code: "X", location: "file:/k", message: "-----BEGIN PRIVATE KEY-----\nMIIE" }] } },
    ]) {
      it(`refuses a report with ${row.name} (400 ERR_REPORT_INVALID, nothing stored)`, async () => {
        const { app, auth } = makeTestApp(storeNotReached());
        const res = await post(app, JSON.stringify(row.body), { ...auth, "content-type": "application/json" });
        assert.equal(res.status, 400);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, "ERR_REPORT_INVALID");
      });
    }

    it("refuses an Idempotency-Key that does not match the body", async () => {
      const { app, auth } = makeTestApp(storeNotReached());
      const body = { schemaVersion: 1, agent: { nodeName: "n1", agentId: "a1", sequence: 3, scannedAt: "2026-12-01T00:00:00Z" } };
      const res = await post(app, JSON.stringify(body), { ...auth, "content-type": "application/json", "idempotency-key": "a1:4" });
      assert.equal(res.status, 400);
    });
  });
});
