/**
 * Agent reports, alone or as a batch of reports that arrived together: each is stored unless its
 * (agentId, sequence) was stored before (the receipt row is claimed first, so a report re-sent to
 * another replica at the same time waits for the first and is then a duplicate); the observations go
 * through writeObservations in one go, then the receipts get their scan ids and the agents their
 * last report.
 */
import type { AgentIngest, AgentReportMeta, Observation } from "../types.js";
import { insertRows, rowsTable } from "./bulk.js";
import type { SqlConn } from "./db.js";
import { writeHealEvents } from "./write-heal-events.js";
import { writeObservations } from "./write.js";

const P = { prepare: true };

export interface AgentReport {
  meta: AgentReportMeta;
  obs: Observation;
}

/** Records one agent report unless (agentId, sequence) was recorded before; in the caller's transaction. */
export async function writeAgentReport(tx: SqlConn, meta: AgentReportMeta, obs: Observation): Promise<AgentIngest> {
  return (await writeAgentReports(tx, [{ meta, obs }]))[0]!;
}

/** Records `reports` (distinct agents and scopes) in the caller's transaction; one result each, in order. */
export async function writeAgentReports(tx: SqlConn, reports: readonly AgentReport[]): Promise<AgentIngest[]> {
  if (reports.length === 0) return [];
  const claim = insertRows(
    tx.dialect,
    "agent_reports",
    [["agent_id", "text"], ["sequence", "int"], ["received_at", "int"]],
    reports.map((r) => [r.meta.agentId, r.meta.sequence, r.meta.receivedAt]),
    "ON CONFLICT DO NOTHING RETURNING agent_id, sequence",
  );
  const claimed = new Set((await tx.all<{ agent_id: string; sequence: number }>(claim.sql, claim.params, P)).map((r) => `${r.agent_id}:${Number(r.sequence)}`));
  const stored = reports.filter((r) => claimed.has(`${r.meta.agentId}:${r.meta.sequence}`));
  const summaries = new Map<AgentReport, Awaited<ReturnType<typeof writeObservations>>[number]>();
  if (stored.length > 0) {
    const agents = insertRows(
      tx.dialect,
      "agents",
      [["agent_id", "text"], ["node", "text"], ["agent_version", "text"], ["last_report_at", "int"], ["last_sequence", "int"], ["scanned_at", "int"], ["dropped", "int"]],
      stored.map(({ meta: m }) => [m.agentId, m.node, m.agentVersion, m.receivedAt, m.sequence, m.scannedAt, m.dropped]),
      `ON CONFLICT (agent_id) DO UPDATE SET node = excluded.node, agent_version = excluded.agent_version, last_report_at = excluded.last_report_at,
         last_sequence = excluded.last_sequence, scanned_at = excluded.scanned_at, dropped = excluded.dropped`,
    );
    // the receipts get their scan ids, and the agents their last report, in the scans' last round trip
    const written = await writeObservations(
      tx,
      stored.map((r) => r.obs),
      (scanIds) => {
        const receipts = rowsTable(tx.dialect, [["agent_id", "text"], ["sequence", "int"], ["scan_id", "int"]], stored.map((r) => [r.meta.agentId, r.meta.sequence, scanIds.get(r.obs.scope)!]));
        return [{ sql: `UPDATE agent_reports SET scan_id = v.scan_id FROM ${receipts.sql} WHERE agent_reports.agent_id = v.agent_id AND agent_reports.sequence = v.sequence`, params: receipts.params }, agents];
      },
    );
    stored.forEach((r, i) => summaries.set(r, written[i]!));
    await writeHealEvents(tx, stored.map((r) => r.meta));
  }
  return reports.map((r) => {
    const summary = summaries.get(r);
    return summary === undefined ? { stored: false, duplicate: true } : { stored: true, summary };
  });
}
