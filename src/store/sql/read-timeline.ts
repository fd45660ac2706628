/** The change timeline: every appeared/changed/removed at a location, newest first, with who changed it. */
import { refParts } from "../ref-parts.js";
import type { Actor, ApiChange, ChangeKind, ChangeSource, Page, TimelineFilter } from "../types.js";
import { iso, isTrue, strOrNull, type Dialect, type SqlConn } from "./db.js";
import { nextCursor, pageOffset, Where } from "./where.js";

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
  const offset = pageOffset(f.cursor);
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
  const rows = await db.all<ChangeRow>(
    `SELECT ch.id, ch.at, ch.scope, ch.ref, ch.kind, ch.old_fingerprint, ch.new_fingerprint, o.subject AS old_subject, n.subject AS new_subject,
       ch.ca, ch.source_kind, ch.source_name, ch.actor, ch.resource_version, ch.node
     FROM changes ch LEFT JOIN certificates o ON o.fingerprint = ch.old_fingerprint LEFT JOIN certificates n ON n.fingerprint = ch.new_fingerprint
     ${w} ORDER BY ch.at DESC, ch.id DESC LIMIT ? OFFSET ?`,
    [...w.params, f.limit, offset],
  );
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
  return { items, next: nextCursor(offset, rows.length, total), total };
}
