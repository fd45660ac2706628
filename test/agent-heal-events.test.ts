/**
 * Heal events end to end: real `certdoctor agent --heal` processes deliver to a real server over HTTPS. On one
 * node the kubelet-client-symlink repair acts, on another it refuses (the file's key is not the certificate's).
 * Both reports first wait in the agents' spools (the server unreachable) and arrive with the next run, so the
 * events reach the server from reports it had not acknowledged; a report re-sent byte for byte and a refusal
 * repeated in a later report stay one row each; the database file holds no key material.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openSqliteStore } from "../src/store/sqlite.js";
import { startAgentServer } from "./support/agent-server.js";
import { runCli } from "./support/cli.js";
import { EndpointPki } from "./support/endpoint-pki.js";
import { demoPath } from "./support/fixtures.js";
import { makeHealNode, type HealNode } from "./support/heal-node.js";
import { http } from "./support/http.js";
import { refusedPort } from "./support/tls-servers.js";

const NOW = "2026-12-01T00:00:00Z";
const LATER = "2026-12-01T01:00:00Z";
const TOKEN = "heal-events-token-0123456789";
const CURRENT = "var/lib/kubelet/pki/kubelet-client-current.pem";

/** Base64 runs of every private key in `files` (what must never reach the database). */
function keyRuns(files: string[]): string[] {
  const runs: string[] = [];
  for (const f of files) for (const m of readFileSync(f, "utf8").matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END/g)) runs.push(m[1]!.replace(/\s+/g, "").slice(10, 50));
  return runs;
}

describe("heal events reach the server's store", () => {
  it("one healed and one refused event are stored once each, from spooled reports, re-sent or repeated; no key material in the database", async () => {
    const pki = new EndpointPki();
    pki.ca("server-ca", "/CN=heal-events-ca");
    pki.leaf("server", "server-ca", "/CN=certdoctor", "IP:127.0.0.1");
    const healing = makeHealNode("worker-1");
    const refusing = makeHealNode("worker-1");
    const dbPath = join(healing.dir, "store.db");
    const tokenFile = join(healing.dir, "token");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    // worker-2's client certificate file holds another certificate's key: the repair must refuse
    const certOnly = readFileSync(join(refusing.root, CURRENT), "utf8").replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n?/g, "");
    writeFileSync(join(refusing.root, CURRENT), certOnly + readFileSync(demoPath("cp-1", "etc/kubernetes/pki/apiserver.key"), "utf8"));
    const store = await openSqliteStore(dbPath);
    const server = await startAgentServer({ store, tls: { cert: pki.read("server.crt"), key: pki.read("server.key") }, tokenFile, now: NOW, extra: { limits: { maxReportBytes: 1024 * 1024 } } });
    const down = `https://127.0.0.1:${await refusedPort()}/api/v1/agent-reports`;
    const agent = (node: HealNode, name: string, url: string, now: string) => {
      node.policy("repairs:\n  kubelet-client-symlink: {}\n");
      mkdirSync(join(node.dir, "spool"), { recursive: true });
      return runCli(["agent", "--root", node.root, "--proc", join(node.dir, "proc"), "--node-name", name, "--once", "--now", now, "--heal", join(node.dir, "policy.yaml"), "--heal-state-dir", node.stateDir,
        "--report-url", url, "--ca-file", pki.path("server-ca.crt"), "--token-file", tokenFile, "--spool-dir", join(node.dir, "spool"), "--max-attempts", "1"]);
    };
    const spooled = (node: HealNode) => readdirSync(join(node.dir, "spool")).filter((n) => /^\d{20}\.json$/.test(n)).map((n) => readFileSync(join(node.dir, "spool", n), "utf8"));
    try {
      // the server is unreachable: the reports (with their heal events) wait in the spools
      const first = await agent(healing, "worker-1", down, NOW);
      assert.notEqual(first.code, 0);
      assert.match(first.err, /"msg":"heal healed"/);
      assert.match((await agent(refusing, "worker-2", down, NOW)).err, /"msg":"heal refused"/);
      const [held] = spooled(healing);
      assert.ok(held !== undefined && JSON.parse(held).agent.heal.events.length === 1, "the healed event waits in worker-1's spool");
      assert.equal((await store.healEvents({ limit: 10 })).total, 0);

      // next run: the spooled report goes first, then this cycle's (worker-2 refuses again under the same event id)
      for (const [node, name] of [[healing, "worker-1"], [refusing, "worker-2"]] as const) {
        const run = await agent(node, name, `${server.url}/api/v1/agent-reports`, LATER);
        assert.equal(run.code, 0, run.err);
        assert.equal(spooled(node).length, 0);
      }
      const page = await store.healEvents({ limit: 10 });
      assert.equal(page.total, 2, JSON.stringify(page.items.map((e) => [e.node, e.outcome])));
      const healed = page.items.find((e) => e.node === "worker-1")!;
      assert.equal(healed.outcome, "healed");
      assert.equal(healed.repair, "kubelet-client-symlink");
      assert.equal(healed.target.ref, "file:/var/lib/kubelet/pki/kubelet-client-current.pem");
      assert.match(healed.actionId ?? "", /^heal-20261201T000000Z-[0-9a-f]{6}$/);
      assert.equal(healed.eventId, healed.actionId);
      assert.equal(healed.dryRun, false);
      assert.match(healed.oldFingerprint ?? "", /^[0-9a-f]{64}$/);
      assert.equal(healed.newFingerprint, healed.oldFingerprint, "the symlink points at the same certificate");
      assert.equal(healed.backup, "/var/lib/kubelet/pki/kubelet-client-2026-12-01-00-00-00.pem");
      assert.deepEqual(healed.verification?.cleared, ["kubelet-rotation-blocked"]);
      assert.equal(healed.verification?.ok, true);
      assert.ok(healed.checks.length >= 6 && healed.checks.every((c) => c.ok));
      assert.equal(healed.at, new Date(NOW).toISOString());
      assert.equal(healed.found.ref, "file:/var/lib/kubelet/pki/kubelet-client-current.pem#0", "the finding named as the node names it, not under --root");
      for (const e of page.items) for (const root of [healing.root, refusing.root]) assert.ok(!JSON.stringify(e).includes(root), `${e.eventId} names a path under --root`);
      const refused = page.items.find((e) => e.node === "worker-2")!;
      assert.equal(refused.outcome, "refused");
      assert.equal(refused.reason, "KeyMatchesCertificate");
      assert.equal(refused.actionId, null);
      assert.deepEqual(refused.changes, []);
      assert.equal(refused.checks.find((c) => !c.ok)?.name, "KeyMatchesCertificate");
      assert.equal(refused.at, new Date(NOW).toISOString());
      assert.equal(refused.lastSeenAt, new Date(LATER).toISOString(), "seen again in the later report");

      // the first report re-sent byte for byte: 409, still one row
      const body = JSON.parse(held!) as { agent: { agentId: string; sequence: number } };
      const again = await http(`${server.url}/api/v1/agent-reports`, {
        method: "POST",
        ca: pki.read("server-ca.crt"),
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "idempotency-key": `${body.agent.agentId}:${body.agent.sequence}` },
        body: held!,
      });
      assert.equal(again.status, 409, again.body);
      assert.equal((await store.healEvents({ limit: 10 })).total, 2);
    } finally {
      await server.close();
      await store.close();
    }
    try {
      const text = [dbPath, `${dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f).toString("latin1")).join("\n");
      assert.ok(text.includes("KeyMatchesCertificate") && text.includes("kubelet-client-symlink"), "the database holds the heal events (sanity)");
      for (const pattern of ["PRIVATE KEY", "-----BEGIN"]) assert.ok(!text.includes(pattern), pattern);
      const runs = keyRuns([join(refusing.root, CURRENT), join(healing.root, "var/lib/kubelet/pki/kubelet-client-2026-12-01-00-00-00.pem")]);
      assert.ok(runs.length >= 2, "the node trees hold private keys to look for");
      for (const r of runs) assert.ok(!text.includes(r), `key bytes in the database: ${r}`);
    } finally {
      pki.cleanup();
      healing.cleanup();
      refusing.cleanup();
    }
  });
});
