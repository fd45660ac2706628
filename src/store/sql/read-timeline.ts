/** The change timeline: every appeared/changed/removed at a location, newest first, with who changed it. */
import { refParts } from "../ref-parts.js";
import type { Actor, ApiChange, ChangeKind, ChangeSource, Page, TimelineFilter } from "../types.js";
import { iso, isTrue, strOrNull, type Dialect, type SqlConn } from "./db.js";
import { afterCursor, cursorAfter, keyColumns, orderBy, type KeysetOrder } from "./keyset.js";
import { Where } from "./where.js";

/** Newest first; the id orders changes recorded at the same time. */
const TIMELINE_ORDER: KeysetOrder = {
  name: "timeline",
  keys: [
    { expr: "ch.at", type: "int", desc: true },
    { expr: "ch.id", type: "int", desc: true },
  ],
};

interface ChangeRow {
  id: number;
  at: number;
  scope: string;
  ref: string;
  kind: ChangeKind;
  old_fingerprint: string | null;
  new_fingerprint: string | null;
  old_subject: string | null;
  new_subject: string | null;
  ca: number;
  source_kind: ChangeSource["kind"];
  source_name: string;
  actor: string | null;
  resource_version: string | null;
  node: string | null;
}

function parseActor(text: string | null): Actor | null {
  if (text === null) return null;
  const a = JSON.parse(text) as Actor;
  return { manager: a.manager, operation: a.operation, ...(a.time ? { time: a.time } : {}) };
}

export async function readTimeline(db: SqlConn & { dialect?: Dialect }, f: TimelineFilter): Promise<Page<ApiChange>> {
  const w = new Where();
  if (f.since !== undefined) w.add("ch.at >= ?", f.since);
  if (f.until !== undefined) w.add("ch.at <= ?", f.until);
  if (f.locationPrefix !== undefined) {
    // an index range (bytewise: every ref starting with the prefix sorts between it and prefix + U+10FFFF),
    // then the exact prefix test
    const col = db.dialect === "postgres" ? 'ch.ref COLLATE "C"' : "ch.ref";
    w.add(`${col} >= ? AND ${col} < ? AND substr(ch.ref, 1, ?) = ?`, f.locationPrefix, `${f.locationPrefix}\u{10FFFF}`, f.locationPrefix.length, f.locationPrefix);
  }
  w.in("ch.kind", f.kind);
  if (f.caOnly) w.add("ch.ca = 1");
  w.eq("ch.node", f.node).eq("ch.namespace", f.namespace);
  if (f.fingerprint !== undefined) w.add("(ch.old_fingerprint = ? OR ch.new_fingerprint = ?)", f.fingerprint, f.fingerprint);
  const [count] = await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM changes ch ${w}`, w.params);
  const total = Number(count?.n ?? 0);
  const page = w.copy();
  const after = afterCursor(TIMELINE_ORDER, f.cursor);
  if (after) page.add(after.sql, ...after.params);
  const read = await db.all<ChangeRow>(
    `SELECT ch.id, ch.at, ch.scope, ch.ref, ch.kind, ch.old_fingerprint, ch.new_fingerprint, o.subject AS old_subject, n.subject AS new_subject,
       ch.ca, ch.source_kind, ch.source_name, ch.actor, ch.resource_version, ch.node, ${keyColumns(TIMELINE_ORDER)}
     FROM changes ch LEFT JOIN certificates o ON o.fingerprint = ch.old_fingerprint LEFT JOIN certificates n ON n.fingerprint = ch.new_fingerprint
     ${page} ORDER BY ${orderBy(TIMELINE_ORDER)} LIMIT ?`,
    [...page.params, f.limit + 1],
  );
  const rows = read.slice(0, f.limit);
  const items = rows.map((r): ApiChange => ({
    id: Number(r.id),
    at: iso(r.at),
    scope: r.scope,
    location: refParts(r.ref, r.node),
    kind: r.kind,
    oldFingerprint: r.old_fingerprint,
    newFingerprint: r.new_fingerprint,
    oldSubject: r.old_subject,
    newSubject: r.new_subject,
    ca: isTrue(r.ca),
    source: { kind: r.source_kind, name: r.source_name },
    actor: parseActor(r.actor),
    resourceVersion: strOrNull(r.resource_version),
  }));
  return { items, next: cursorAfter(TIMELINE_ORDER, rows[rows.length - 1], read.length > f.limit), total };
}
