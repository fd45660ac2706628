/**
 * Heal events in the store, on SQLite and on a throwaway PostgreSQL alike: stored with the agent report
 * that carries them, one row per (agent, event id) however often the report or the event is re-sent,
 * read back newest first with keyset paging and the timeline's filters.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startPostgres } from "../../../test/support/postgres.js";
import { fp, observation } from "../contract.js";
import type { HealEventFilter, ObservedHealEvent } from "../heal-events.js";
import { openPostgresStore } from "../postgres.js";
import { openSqliteStore } from "../sqlite.js";
import type { AgentReportMeta, Store } from "../types.js";

const T0 = Date.parse("2026-12-01T00:00:00Z");
const H = 3_600_000;
const AGENT = "8f0c2f7e-0000-4000-8000-0000000000aa";
const CURRENT = "/var/lib/kubelet/pki/kubelet-client-current.pem";

function healed(id: string): ObservedHealEvent {
  return {
    eventId: id,
    actionId: id,
    repair: "kubelet-client-symlink",
    targetRef: `file:${CURRENT}`,
    outcome: "healed",
    reason: null,
    dryRun: false,
    found: { rule: "kubelet-rotation-blocked", ref: `file:${CURRENT}`, detail: "kubelet-client-current.pem is a regular file" },
    checks: [{ name: "KeyMatchesCertificate", ok: true, detail: "the private key is the key of CN=system:node:worker-1" }],
    changes: [{ ref: `file:${CURRENT}`, action: "symlinked", oldFingerprint: fp("client"), newFingerprint: fp("client"), backup: "/var/lib/kubelet/pki/kubelet-client-2026-12-01-00-00-00.pem", linkTo: "kubelet-client-2026-12-01-00-00-00.pem", movedTo: null }],
    verification: { ok: true, cleared: ["kubelet-rotation-blocked"], remaining: [], detail: "the rescan reads it through the symlink" },
    restart: null,
    message: "made it a symlink",
  };
}

function refused(id: string, target = "/etc/kubeedge/ca/rootCA.crt"): ObservedHealEvent {
  return {
    ...healed(id),
    actionId: null,
    repair: "kubeedge-ca-resync",
    targetRef: `file:${target}`,
    outcome: "refused",
    reason: "PinMatches",
    found: { rule: "chain-untrusted", ref: `file:${target}`, detail: "rootCA.crt does not verify CloudCore" },
    checks: [{ name: "PinMatches", ok: false, detail: "the fetched CA is not pinned" }],
    changes: [],
    verification: null,
    message: "refused: PinMatches failed",
  };
}

function report(sequence: number, at: number, events: ObservedHealEvent[], node = "edge-1", agentId = AGENT): [AgentReportMeta, ReturnType<typeof observation>] {
  const meta: AgentReportMeta = { agentId, sequence, node, agentVersion: "test", receivedAt: at + 1000, scannedAt: at, dropped: 0, healEvents: events };
  return [meta, observation(at, [], [], [], { scope: `agent:${node}`, source: { kind: "agent", name: node } })];
}

const all = (over: Partial<HealEventFilter> = {}): HealEventFilter => ({ limit: 100, ...over });

function runHealEventsSuite(name: string, open: () => Promise<Store>): void {
  describe(`heal events in the store: ${name}`, () => {
    it("a re-sent report and a refusal repeated in later reports stay one row each; last seen moves forward only", async () => {
      const s = await open();
      try {
        const first = report(1, T0, [healed("heal-20261201T000000Z-aaaaaa"), refused("refused-0123456789abcdef01234567")]);
        assert.equal((await s.recordAgentReport(...first)).stored, true);
        assert.equal((await s.recordAgentReport(...first)).stored, false);
        // the same report twice at once (another replica's retry): one receipt, one set of rows
        await Promise.all([s.recordAgentReport(...report(2, T0 + H, [refused("refused-0123456789abcdef01234567")])), s.recordAgentReport(...report(2, T0 + H, [refused("refused-0123456789abcdef01234567")]))]);
        // an older report arriving late does not move last seen back
        await s.recordAgentReport(...report(3, T0 - H, [refused("refused-0123456789abcdef01234567")]));
        const page = await s.healEvents(all());
        assert.equal(page.total, 2);
        const [heal, refusal] = [page.items.find((e) => e.outcome === "healed")!, page.items.find((e) => e.outcome === "refused")!];
        assert.equal(refusal.at, new Date(T0).toISOString());
        assert.equal(refusal.lastSeenAt, new Date(T0 + H).toISOString());
        assert.equal(refusal.reason, "PinMatches");
        assert.equal(refusal.actionId, null);
        assert.deepEqual(refusal.changes, []);
        assert.equal(heal.actionId, "heal-20261201T000000Z-aaaaaa");
        assert.equal(heal.target.path, CURRENT);
        assert.equal(heal.node, "edge-1");
        assert.equal(heal.oldFingerprint, fp("client"));
        assert.equal(heal.backup, "/var/lib/kubelet/pki/kubelet-client-2026-12-01-00-00-00.pem");
        assert.deepEqual(heal.verification, { ok: true, cleared: ["kubelet-rotation-blocked"], remaining: [], detail: "the rescan reads it through the symlink" });
        assert.deepEqual(heal.checks, healed("x").checks);
        // another agent's event with the same id is its own row
        await s.recordAgentReport(...report(1, T0 + 2 * H, [refused("refused-0123456789abcdef01234567")], "edge-2", "8f0c2f7e-0000-4000-8000-0000000000bb"));
        assert.equal((await s.healEvents(all())).total, 3);
      } finally {
        await s.close();
      }
    });

    it("pages newest first without repeats or gaps, and filters by node, outcome, target prefix, fingerprint and time", async () => {
      const s = await open();
      try {
        // two events per report at the same time: the row id orders them
        for (let i = 0; i < 5; i++) await s.recordAgentReport(...report(i + 1, T0 + i * H, [refused(`refused-a${i}`), healed(`heal-b${i}`)], i % 2 === 0 ? "edge-1" : "edge-2"));
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await s.healEvents(all({ limit: 3, ...(cursor ? { cursor } : {}) }));
          assert.equal(page.total, 10);
          seen.push(...page.items.map((e) => e.eventId));
          cursor = page.next ?? undefined;
        } while (cursor !== undefined);
        assert.equal(seen.length, 10);
        assert.equal(new Set(seen).size, 10);
        const times = (await s.healEvents(all())).items.map((e) => Date.parse(e.at));
        assert.deepEqual(times, [...times].sort((a, b) => b - a));
        assert.equal((await s.healEvents(all({ node: "edge-2" }))).total, 4);
        assert.equal((await s.healEvents(all({ outcome: ["healed"] }))).total, 5);
        assert.equal((await s.healEvents(all({ locationPrefix: "file:/etc/kubeedge/" }))).total, 5);
        assert.equal((await s.healEvents(all({ fingerprint: fp("client") }))).total, 5);
        assert.equal((await s.healEvents(all({ since: T0 + 3 * H }))).total, 4);
        await assert.rejects(s.healEvents(all({ cursor: "bm90LWEtY3Vyc29y" })), /cursor/);
      } finally {
        await s.close();
      }
    });

    it("retention deletes events not seen since the cut-off and keeps a refusal still repeated", async () => {
      const s = await open();
      try {
        await s.recordAgentReport(...report(1, T0, [healed("heal-old"), refused("refused-repeated")]));
        await s.recordAgentReport(...report(2, T0 + 48 * H, [refused("refused-repeated")]));
        await s.prune(T0 + 24 * H);
        assert.deepEqual((await s.healEvents(all())).items.map((e) => e.eventId), ["refused-repeated"]);
      } finally {
        await s.close();
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "certdoctor-heal-store-"));
let n = 0;
after(() => rmSync(dir, { recursive: true, force: true }));
runHealEventsSuite("sqlite", () => openSqliteStore(join(dir, `heal-${++n}.db`)));

const pg = startPostgres();
after(async () => {
  await (await pg).stop();
});
runHealEventsSuite("postgres", async () => openPostgresStore(await (await pg).createDatabase(), { max: 4 }));
