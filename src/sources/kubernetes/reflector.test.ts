import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue } from "../../model/scan.js";
import { startKubeApi, type KubeApiServer } from "../../../test/kube-api/server.js";
import { kubeletServingCsr, tlsSecret, writeKubeconfig } from "../../../test/kube-api/seed.js";
import { fixturePath } from "../../../test/support/fixtures.js";
import { KINDS } from "./kinds.js";
import { kubeSource } from "./source.js";

const LEAF = readFileSync(fixturePath("chain-ok", "leaf.crt"), "utf8");
const KEY = readFileSync(fixturePath("chain-ok", "leaf.key"), "utf8");
const SECRETS = KINDS.filter((k) => k.kind === "Secret");

async function refsOf(source: { discover: (c: never) => AsyncIterable<RawItem | ScanIssue> }): Promise<string[]> {
  const out: string[] = [];
  for await (const i of source.discover({} as never)) if (!isScanIssue(i)) out.push(i.ref);
  return out;
}

describe("KubeReflector", () => {
  const servers: KubeApiServer[] = [];
  const cleanups: Array<() => void> = [];
  after(async () => {
    for (const s of servers) await s.close();
    for (const c of cleanups) c();
  });

  it("reopens a watch that hangs without a response (idle deadline) and still sees the change", async () => {
    const server = await startKubeApi({ bookmarkIntervalMs: 60_000 });
    servers.push(server);
    server.store.put(tlsSecret("a", "one", LEAF, KEY));
    const kc = writeKubeconfig(server);
    cleanups.push(kc.cleanup);
    server.faults.push({ action: "hang", verb: "watch", resource: "secrets", times: 1 });
    const stop = new AbortController();
    let changes = 0;
    const reflector = kubeSource({ kubeconfig: kc.path, kinds: SECRETS }).reflect({ limits: defaultLimits, pkcs12Passwords: [] }, () => changes++, { watchIdleMs: 300, sleep: async () => undefined });
    const running = reflector.run(stop.signal);
    for (let i = 0; i < 100 && !reflector.synced; i++) await new Promise((r) => setTimeout(r, 20));
    server.store.put(tlsSecret("a", "two", LEAF, KEY));
    let seen: string[] = [];
    for (let i = 0; i < 200 && !seen.includes("secret:a/two#tls.crt"); i++) {
      await new Promise((r) => setTimeout(r, 25));
      seen = await refsOf(reflector.snapshot());
    }
    stop.abort();
    await running;
    assert.ok(seen.includes("secret:a/one#tls.crt") && seen.includes("secret:a/two#tls.crt"), seen.join(","));
    assert.ok(server.requests.some((r) => r.verb === "watch" && r.status === -2), "the first watch hung");
    assert.ok(reflector.stats.reconnects >= 1);
    assert.ok(changes >= 2);
  });

  it("list allowed but watch forbidden: an ERR_SOURCE_FORBIDDEN issue for verb watch, the listed objects stay", async () => {
    const server = await startKubeApi();
    servers.push(server);
    server.store.put(tlsSecret("a", "one", LEAF, KEY));
    server.forbid.push({ resource: "secrets", verb: "watch" });
    const kc = writeKubeconfig(server);
    cleanups.push(kc.cleanup);
    const stop = new AbortController();
    const reflector = kubeSource({ kubeconfig: kc.path, kinds: SECRETS }).reflect({ limits: defaultLimits, pkcs12Passwords: [] }, () => undefined, { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) });
    const running = reflector.run(stop.signal);
    let issues: string[] = [];
    for (let i = 0; i < 200 && issues.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      issues = [];
      for await (const it of reflector.snapshot().discover({} as never)) if (isScanIssue(it)) issues.push(`${it.code} ${it.ref}`);
    }
    stop.abort();
    await running;
    assert.deepEqual(issues, ["ERR_SOURCE_FORBIDDEN kube-api:/api/v1/secrets#watch"]);
    assert.ok((await refsOf(reflector.snapshot())).includes("secret:a/one#tls.crt"));
    assert.equal(server.requests.filter((r) => r.verb === "list" && r.resource === "secrets").length, 1, "no relist loop");
  });

  it("--namespace mode with a readable cluster-scoped kind: one unscoped stream for it, namespaced streams for the rest", async () => {
    const server = await startKubeApi();
    servers.push(server);
    for (const ns of ["a", "b", "c"]) server.store.put(tlsSecret(ns, "one", LEAF, KEY));
    server.store.put(kubeletServingCsr("csr-1", "w1", readFileSync(fixturePath("keys", "request.csr"), "utf8"), "2026-05-31T00:00:00Z"));
    server.forbid.push({ resource: "nodes" });
    const kc = writeKubeconfig(server);
    cleanups.push(kc.cleanup);
    const stop = new AbortController();
    const kinds = KINDS.filter((k) => ["Secret", "CertificateSigningRequest", "Node"].includes(k.kind));
    const reflector = kubeSource({ kubeconfig: kc.path, kinds, namespaces: ["a", "b"] }).reflect({ limits: defaultLimits, pkcs12Passwords: [] }, () => undefined);
    const running = reflector.run(stop.signal);
    for (let i = 0; i < 100 && !reflector.synced; i++) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 100 && server.watchCount < 3; i++) await new Promise((r) => setTimeout(r, 20));
    const refs = await refsOf(reflector.snapshot());
    stop.abort();
    await running;
    assert.deepEqual(refs.filter((r) => !r.startsWith("csr:csr-1#")).sort(), ["csr:csr-1", "secret:a/one#tls.crt", "secret:a/one#tls.key", "secret:b/one#tls.crt", "secret:b/one#tls.key"]);
    const watches = server.requests.filter((r) => r.verb === "watch").map((r) => `${r.resource} ${r.namespace ?? "-"} ${r.status}`).sort();
    assert.deepEqual(watches, ["certificatesigningrequests - 200", "secrets a 200", "secrets b 200"]);
  });

  it("a forbidden kind becomes the stream's issue and is retried, without stopping the others", async () => {
    const server = await startKubeApi();
    servers.push(server);
    server.store.put(tlsSecret("a", "one", LEAF, KEY));
    server.forbid.push({ resource: "configmaps" });
    const kc = writeKubeconfig(server);
    cleanups.push(kc.cleanup);
    const stop = new AbortController();
    const kinds = KINDS.filter((k) => k.kind === "Secret" || k.kind === "ConfigMap");
    const reflector = kubeSource({ kubeconfig: kc.path, kinds }).reflect({ limits: defaultLimits, pkcs12Passwords: [] }, () => undefined, { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) });
    const running = reflector.run(stop.signal);
    for (let i = 0; i < 100 && !reflector.synced; i++) await new Promise((r) => setTimeout(r, 20));
    const issues: string[] = [];
    for await (const i of reflector.snapshot().discover({} as never)) if (isScanIssue(i)) issues.push(`${i.code} ${i.ref}`);
    for (let i = 0; i < 100 && server.requests.filter((r) => r.resource === "configmaps").length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await running;
    assert.deepEqual(issues, ["ERR_SOURCE_FORBIDDEN kube-api:/api/v1/configmaps#list"]);
    assert.ok((await refsOf(reflector.snapshot())).includes("secret:a/one#tls.crt"));
    assert.ok(server.requests.filter((r) => r.resource === "configmaps").length >= 3, "the forbidden list is retried with backoff");
  });
});
