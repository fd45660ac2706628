import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { scan } from "../engine/scan.js";
import { demoNow, demoPath } from "../../test/support/fixtures.js";
import { observationFromScan } from "./observe.js";
import { openSqliteStore } from "./sqlite.js";

const dir = mkdtempSync(join(tmpdir(), "certdoctor-observe-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const CASECRET = "secret:kubeedge/casecret#cadata";

function scanOf(paths: string[], scopes?: Record<string, string>) {
  return scan({ paths, ...(scopes ? { scopes } : {}), now: demoNow, warnDays: 30, critDays: 7, workers: 0 });
}

describe("observations of the server's own scans", () => {
  it("a Secret read from a dump is seen by the file rescan of its manifest, not by the cluster watch", async () => {
    const store = await openSqliteStore(join(dir, "dump-source.db"));
    const manifests = demoPath("manifests");
    await store.recordObservation(observationFromScan(await scanOf([manifests])));
    const secret = (await store.timeline({ limit: 1000 })).items.find((c) => c.location.ref === CASECRET);
    assert.ok(secret, "the demo's KubeEdge casecret was recorded");
    assert.deepEqual(secret.source, { kind: "file-scan", name: join(manifests, "kubeedge.yaml") });
    await store.close();
  });

  it("each named --path NAME=DIR dump is its own store scope: the same Secret in two clusters is two places, removed in one only", async () => {
    const prod = join(dir, "prod");
    const staging = join(dir, "staging");
    cpSync(demoPath("manifests"), prod, { recursive: true });
    cpSync(demoPath("manifests"), staging, { recursive: true });
    const scopes = { [prod]: "prod", [staging]: "staging" };
    const store = await openSqliteStore(join(dir, "named.db"));
    const first = observationFromScan(await scanOf([prod, staging], scopes), { clusterScopes: scopes });
    await store.recordObservation(first);
    const appeared = (await store.timeline({ limit: 1000, locationPrefix: CASECRET })).items;
    assert.deepEqual(appeared.map((c) => `${c.kind} ${c.scope}`).sort(), ["appeared server@prod", "appeared server@staging"]);
    const fingerprint = appeared[0]!.newFingerprint!;
    const placed = (await store.certificate(fingerprint, demoNow.getTime()))!.placements.filter((p) => p.location.ref === CASECRET);
    assert.deepEqual(placed.map((p) => `${p.scope} ${p.to === null ? "open" : "closed"}`).sort(), ["server@prod open", "server@staging open"]);
    const findingScopes = new Set((await store.findings({ state: "open", limit: 1000 })).items.map((f) => f.scope));
    assert.deepEqual([...findingScopes].sort(), ["server@prod", "server@staging"]);

    rmSync(join(staging, "kubeedge.yaml"));
    const w = await store.recordObservation(observationFromScan(await scanOf([prod, staging], scopes), { clusterScopes: scopes }));
    assert.ok(w.changes > 0);
    const removed = (await store.timeline({ limit: 1000, kind: ["removed"] })).items;
    assert.ok(removed.some((c) => c.location.ref === CASECRET));
    assert.deepEqual([...new Set(removed.map((c) => c.scope))], ["server@staging"]);
    const still = (await store.certificate(fingerprint, demoNow.getTime()))!.placements.filter((p) => p.location.ref === CASECRET && p.to === null);
    assert.deepEqual(still.map((p) => p.scope), ["server@prod"]);

    // a named path dropped from the configuration is removed too, not left current
    await store.recordObservation(observationFromScan(await scanOf([prod], { [prod]: "prod" }), { clusterScopes: { [prod]: "prod" } }));
    const gone = (await store.timeline({ limit: 5000, kind: ["removed"] })).items;
    assert.ok(gone.some((c) => c.scope === "server@staging" && c.location.ref.startsWith("secret:")), "staging's other Secrets are removed");
    await store.close();
  });
});
