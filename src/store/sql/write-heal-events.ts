/**
 * Heal events of stored agent reports, in the report's transaction. Idempotent on (agent, event id): a
 * re-sent report, or a refusal the agent repeats each cycle under the same id, stays one row whose
 * `last_seen_at` moves forward (never back: reports may arrive out of order across replicas).
 */
import type { AgentReportMeta } from "../types.js";
import { insertRows, type Column } from "./bulk.js";
import type { SqlConn } from "./db.js";

const COLUMNS: readonly Column[] = [
  ["agent_id", "text"], ["event_id", "text"], ["node", "text"], ["action_id", "text"], ["repair", "text"], ["target_ref", "text"],
  ["outcome", "text"], ["reason", "text"], ["dry_run", "int"], ["found_rule", "text"], ["found_ref", "text"], ["found_detail", "text"],
  ["checks", "text"], ["changes", "text"], ["old_fingerprint", "text"], ["new_fingerprint", "text"], ["backup", "text"],
  ["verification", "text"], ["restart", "text"], ["message", "text"], ["at", "int"], ["last_seen_at", "int"], ["sequence", "int"],
];

/** Writes the heal events of `reports` (the reports just claimed as new). */
export async function writeHealEvents(tx: SqlConn, reports: readonly AgentReportMeta[]): Promise<void> {
  const rows: (string | number | null)[][] = [];
  for (const m of reports) {
    const seen = new Set<string>();
    for (const e of m.healEvents ?? []) {
      if (seen.has(e.eventId)) continue; // one row per event even if a report lists it twice
      seen.add(e.eventId);
      const first = e.changes[0];
      rows.push([
        m.agentId, e.eventId, m.node, e.actionId, e.repair, e.targetRef, e.outcome, e.reason, e.dryRun ? 1 : 0, e.found.rule, e.found.ref, e.found.detail,
        JSON.stringify(e.checks), JSON.stringify(e.changes), first?.oldFingerprint ?? null, first?.newFingerprint ?? null, first?.backup ?? null,
        e.verification === null ? null : JSON.stringify(e.verification), e.restart, e.message, m.scannedAt, m.scannedAt, m.sequence,
      ]);
    }
  }
  if (rows.length === 0) return;
  const insert = insertRows(
    tx.dialect,
    "heal_events",
    COLUMNS,
    rows,
    `ON CONFLICT (agent_id, event_id) DO UPDATE SET last_seen_at = CASE WHEN excluded.last_seen_at > heal_events.last_seen_at THEN excluded.last_seen_at ELSE heal_events.last_seen_at END`,
  );
  await tx.run(insert.sql, insert.params, { prepare: true });
}
