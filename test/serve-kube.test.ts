/**
 * `certdoctor serve` against the test API server: the KubeEdge story — the CA Secret `casecret` is
 * replaced, and the timeline says when, that it is a CA change, the Secret's resourceVersion, and who
 * did it (the managedFields entry that owns `data.cadata`), seen through the watch without a relist.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { buildKubeSources } from "../src/cli/options-kube.js";
import { createLogger } from "../src/server/log.js";
import { noAuth } from "../src/server/auth.js";
import { startServer } from "../src/server/run-server.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { ApiChange, Page } from "../src/store/types.js";
import { startKubeApi, type KubeApiServer } from "./kube-api/server.js";
import { secret, writeKubeconfig } from "./kube-api/seed.js";
import { quietIO } from "./support/cli.js";
import { EndpointPki } from "./support/endpoint-pki.js";
import { eventually, http } from "./support/http.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "certdoctor-serve-kube-"));
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

function casecret(caPem: string, manager: string, time: string): Record<string, unknown> {
  const s = secret("kubeedge", "casecret", { cadata: caPem });
  (s.metadata as Record<string, unknown>).managedFields = [
    { manager: "cloudcore", operation: "Update", apiVersion: "v1", time: "2026-01-01T00:00:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:type": {} } },
    { manager, operation: "Update", apiVersion: "v1", time, fieldsType: "FieldsV1", fieldsV1: { "f:data": { ".": {}, "f:cadata": {} } } },
  ];
  return s;
}

describe("certdoctor serve with a cluster", () => {
  it("records a replaced CA Secret as a CA change with its resourceVersion and the managedFields actor", async () => {
    const pki = new EndpointPki();
    cleanups.push(() => pki.cleanup());
    pki.ca("kubeedge", "/CN=KubeEdge");
    pki.ca("rogue", "/CN=KubeEdge");
    const api: KubeApiServer = await startKubeApi({ bookmarkIntervalMs: 200 });
    cleanups.push(() => api.close());
    api.store.put(casecret(pki.read("kubeedge.crt").toString(), "cloudcore", "2026-01-01T00:00:00Z"));
    const kc = writeKubeconfig(api);
    cleanups.push(kc.cleanup);
    const sources = await buildKubeSources({ kubeconfig: kc.path }, quietIO());
    const store = await openSqliteStore(join(dir, "kube.db"));
    const server = await startServer({ paths: [], sources, store, host: "127.0.0.1", port: 0, auth: noAuth, intervalMs: 3_600_000, retentionMs: 90 * 86_400_000, warnDays: 30, critDays: 7, agentSilentAfterMs: 3_600_000, fixedNow: new Date("2026-06-01T00:00:00Z"), log: createLogger(() => undefined), debounceMs: 50 });
    cleanups.push(() => server.close());
    await eventually(async () => ((await http(`${server.url}/readyz`)).status === 200 ? true : undefined), 20_000, "readyz");
    const first = (await http(`${server.url}/api/v1/timeline?location=secret:kubeedge/`)).json<Page<ApiChange>>();
    assert.equal(first.total, 1);
    assert.equal(first.items[0]!.kind, "appeared");
    assert.equal(first.items[0]!.actor?.manager, "cloudcore");
    const lists = api.resourceRequests().filter((r) => r.verb === "list").length;
    assert.ok(lists > 0, "the first pass listed");

    const updated = api.store.put(casecret(pki.read("rogue.crt").toString(), "kubectl-edit", "2026-06-01T03:12:00Z"));
    const change = await eventually(async () => (await http(`${server.url}/api/v1/timeline?kind=changed&ca=true`)).json<Page<ApiChange>>().items[0], 20_000, "the CA change");
    assert.equal(change.location.ref, "secret:kubeedge/casecret#cadata");
    assert.equal(change.ca, true);
    assert.deepEqual(change.actor, { manager: "kubectl-edit", operation: "Update", time: "2026-06-01T03:12:00Z" });
    assert.equal(change.resourceVersion, (updated.metadata as { resourceVersion: string }).resourceVersion);
    assert.deepEqual(change.source, { kind: "kube-watch", name: "" });
    assert.equal(api.resourceRequests().filter((r) => r.verb === "list").length, lists, "seen through the watch, no relist");
  });
});
