/**
 * serve's scan loop keeps what it could not look at this pass: the places of a `--path` root that is
 * gone (unmounted) and of an endpoint that stopped answering stay current — unknown, not removed —
 * while a certificate deleted from a root that is still there is removed. Real files (openssl), a real
 * TLS endpoint on loopback, a real SQLite store, the server in-process.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { noAuth } from "../src/server/auth.js";
import { createLogger } from "../src/server/log.js";
import { startServer } from "../src/server/run-server.js";
import { endpointSource } from "../src/sources/tls-endpoint/index.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { ApiCertificate, ApiChange, Page } from "../src/store/types.js";
import { EndpointPki } from "./support/endpoint-pki.js";
import { eventually, http } from "./support/http.js";
import { startTlsServer } from "./support/tls-servers.js";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const DAY = 86_400_000;

describe("serve when a source fails for a pass", () => {
  const work = mkdtempSync(join(tmpdir(), "certdoctor-source-lost-"));
  const pki = new EndpointPki();
  after(() => {
    pki.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it("keeps the places of a root that is gone and of an endpoint that stopped answering; removes a file deleted from a root still there", async () => {
    pki.ca("ca", "/CN=source-lost-ca");
    for (const name of ["kept", "deleted", "unmounted", "endpoint"]) pki.leaf(name, "ca", `/CN=${name}`, "DNS:localhost,IP:127.0.0.1");
    const rootA = join(work, "a");
    const rootB = join(work, "b");
    mkdirSync(rootA);
    mkdirSync(rootB);
    cpSync(pki.path("kept.crt"), join(rootA, "kept.crt"));
    cpSync(pki.path("deleted.crt"), join(rootA, "deleted.crt"));
    cpSync(pki.path("unmounted.crt"), join(rootB, "unmounted.crt"));
    const tls = await startTlsServer({ key: pki.read("endpoint.key"), cert: pki.read("endpoint.crt") });
    const store = await openSqliteStore(join(work, "history.db"));
    const server = await startServer({
      paths: [rootA, rootB],
      sources: [endpointSource([{ host: tls.host, port: tls.port }], { timeoutMs: 2000, clock: () => NOW })],
      store,
      host: "127.0.0.1",
      port: 0,
      auth: noAuth,
      intervalMs: 3_600_000,
      retentionMs: 90 * DAY,
      warnDays: 30,
      critDays: 7,
      agentSilentAfterMs: 3_600_000,
      fixedNow: new Date(NOW),
      log: createLogger(() => undefined),
    });
    try {
      const current = async () => {
        const page = (await http(`${server.url}/api/v1/certificates?limit=1000`)).json<Page<ApiCertificate>>();
        return new Map(page.items.map((c) => [c.subject, c.locations.map((l) => l.ref)]));
      };
      await eventually(async () => ((await http(`${server.url}/readyz`)).status === 200 ? true : undefined), 20_000, "readyz");
      const before = await current();
      assert.deepEqual([...before.keys()].sort(), ["CN=deleted", "CN=endpoint", "CN=kept", "CN=unmounted"]);
      const endpointRefs = before.get("CN=endpoint")!;
      assert.ok(endpointRefs.length > 0 && endpointRefs.every((r) => r.startsWith("endpoint:")));

      rmSync(join(rootA, "deleted.crt"));
      rmSync(rootB, { recursive: true });
      await tls.close();
      assert.equal((await http(`${server.url}/api/v1/scans`, { method: "POST" })).status, 202);
      const removed = await eventually(async () => {
        const page = (await http(`${server.url}/api/v1/timeline?kind=removed`)).json<Page<ApiChange>>();
        return page.items.length > 0 ? page.items : undefined;
      }, 20_000, "the deleted file's removal");
      assert.deepEqual(removed.map((c) => c.location.ref), [`file:${join(rootA, "deleted.crt")}`]);
      const after = await current();
      assert.deepEqual([...after.keys()].sort(), ["CN=endpoint", "CN=kept", "CN=unmounted"]);
      assert.deepEqual(after.get("CN=unmounted"), [`file:${join(rootB, "unmounted.crt")}`]);
      assert.deepEqual(after.get("CN=endpoint"), endpointRefs);
    } finally {
      await server.close();
      await tls.close().catch(() => undefined);
    }
  });
});
