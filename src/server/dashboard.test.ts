import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { createApp } from "./app.js";
import { CONTENT_SECURITY_POLICY, DASHBOARD_PATHS, dashboardRoutesFrom } from "./dashboard.js";
import { routeModules } from "./routes.js";
import { makeTestApp, storeNotReached } from "../../test/support/server.js";

/** A build folder shaped like Vite's output. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dir, "assets", "index-abc123.js"), `console.log(${JSON.stringify("x".repeat(5000))});`);
  writeFileSync(join(dir, "favicon.svg"), "<svg/>");
  return dir;
}

function appOver(root: string) {
  const { deps } = makeTestApp(storeNotReached());
  return createApp(deps, [...routeModules.filter((m) => m.name !== "dashboard"), dashboardRoutesFrom(root)]);
}

describe("dashboard static route", () => {
  it("is listed in routeModules", () => {
    assert.ok(routeModules.some((m) => m.name === "dashboard"));
  });

  for (const path of ["/", "/findings", "/certificates/" + "a".repeat(64), "/nodes/worker-1", "/trust-graph", "/timeline", "/namespaces/kube-system"]) {
    it(`answers ${path} with index.html, no-cache and the CSP, without a token`, async () => {
      const app = appOver(fakeBuild());
      const res = await app.request(path);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      assert.equal(res.headers.get("cache-control"), "no-cache");
      assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("x-frame-options"), "DENY");
      assert.match(await res.text(), /\/assets\/index-abc123\.js/);
    });
  }

  it("serves hashed assets for a year, gzip when asked, 304 on a matching ETag", async () => {
    const app = appOver(fakeBuild());
    const plain = await app.request("/assets/index-abc123.js");
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(plain.headers.get("content-type") ?? "", /^text\/javascript/);
    const body = await plain.text();
    const etag = plain.headers.get("etag")!;
    const gz = await app.request("/assets/index-abc123.js", { headers: { "accept-encoding": "gzip, br" } });
    assert.equal(gz.headers.get("content-encoding"), "gzip");
    const packed = Buffer.from(await gz.arrayBuffer());
    assert.ok(packed.length < body.length / 10);
    assert.equal(gunzipSync(packed).toString(), body);
    const again = await app.request("/assets/index-abc123.js", { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
  });

  it("answers a file that is not in the build, or a path outside it, with the JSON 404", async () => {
    const app = appOver(fakeBuild());
    for (const path of ["/assets/nope.js", "/assets/../index.html", "/assets/%2e%2e/index.html", "/nope", "/certificates/x/y"]) {
      const res = await app.request(path);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "ERR_HTTP_NOT_FOUND");
    }
  });

  it("says how to build it when there is no build, and the API still answers", async () => {
    const app = appOver(mkdtempSync(join(tmpdir(), "certdoctor-web-empty-")));
    const res = await app.request("/");
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build:web/);
    assert.equal((await app.request("/healthz")).status, 200);
  });

  it("keeps the view paths in step with the web app's router", async () => {
    const { readFileSync } = await import("node:fs");
    const { fileURLToPath } = await import("node:url");
    const app = readFileSync(fileURLToPath(new URL("../../../web/src/app.tsx", import.meta.url)), "utf8");
    const patterns = [...app.matchAll(/pattern: "([^"]+)"/g)].map((m) => m[1]);
    for (const p of patterns) assert.ok((DASHBOARD_PATHS as readonly string[]).includes(p!), `the web app routes ${p}, the server does not serve it`);
  });

  it("the real build (dist/web) has an index.html whose scripts and styles are same-origin files that exist", async () => {
    const { app } = makeTestApp(storeNotReached());
    const res = await app.request("/");
    assert.equal(res.status, 200, "dist/web is built by npm test (npm run build:web)");
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.some((r) => r.endsWith(".js")));
    for (const ref of refs) {
      assert.match(ref, /^\/[^/]/, `${ref} is not a same-origin path`);
      assert.equal((await app.request(ref)).status, 200, ref);
    }
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script (the CSP forbids it)");
  });
});
