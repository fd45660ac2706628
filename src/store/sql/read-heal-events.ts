/** Heal events newest first, keyset-paged (keyset.ts); the timeline reader merges them with the changes. */
import type { ApiHealEvent, HealChangeRecord, HealCheckRecord, HealEventFilter, HealOutcome, HealVerificationRecord } from "../heal-events.js";
import { refParts } from "../ref-parts.js";
import type { Page } from "../types.js";
import { iso, isTrue, strOrNull, type Dialect, type Row, type SqlConn } from "./db.js";
import { afterCursor, cursorAfter, keyColumns, orderBy, type KeysetOrder } from "./keyset.js";
import { Where } from "./where.js";

/** Newest first; the row id orders events reported at the same time. */
export const HEAL_EVENTS_ORDER: KeysetOrder = {
  name: "heal-events",
  keys: [
    { expr: "he.at", type: "int", desc: true },
    { expr: "he.id", type: "int", desc: true },
  ],
};

interface HealEventRow {
  id: number;
  agent_id: string;
  event_id: string;
  node: string;
  action_id: string | null;
  repair: string;
  target_ref: string;
  outcome: HealOutcome;
  reason: string | null;
  dry_run: number;
  found_rule: string;
  found_ref: string;
  found_detail: string;
  checks: string;
  changes: string;
  old_fingerprint: string | null;
  new_fingerprint: string | null;
  backup: string | null;
  verification: string | null;
  restart: string | null;
  message: string;
  at: number;
  last_seen_at: number;
}

/** The conditions of `f` on heal_events aliased `he`. */
export function healEventsWhere(db: { dialect: Dialect }, f: Omit<HealEventFilter, "limit" | "cursor">): Where {
  const w = new Where();
  if (f.since !== undefined) w.add("he.at >= ?", f.since);
  if (f.until !== undefined) w.add("he.at <= ?", f.until);
  if (f.locationPrefix !== undefined) {
    // an index range over the ref's bytes, then the exact prefix test (as read-timeline.ts)
    const col = db.dialect === "postgres" ? 'he.target_ref COLLATE "C"' : "he.target_ref";
    w.add(`${col} >= ? AND ${col} < ? AND substr(he.target_ref, 1, ?) = ?`, f.locationPrefix, `${f.locationPrefix}\u{10FFFF}`, f.locationPrefix.length, f.locationPrefix);
  }
  w.eq("he.node", f.node).in("he.outcome", f.outcome);
  if (f.fingerprint !== undefined) w.add("(he.old_fingerprint = ? OR he.new_fingerprint = ?)", f.fingerprint, f.fingerprint);
  return w;
}

/** Up to `limit + 1` rows matching `where` after `cursor` in `order` (whose keys are over `he`), with their key columns. */
export async function selectHealEvents(db: SqlConn, where: Where, order: KeysetOrder, cursor: string | undefined, limit: number): Promise<Array<ApiHealEvent & { keys: Row }>> {
  const page = where.copy();
  const after = afterCursor(order, cursor);
  if (after) page.add(after.sql, ...after.params);
  const rows = await db.all<HealEventRow & Row>(
    `SELECT he.id, he.agent_id, he.event_id, he.node, he.action_id, he.repair, he.target_ref, he.outcome, he.reason, he.dry_run, he.found_rule, he.found_ref,
       he.found_detail, he.checks, he.changes, he.old_fingerprint, he.new_fingerprint, he.backup, he.verification, he.restart, he.message, he.at, he.last_seen_at,
       ${keyColumns(order)}
     FROM heal_events he ${page} ORDER BY ${orderBy(order)} LIMIT ?`,
    [...page.params, limit + 1],
  );
  return rows.map((r) => ({ ...toApiHealEvent(r), keys: r }));
}

export async function countHealEvents(db: SqlConn, where: Where): Promise<number> {
  const [count] = await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM heal_events he ${where}`, where.params);
  return Number(count?.n ?? 0);
}

export async function readHealEvents(db: SqlConn, f: HealEventFilter): Promise<Page<ApiHealEvent>> {
  const where = healEventsWhere(db, f);
  const total = await countHealEvents(db, where);
  const read = await selectHealEvents(db, where, HEAL_EVENTS_ORDER, f.cursor, f.limit);
  const rows = read.slice(0, f.limit);
  return { items: rows.map(({ keys: _keys, ...e }) => e), next: cursorAfter(HEAL_EVENTS_ORDER, rows[rows.length - 1]?.keys, read.length > f.limit), total };
}

function toApiHealEvent(r: HealEventRow): ApiHealEvent {
  return {
    kind: "heal",
    id: Number(r.id),
    at: iso(r.at),
    lastSeenAt: iso(r.last_seen_at),
    node: r.node,
    agentId: r.agent_id,
    eventId: r.event_id,
    actionId: strOrNull(r.action_id),
    repair: r.repair,
    target: refParts(r.target_ref, r.node),
    outcome: r.outcome,
    reason: strOrNull(r.reason),
    dryRun: isTrue(r.dry_run),
    found: { rule: r.found_rule, ref: r.found_ref, detail: r.found_detail },
    checks: JSON.parse(r.checks) as HealCheckRecord[],
    changes: JSON.parse(r.changes) as HealChangeRecord[],
    oldFingerprint: strOrNull(r.old_fingerprint),
    newFingerprint: strOrNull(r.new_fingerprint),
    backup: strOrNull(r.backup),
    verification: r.verification === null ? null : (JSON.parse(r.verification) as HealVerificationRecord),
    restart: strOrNull(r.restart),
    message: r.message,
  };
}
