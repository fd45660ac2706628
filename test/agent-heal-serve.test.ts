/**
 * `agent --heal` reporting to a real `certdoctor serve` over HTTPS: the delivered report is the
 * verification rescan's, so the server sees kubelet-rotation-blocked on worker-1 open after a dry run
 * and resolved after the repair.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startAgentServer } from "./support/agent-server.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import { runCli } from "./support/cli.js";
import { EndpointPki } from "./support/endpoint-pki.js";
import { makeHealNode } from "./support/heal-node.js";
import { http } from "./support/http.js";

const NOW = "2026-12-01T00:00:00Z";
const TOKEN = "heal-serve-token-0123456789";

describe("agent --heal delivering to certdoctor serve", () => {
  it("the server sees kubelet-rotation-blocked open after --heal-dry-run and resolved once healed", async () => {
    const node = makeHealNode("worker-1");
    const pki = new EndpointPki();
    pki.ca("server-ca", "/CN=heal-serve-ca");
    pki.leaf("server", "server-ca", "/CN=certdoctor", "IP:127.0.0.1");
    const tokenFile = join(node.dir, "token");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const store = await openSqliteStore(join(node.dir, "store.db"));
    const server = await startAgentServer({ store, tls: { cert: pki.read("server.crt"), key: pki.read("server.key") }, tokenFile, now: NOW, extra: { limits: { maxReportBytes: 1024 * 1024 } } });
    const ca = pki.read("server-ca.crt");
    const auth = { authorization: `Bearer ${TOKEN}` };
    const policy = node.policy("repairs:\n  kubelet-client-symlink: {}\n");
    mkdirSync(join(node.dir, "spool"));
    const agent = (extra: string[]) =>
      runCli(["agent", "--root", node.root, "--proc", join(node.dir, "proc"), "--node-name", "worker-1", "--once", "--now", NOW, "--heal", policy, "--heal-state-dir", node.stateDir,
        "--report-url", `${server.url}/api/v1/agent-reports`, "--ca-file", pki.path("server-ca.crt"), "--token-file", tokenFile, "--spool-dir", join(node.dir, "spool"), "--max-attempts", "1", ...extra]);
    const blocked = async (state: "open" | "resolved") =>
      (await http(`${server.url}/api/v1/findings?rule=kubelet-rotation-blocked&node=worker-1&state=${state}`, { headers: auth, ca })).json<{ items: unknown[] }>().items.length;
    try {
      const dry = await agent(["--heal-dry-run"]);
      assert.equal(dry.code, 0, dry.err);
      assert.match(dry.err, /"msg":"heal would-heal"/);
      assert.equal(await blocked("open"), 1);
      const healed = await agent([]);
      assert.equal(healed.code, 0, healed.err);
      assert.match(healed.err, /"msg":"heal healed"/);
      assert.match(healed.err, /"msg":"report delivered"/);
      assert.equal(await blocked("open"), 0);
      assert.equal(await blocked("resolved"), 1);
    } finally {
      await server.close();
      await store.close();
      pki.cleanup();
      node.cleanup();
    }
  });
});
