/**
 * Retention: history older than the cut-off (closed placements, changes, heal events not seen since, resolved findings, scans and
 * their source errors, agent report receipts, certificates no longer placed anywhere) is deleted in
 * batches, each its own short transaction, yielding to the event loop between them so reads and the
 * next scan are never blocked for long. Current state (open placements and findings, the last scan)
 * is never pruned.
 */
import type { RetentionResult } from "../types.js";
import type { SqlDb } from "./db.js";

interface Target {
  /** Selects up to `?` ids to delete, given the cut-off. */
  pick: string;
  /** Statements deleting the picked ids (`IN (ids)` substituted). */
  delete: string[];
}

const TARGETS: readonly Target[] = [
  { pick: "SELECT id FROM changes WHERE at < ? LIMIT ?", delete: ["DELETE FROM changes WHERE id IN (ids)"] },
  { pick: "SELECT id FROM heal_events WHERE last_seen_at < ? LIMIT ?", delete: ["DELETE FROM heal_events WHERE id IN (ids)"] },
  { pick: "SELECT id FROM placements WHERE to_at IS NOT NULL AND to_at < ? LIMIT ?", delete: ["DELETE FROM placements WHERE id IN (ids)"] },
  { pick: "SELECT row_id AS id FROM findings WHERE resolved_at IS NOT NULL AND resolved_at < ? LIMIT ?", delete: ["DELETE FROM finding_certs WHERE finding_row IN (ids)", "DELETE FROM findings WHERE row_id IN (ids)"] },
  {
    pick: "SELECT id FROM scans WHERE started_at < ? AND id <> COALESCE((SELECT last_scan_id FROM store_state WHERE id = 1), -1) LIMIT ?",
    delete: ["DELETE FROM scan_issues WHERE scan_id IN (ids)", "DELETE FROM scans WHERE id IN (ids)"],
  },
];

export async function prune(db: SqlDb, before: number, batchSize = 1000): Promise<RetentionResult> {
  let deleted = 0;
  let batches = 0;
  const size = Math.max(1, Math.floor(batchSize));
  for (const t of TARGETS) {
    for (;;) {
      const n = await db.transaction(async (tx) => {
        const ids = (await tx.all<{ id: number }>(t.pick, [before, size])).map((r) => Number(r.id));
        if (ids.length === 0) return 0;
        const list = ids.join(",");
        for (const d of t.delete) await tx.run(d.replace("(ids)", `(${list})`));
        return ids.length;
      });
      if (n === 0) break;
      deleted += n;
      batches++;
      await new Promise((r) => setImmediate(r));
    }
  }
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const rows = await tx.all<{ agent_id: string; sequence: number }>("SELECT agent_id, sequence FROM agent_reports r WHERE received_at < ? AND sequence < (SELECT last_sequence FROM agents a WHERE a.agent_id = r.agent_id) LIMIT ?", [before, size]);
      for (const r of rows) await tx.run("DELETE FROM agent_reports WHERE agent_id = ? AND sequence = ?", [r.agent_id, r.sequence]);
      const certs = (await tx.all<{ fingerprint: string }>("SELECT fingerprint FROM certificates c WHERE last_seen < ? AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.fingerprint = c.fingerprint) LIMIT ?", [before, size])).map((r) => r.fingerprint);
      for (const fp of certs) {
        await tx.run("DELETE FROM cert_issuers WHERE fingerprint = ?", [fp]);
        await tx.run("DELETE FROM certificates WHERE fingerprint = ?", [fp]);
      }
      return rows.length + certs.length;
    });
    if (n === 0) break;
    deleted += n;
    batches++;
    await new Promise((r) => setImmediate(r));
  }
  return { deleted, batches };
}
