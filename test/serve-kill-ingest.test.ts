/**
 * `certdoctor serve` killed with SIGKILL while agents' reports stream in, on SQLite and on PostgreSQL:
 * after a restart on the same database every acknowledged report is there in full, no report is there
 * in part (each stored node has all its placements, its agent row and its findings, or nothing), and
 * re-sending every report stores exactly the missing ones — a report committed just before the kill
 * but never acknowledged is a duplicate, not a second copy.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ApiNode } from "../src/store/types.js";
import { agentReport, nodeName, reportPoster } from "./support/fleet-report.js";
import { eventually, http } from "./support/http.js";
import { startPostgres, type TestPostgres } from "./support/postgres.js";
import { startServeProcess as serve, type ServeProcess } from "./support/serve-process.js";

const NOW = "2026-12-01T00:00:00Z";
const NODES = 300;
const CERTS = 20;
/** The kill comes once this many reports were acknowledged, with others in flight. */
const KILL_AFTER_ACKS = 60;

/** Posts every node's first report, 8 at a time, and SIGKILLs the server after KILL_AFTER_ACKS acknowledgements. */
async function ingestUntilKilled(s: ServeProcess): Promise<{ acked: Set<number>; unanswered: Set<number> }> {
  const poster = reportPoster(s.url, 8);
  const acked = new Set<number>();
  const unanswered = new Set<number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < NODES) {
        const node = next++;
        try {
          const r = await poster.post(node, 1, agentReport(node, CERTS, 1));
          assert.equal(r.status, 201, `node ${node}: ${r.status}`);
          acked.add(node);
          if (acked.size === KILL_AFTER_ACKS) s.proc.kill("SIGKILL");
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          unanswered.add(node);
        }
      }
    }),
  );
  poster.close();
  await s.exited;
  return { acked, unanswered };
}

async function nodes(url: string): Promise<Map<string, ApiNode>> {
  const res = await http(`${url}/api/v1/nodes`);
  assert.equal(res.status, 200);
  return new Map(res.json<{ items: ApiNode[] }>().items.map((n) => [n.name, n]));
}

/** Every node the store knows holds one whole report: all its certificates, its agent, its two findings. */
function assertWhole(stored: Map<string, ApiNode>): void {
  for (const [name, n] of stored) {
    assert.equal(n.certificates, CERTS, `${name}: ${n.certificates} certificates`);
    assert.equal(n.agent.lastSequence, 1, `${name}: agent row`);
    assert.deepEqual(n.findings, { critical: 0, warning: 1, info: 1 }, `${name}: findings`);
  }
}

describe("serve killed with SIGKILL mid-ingest, then restarted on the same database", () => {
  let pg: TestPostgres;
  const work = mkdtempSync(join(tmpdir(), "certdoctor-kill-ingest-"));
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  for (const backend of ["sqlite", "postgres"] as const) {
    it(`${backend}: every acknowledged report whole, none partial, re-sent reports fill the rest once`, async () => {
      const database = backend === "sqlite" ? join(work, "history.db") : await pg.createDatabase();
      const args = ["--database", database, "--no-auth", "--listen", "127.0.0.1:0", "--interval", "1h", "--now", NOW];
      const first = await serve(args);
      const { acked, unanswered } = await ingestUntilKilled(first);
      assert.ok(unanswered.size > 0, "reports were in flight when the server was killed");

      const second = await serve(args);
      try {
        await eventually(async () => ((await http(`${second.url}/readyz`)).status === 200 ? true : undefined), 20_000, "readyz after restart");
        const stored = await nodes(second.url);
        for (const node of acked) assert.ok(stored.has(nodeName(node)), `acknowledged report of ${nodeName(node)} lost`);
        assertWhole(stored);

        // the agents re-send what was not acknowledged (and, to check idempotency, what was)
        const poster = reportPoster(second.url, 4);
        for (let node = 0; node < NODES; node++) {
          const r = await poster.post(node, 1, agentReport(node, CERTS, 1));
          const wasStored = stored.has(nodeName(node));
          assert.equal(r.status, wasStored ? 409 : 201, `${nodeName(node)} (stored before the restart: ${wasStored})`);
        }
        poster.close();
        const all = await nodes(second.url);
        assert.equal(all.size, NODES);
        assertWhole(all);
        const timeline = (await http(`${second.url}/api/v1/timeline?limit=1`)).json<{ total: number }>();
        assert.equal(timeline.total, NODES * CERTS, "each placement appeared once, nothing else");
      } finally {
        second.proc.kill("SIGTERM");
        await second.exited;
      }
    });
  }
});
