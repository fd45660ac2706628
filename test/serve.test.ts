/**
 * `certdoctor serve` end to end over real sockets: a tree rescanned on file change with the change in
 * /api/v1/timeline, history that survives kill -9 mid-scan, agent reports delivered by the real agent
 * over HTTPS (a re-sent report stored once), bad tokens and oversized bodies refused.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createLogger } from "../src/server/log.js";
import { TokenFileAuth } from "../src/server/auth.js";
import { startServer } from "../src/server/run-server.js";
import { startAgentServer } from "./support/agent-server.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { ApiChange, Page } from "../src/store/types.js";
import { runCli } from "./support/cli.js";
import { EndpointPki } from "./support/endpoint-pki.js";
import { eventually, http } from "./support/http.js";
import { startServeProcess } from "./support/serve-process.js";

const NOW = "2026-06-01T00:00:00Z";
const TOKEN = "serve-test-token-0123456789";
const work = mkdtempSync(join(tmpdir(), "certdoctor-serve-"));
after(() => rmSync(work, { recursive: true, force: true }));

const fingerprint = (pem: Buffer) => new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();

function makeTree(pki: EndpointPki, root: string): void {
  pki.ca("ca", "/CN=serve-test-ca");
  pki.leaf("apiserver", "ca", "/CN=kube-apiserver", "DNS:kubernetes,IP:127.0.0.1");
  const pkiDir = join(root, "etc/kubernetes/pki");
  mkdirSync(pkiDir, { recursive: true });
  cpSync(pki.path("ca.crt"), join(pkiDir, "ca.crt"));
  cpSync(pki.path("ca.key"), join(pkiDir, "ca.key"));
  cpSync(pki.path("apiserver.crt"), join(pkiDir, "apiserver.crt"));
  cpSync(pki.path("apiserver.key"), join(pkiDir, "apiserver.key"));
}


describe("certdoctor serve", () => {
  it("serves a tree; a certificate replaced on disk is a change in /api/v1/timeline; history survives kill -9 mid-scan", async () => {
    const pki = new EndpointPki();
    const root = join(work, "tree");
    makeTree(pki, root);
    const db = join(work, "history.db");
    const args = ["--path", root, "--no-auth", "--listen", "127.0.0.1:0", "--database", db, "--interval", "1h", "--debounce-ms", "100", "--now", NOW];
    let child = await startServeProcess(args);
    try {
      await eventually(async () => ((await http(`${child.url}/readyz`)).status === 200 ? true : undefined), 20_000, "readyz");
      const before = fingerprint(readFileSync(join(root, "etc/kubernetes/pki/apiserver.crt")));
      // renew the API server certificate in place: the file watch triggers a rescan
      pki.leaf("apiserver", "ca", "/CN=kube-apiserver", "DNS:kubernetes,IP:127.0.0.1", "2026-05-01T00:00:00Z", "2027-05-01T00:00:00Z");
      writeFileSync(join(root, "etc/kubernetes/pki/apiserver.crt"), pki.read("apiserver.crt"));
      const after1 = fingerprint(pki.read("apiserver.crt"));
      const change = await eventually(async () => {
        const page = (await http(`${child.url}/api/v1/timeline?kind=changed`)).json<Page<ApiChange>>();
        return page.items.find((c) => c.newFingerprint === after1);
      }, 20_000, "the change in the timeline");
      assert.equal(change.oldFingerprint, before);
      assert.equal(change.location.ref, `file:${join(root, "etc/kubernetes/pki/apiserver.crt")}`);
      assert.equal(change.ca, false);
      assert.equal(change.source.kind, "file-scan");
      // certdoctor timeline reads the same history from the store file and from the API
      const fromDb = await runCli(["timeline", "--database", db, "--kind", "changed", "--format", "json"]);
      assert.equal(fromDb.code, 0, fromDb.err);
      assert.deepEqual((JSON.parse(fromDb.out) as { changes: ApiChange[] }).changes.map((c) => [c.oldFingerprint, c.newFingerprint]), [[before, after1]]);
      const tokenFile = join(work, "any-token");
      writeFileSync(tokenFile, "unused-with-no-auth\n");
      const fromApi = await runCli(["timeline", "--server", child.url, "--token-file", tokenFile, "--since", "2026-05-01T00:00:00Z", "--location", `file:${root}/`, "--format", "table"]);
      assert.equal(fromApi.code, 0, fromApi.err);
      assert.match(fromApi.out, /changed +file:.*apiserver\.crt\n +CN=kube-apiserver -> CN=kube-apiserver\n +seen by file-scan/);
      assert.ok(fromApi.out.indexOf("changed") < fromApi.out.indexOf("appeared"), "newest first");

      // kill -9 while scans run back to back (every file write triggers one)
      const committed = (await http(`${child.url}/api/v1/status`)).json<{ generation: number }>().generation;
      const writer = setInterval(() => writeFileSync(join(root, `etc/kubernetes/pki/extra-${Date.now()}.crt`), pki.read("ca.crt")), 20);
      await new Promise((r) => setTimeout(r, 700));
      const mid = (await http(`${child.url}/api/v1/status`)).json<{ generation: number }>().generation;
      child.proc.kill("SIGKILL");
      clearInterval(writer);
      await child.exited;

      child = await startServeProcess(args);
      await eventually(async () => ((await http(`${child.url}/readyz`)).status === 200 ? true : undefined), 20_000, "readyz after restart");
      const status = (await http(`${child.url}/api/v1/status`)).json<{ generation: number; lastScanId: number }>();
      assert.ok(status.generation > mid, `generation ${status.generation} after restart, ${mid} before the kill, ${committed} before the burst`);
      const changed = (await http(`${child.url}/api/v1/timeline?kind=changed`)).json<Page<ApiChange>>();
      assert.ok(changed.items.some((c) => c.newFingerprint === after1), "the change recorded before the kill is still there");
      // nothing half-written: every extra file on disk is placed exactly once, and no placement is doubled
      const certs = (await http(`${child.url}/api/v1/certificates?limit=1000`)).json<Page<{ fingerprint: string; locations: Array<{ ref: string }> }>>();
      const refs = certs.items.flatMap((c) => c.locations.map((l) => l.ref));
      assert.equal(new Set(refs).size, refs.length);
      const extras = readdirSync(join(root, "etc/kubernetes/pki")).filter((f) => f.startsWith("extra-"));
      for (const f of extras) assert.ok(refs.includes(`file:${join(root, "etc/kubernetes/pki", f)}`), f);
    } finally {
      child.proc.kill("SIGTERM");
      assert.equal(await child.exited, 0, child.err());
      pki.cleanup();
    }
  });

  it("ingests the real agent's reports over HTTPS with a bearer token; a re-sent report is stored once; bad tokens get 401, oversized bodies 413", async () => {
    const pki = new EndpointPki();
    pki.ca("server-ca", "/CN=serve-test-server-ca");
    pki.leaf("server", "server-ca", "/CN=certdoctor", "IP:127.0.0.1");
    const nodeRoot = join(work, "node-root");
    makeTree(pki, nodeRoot);
    const tokenFile = join(work, "tokens");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const wrongToken = join(work, "wrong-token");
    writeFileSync(wrongToken, "not-the-token\n");
    const store = await openSqliteStore(join(work, "agents.db"));
    const server = await startAgentServer({ store, tls: { cert: pki.read("server.crt"), key: pki.read("server.key") }, tokenFile, now: NOW, extra: { limits: { maxReportBytes: 256 * 1024 } } });
    const ca = pki.read("server-ca.crt");
    const spool = join(work, "spool");
    const agentArgs = (token: string) => ["agent", "--root", nodeRoot, "--proc", join(work, "no-proc"), "--node-name", "worker-7", "--once", "--now", NOW, "--report-url", `${server.url}/api/v1/agent-reports`, "--ca-file", pki.path("server-ca.crt"), "--token-file", token, "--spool-dir", spool, "--max-attempts", "1"];
    mkdirSync(join(work, "no-proc"), { recursive: true });
    try {
      // a wrong token: 401, the report waits in the spool
      const refused = await runCli(agentArgs(wrongToken));
      assert.equal(refused.code, 2, refused.err);
      const waiting = readdirSync(spool).filter((f) => /^\d{20}\.json$/.test(f));
      assert.equal(waiting.length, 1);
      const firstReport = readFileSync(join(spool, waiting[0]!), "utf8");
      const first = JSON.parse(firstReport) as { agent: { agentId: string; sequence: number } };
      // the right token: the waiting report and a new one are delivered
      const delivered = await runCli(agentArgs(tokenFile));
      assert.equal(delivered.code, 0, delivered.err);
      const auth = { authorization: `Bearer ${TOKEN}` };
      const nodes = (await http(`${server.url}/api/v1/nodes`, { headers: auth, ca })).json<{ items: Array<{ name: string; certificates: number; agent: { status: string; lastSequence: number; agentId: string } }> }>();
      const node = nodes.items.find((n) => n.name === "worker-7");
      assert.ok(node, JSON.stringify(nodes));
      assert.deepEqual([node.agent.status, node.agent.lastSequence, node.agent.agentId], ["ok", first.agent.sequence + 1, first.agent.agentId]);
      assert.equal(node.certificates, 2);
      const timeline = (await http(`${server.url}/api/v1/timeline`, { headers: auth, ca })).json<Page<ApiChange>>();
      assert.equal(timeline.total, 2, "two certificates appeared once; the second report changed nothing");
      assert.ok(timeline.items.every((c) => c.source.kind === "agent" && c.source.name === "worker-7" && c.scope === "agent:worker-7"));
      // the first report sent again (its answer was lost, say): acknowledged as a duplicate, not stored
      const key = `${first.agent.agentId}:${first.agent.sequence}`;
      const resent = await http(`${server.url}/api/v1/agent-reports`, { method: "POST", body: firstReport, headers: { ...auth, "content-type": "application/json", "idempotency-key": key }, ca });
      assert.equal(resent.status, 409, resent.body);
      assert.equal((await store.status()).generation, 2);
      // bad token, oversized and malformed bodies
      assert.equal((await http(`${server.url}/api/v1/findings`, { headers: { authorization: "Bearer nope" }, ca })).status, 401);
      const big = await http(`${server.url}/api/v1/agent-reports`, { method: "POST", body: "x".repeat(300 * 1024), headers: { ...auth, "content-type": "application/json" }, ca });
      assert.equal(big.status, 413);
      const bad = await http(`${server.url}/api/v1/agent-reports`, { method: "POST", body: "{", headers: { ...auth, "content-type": "application/json" }, ca });
      assert.equal(bad.status, 400);
      assert.equal((await store.status()).generation, 2);
    } finally {
      await server.close();
      pki.cleanup();
    }
  });

  it("raises agent-silent for a node whose agent stopped reporting, also on a server without sources of its own", async () => {
    const store = await openSqliteStore(join(work, "silent.db"));
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    await store.recordAgentReport(
      { agentId: "00000000-0000-4000-8000-00000000000a", sequence: 1, node: "edge-9", agentVersion: "0.1.0", receivedAt: twoHoursAgo, scannedAt: twoHoursAgo, dropped: 0 },
      { scope: "agent:edge-9", source: { kind: "agent", name: "edge-9" }, startedAt: twoHoursAgo, evaluatedAt: twoHoursAgo, durationMs: 1, certificates: [], placements: [], findings: [], issues: [] },
    );
    const server = await startServer({ paths: [], sources: [], store, host: "127.0.0.1", port: 0, auth: new TokenFileAuth(join(work, "tokens")), intervalMs: 1000, retentionMs: 90 * 86_400_000, warnDays: 30, critDays: 7, agentSilentAfterMs: 3_600_000, log: createLogger(() => undefined) });
    try {
      const auth = { authorization: `Bearer ${TOKEN}` };
      const found = await eventually(async () => (await http(`${server.url}/api/v1/findings?rule=agent-silent&node=edge-9`, { headers: auth })).json<{ items: Array<{ locations: Array<{ ref: string; node?: string }>; title: string }> }>().items[0], 10_000, "agent-silent");
      assert.equal(found.locations[0]!.ref, "agent:edge-9");
      assert.equal(found.locations[0]!.node, "edge-9");
      assert.match(found.title, /edge-9 silent for 2 h/);
      const node = (await http(`${server.url}/api/v1/nodes`, { headers: auth })).json<{ items: Array<{ name: string; agent: { status: string } }> }>().items.find((n) => n.name === "edge-9");
      assert.equal(node?.agent.status, "silent");
    } finally {
      await server.close();
    }
  });

  it("refuses --no-auth on a non-loopback address and an unknown config key, naming it (exit 2)", async () => {
    const r1 = await runCli(["serve", "--no-auth", "--listen", "0.0.0.0:0", "--database", join(work, "x.db")]);
    assert.equal(r1.code, 2);
    assert.match(r1.err, /--no-auth/);
    const cfg = join(work, "serve.yaml");
    writeFileSync(cfg, "path: [/tmp]\nlisten: 127.0.0.1:0\nintervall: 5m\n");
    const r2 = await runCli(["serve", "--config", cfg]);
    assert.equal(r2.code, 2);
    assert.match(r2.err, /ERR_CONFIG_INVALID: --config .*: intervall: unknown key/);
    writeFileSync(cfg, "listen: 8080\n");
    const r3 = await runCli(["serve", "--config", cfg]);
    assert.equal(r3.code, 2);
    assert.match(r3.err, /listen: must be a string/);
    const r4 = await runCli(["serve", "--listen", "127.0.0.1:0", "--database", join(work, "y.db")]);
    assert.equal(r4.code, 2);
    assert.match(r4.err, /--token-file/);
  });
});
