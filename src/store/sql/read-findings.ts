/** Findings for the API: worst first, then soonest to break (hygiene last), then rule; with facets. */
import type { Severity } from "../../model/finding.js";
import { refParts } from "../ref-parts.js";
import type { ApiFinding, Facets, FindingFilter, FindingPage } from "../types.js";
import { inChunks, isoOrNull, iso, jsonList, strOrNull, type Row, type SqlConn } from "./db.js";
import { afterCursor, cursorAfter, keyColumns, orderBy, type KeysetOrder } from "./keyset.js";
import { Where } from "./where.js";

export const FINDING_COLUMNS = "f.scope, f.id, f.rule, f.severity, f.title, f.detail, f.remediation, f.certificates, f.locations, f.node, f.namespace, f.impact_at, f.opened_at, f.resolved_at";
/** Worst first, then soonest to break (none last), rule, id, newest; the row id makes it total. */
export const FINDING_ORDER: KeysetOrder = {
  name: "findings",
  keys: [
    { expr: "f.severity_rank", type: "int" },
    { expr: "f.impact_at", type: "int", nullable: true },
    { expr: "f.rule", type: "text" },
    { expr: "f.id", type: "text" },
    { expr: "f.opened_at", type: "int", desc: true },
    { expr: "f.row_id", type: "int" },
  ],
};

/** `toApiFinding` of rows read with FINDING_COLUMNS, each location labelled with its own node. */
export async function toApiFindings(db: SqlConn, rows: Row[]): Promise<ApiFinding[]> {
  const nodes = await locationNodes(db, rows);
  return rows.map((r) => toApiFinding(r, nodes));
}

function toApiFinding(r: Row, nodes: Map<string, string>): ApiFinding {
  const node = strOrNull(r.node);
  const scope = String(r.scope);
  const refs = jsonList(r.locations);
  return {
    id: String(r.id),
    scope,
    rule: String(r.rule),
    severity: r.severity as Severity,
    title: String(r.title),
    detail: String(r.detail),
    remediation: String(r.remediation),
    certificates: jsonList(r.certificates),
    // a location's node is where its placement is; a finding with one location lends it its own
    locations: refs.map((ref) => refParts(ref, nodes.get(placeKey(scope, ref)) ?? (refs.length === 1 ? node : undefined))),
    node,
    namespace: strOrNull(r.namespace),
    impactAt: isoOrNull(r.impact_at),
    openedAt: iso(r.opened_at),
    resolvedAt: isoOrNull(r.resolved_at),
  };
}

const placeKey = (scope: string, ref: string) => `${scope}\0${ref}`;

/**
 * The node of each finding location's placement in the finding's scope: open placements first (the
 * partial index on scope and ref), then, for resolved findings whose places are gone, the latest closed
 * placement of the finding's certificates there.
 */
async function locationNodes(db: SqlConn, rows: Row[]): Promise<Map<string, string>> {
  const nodes = new Map<string, string>();
  const wanted = new Map<string, { refs: Set<string>; fingerprints: Set<string> }>();
  for (const r of rows) {
    const refs = jsonList(r.locations);
    if (refs.length < 2 && strOrNull(r.node) !== null) continue;
    const w = wanted.get(String(r.scope)) ?? { refs: new Set<string>(), fingerprints: new Set<string>() };
    for (const ref of refs) w.refs.add(ref);
    for (const fp of jsonList(r.certificates)) w.fingerprints.add(fp);
    wanted.set(String(r.scope), w);
  }
  for (const [scope, w] of wanted) {
    const open = await inChunks([...w.refs], (m, chunk) => db.all<{ ref: string; node: string | null }>(`SELECT ref, node FROM placements WHERE to_at IS NULL AND scope = ? AND ref IN (${m})`, [scope, ...chunk]));
    for (const p of open) if (p.node !== null) nodes.set(placeKey(scope, p.ref), p.node);
    const found = new Set(open.map((p) => p.ref));
    const missing = new Set([...w.refs].filter((ref) => !found.has(ref)));
    if (missing.size === 0 || w.fingerprints.size === 0) continue;
    const closed = await inChunks([...w.fingerprints], (m, chunk) => db.all<{ ref: string; node: string | null }>(`SELECT ref, node FROM placements WHERE fingerprint IN (${m}) AND scope = ? ORDER BY from_at`, [...chunk, scope]));
    for (const p of closed) if (p.node !== null && missing.has(p.ref)) nodes.set(placeKey(scope, p.ref), p.node);
  }
  return nodes;
}

export function findingWhere(filter: Omit<FindingFilter, "limit" | "cursor">): Where {
  const w = new Where();
  if (filter.state === "open") w.add("f.resolved_at IS NULL");
  else if (filter.state === "resolved") w.add("f.resolved_at IS NOT NULL");
  return w.in("f.severity", filter.severity).in("f.rule", filter.rule).eq("f.node", filter.node).eq("f.namespace", filter.namespace);
}

export async function readFindings(db: SqlConn, filter: FindingFilter): Promise<FindingPage> {
  const w = findingWhere(filter);
  const [count] = await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM findings f ${w}`, w.params);
  const total = Number(count?.n ?? 0);
  const page = w.copy();
  const after = afterCursor(FINDING_ORDER, filter.cursor);
  if (after) page.add(after.sql, ...after.params);
  const rows = await db.all(`SELECT ${FINDING_COLUMNS}, ${keyColumns(FINDING_ORDER)} FROM findings f ${page} ORDER BY ${orderBy(FINDING_ORDER)} LIMIT ?`, [...page.params, filter.limit + 1]);
  const items = rows.slice(0, filter.limit);
  const out: FindingPage = { items: await toApiFindings(db, items), next: cursorAfter(FINDING_ORDER, items[items.length - 1], rows.length > filter.limit), total };
  if (filter.facets) out.facets = await facets(db, w);
  return out;
}

async function facets(db: SqlConn, w: Where): Promise<Facets> {
  const out: Facets = { severity: {}, rule: {}, node: {}, namespace: {} };
  for (const dim of ["severity", "rule", "node", "namespace"] as const) {
    const rows = await db.all<{ k: string | null; n: number }>(`SELECT f.${dim} AS k, COUNT(*) AS n FROM findings f ${w} GROUP BY f.${dim}`, w.params);
    for (const r of rows) if (r.k !== null && r.k !== "") out[dim][r.k] = Number(r.n);
  }
  return out;
}

/** Open findings counted by severity, grouped by `column` (node or namespace). */
export async function openFindingCounts(db: SqlConn, column: "node" | "namespace"): Promise<Map<string, Record<Severity, number>>> {
  const rows = await db.all<{ k: string; severity: Severity; n: number }>(`SELECT ${column} AS k, severity, COUNT(*) AS n FROM findings WHERE resolved_at IS NULL AND ${column} IS NOT NULL GROUP BY ${column}, severity`);
  const out = new Map<string, Record<Severity, number>>();
  for (const r of rows) {
    const counts = out.get(r.k) ?? { critical: 0, warning: 0, info: 0 };
    counts[r.severity] = Number(r.n);
    out.set(r.k, counts);
  }
  return out;
}
