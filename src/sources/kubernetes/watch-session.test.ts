import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { after, before, describe, it } from "node:test";
import { startKubeApi, type KubeApiServer } from "../../../test/kube-api/server.js";
import { secret, writeKubeconfig } from "../../../test/kube-api/seed.js";
import { KubeClient } from "./client.js";
import { KINDS } from "./kinds.js";
import { watchSession, type WatchSessionOptions } from "./watch-session.js";

const SECRETS = KINDS.find((k) => k.kind === "Secret")!;

describe("watchSession (real client-node against the test API server)", () => {
  let server: KubeApiServer;
  let kc: { path: string; cleanup: () => void };
  let client: KubeClient;
  before(async () => {
    server = await startKubeApi({ bookmarkIntervalMs: 50 });
    kc = writeKubeconfig(server);
    client = new KubeClient({ kubeconfig: kc.path });
  });
  after(async () => {
    await server.close();
    kc.cleanup();
  });

  function record(): { events: string[]; started: number; heard: number; options: Omit<WatchSessionOptions, "idleMs"> } {
    const r = { events: [] as string[], started: 0, heard: 0 };
    return {
      ...r,
      get events() { return r.events; },
      get started() { return r.started; },
      get heard() { return r.heard; },
      options: {
        onEvent: (type, object) => r.events.push(`${type} ${(object as { metadata?: { name?: string } }).metadata?.name ?? ""}`.trim()),
        onStarted: () => r.started++,
        onHeard: () => r.heard++,
      },
    };
  }

  it("delivers changes from the resourceVersion, keeps alive on bookmarks past the idle deadline, and ends null on abort with its listener removed", async () => {
    const rv = String(server.store.resourceVersion);
    const stop = new AbortController();
    const r = record();
    const done = watchSession(client, SECRETS, "ns-w", rv, stop.signal, { ...r.options, idleMs: 1000 });
    server.store.put(secret("ns-w", "one", { a: "b" }));
    // Bookmarks every 50 ms re-arm the 1 s deadline (a loaded machine may delay some): still open after 2.5 deadlines.
    await new Promise((res) => setTimeout(res, 2500));
    stop.abort();
    assert.equal(await done, null);
    assert.deepEqual(r.events.filter((e) => !e.startsWith("BOOKMARK")), ["ADDED one"]);
    assert.ok(r.events.filter((e) => e.startsWith("BOOKMARK")).length >= 3, r.events.join(","));
    assert.equal(r.started, 1);
    assert.equal(r.heard, r.events.length);
    assert.equal(getEventListeners(stop.signal, "abort").length, 0);
  });

  it("a too-old resourceVersion is gone (ERROR 410), and the ERROR is heard but not handed on", async () => {
    server.store.put(secret("ns-w", "two", { a: "b" }));
    server.store.compact();
    const r = record();
    const signal = new AbortController().signal;
    assert.deepEqual(await watchSession(client, SECRETS, undefined, "1", signal, { ...r.options, idleMs: 5000 }), { kind: "gone", status: 410 });
    assert.deepEqual(r.events, []);
    assert.equal(r.heard, 1);
    assert.equal(getEventListeners(signal, "abort").length, 0);
  });

  it("a watch that is never answered ends as idle, once, without having started", async () => {
    server.faults.push({ action: "hang", verb: "watch", resource: "secrets", times: 1 });
    const r = record();
    const started = Date.now();
    const outcome = await watchSession(client, SECRETS, undefined, String(server.store.resourceVersion), new AbortController().signal, { ...r.options, idleMs: 300 });
    assert.deepEqual(outcome, { kind: "unavailable", reason: "watch idle" });
    assert.ok(Date.now() - started >= 290);
    assert.equal(r.started, 0);
  });

  it("a stream the server drops ends unavailable after what it delivered", async () => {
    const rv = String(server.store.resourceVersion);
    server.store.put(secret("ns-d", "three", { a: "b" }));
    server.store.put(secret("ns-d", "four", { a: "b" }));
    server.faults.push({ action: "drop-watch", verb: "watch", resource: "secrets", times: 1, afterEvents: 3 });
    const r = record();
    const outcome = await watchSession(client, SECRETS, "ns-d", rv, new AbortController().signal, { ...r.options, idleMs: 5000 });
    assert.equal(outcome?.kind, "unavailable");
    assert.ok(r.events.includes("ADDED three"), r.events.join(","));
  });

  it("an already aborted signal ends at once without a request", async () => {
    const before = server.requests.length;
    const stop = new AbortController();
    stop.abort();
    assert.equal(await watchSession(client, SECRETS, undefined, "", stop.signal, { ...record().options, idleMs: 5000 }), null);
    assert.equal(server.requests.length, before);
  });
});
