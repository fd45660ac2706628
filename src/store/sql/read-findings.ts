/** Findings for the API: worst first, then soonest to break (hygiene last), then rule; with facets. */
import type { Severity } from "../../model/finding.js";
import { refParts } from "../ref-parts.js";
import type { ApiFinding, Facets, FindingFilter, FindingPage } from "../types.js";
import { isoOrNull, iso, jsonList, strOrNull, type Row, type SqlConn } from "./db.js";
import { nextCursor, pageOffset, Where } from "./where.js";

export const FINDING_COLUMNS = "f.scope, f.id, f.rule, f.severity, f.title, f.detail, f.remediation, f.certificates, f.locations, f.node, f.namespace, f.impact_at, f.opened_at, f.resolved_at";
export const FINDING_ORDER = "f.severity_rank, (f.impact_at IS NULL), f.impact_at, f.rule, f.id, f.opened_at DESC";

export function toApiFinding(r: Row): ApiFinding {
  const node = strOrNull(r.node);
  return {
    id: String(r.id),
    scope: String(r.scope),
    rule: String(r.rule),
    severity: r.severity as Severity,
    title: String(r.title),
    detail: String(r.detail),
    remediation: String(r.remediation),
    certificates: jsonList(r.certificates),
    locations: findingLocations(jsonList(r.locations), node),
    node,
    namespace: strOrNull(r.namespace),
    impactAt: isoOrNull(r.impact_at),
    openedAt: iso(r.opened_at),
    resolvedAt: isoOrNull(r.resolved_at),
  };
}

/**
 * A finding's node is its first location's; only a finding with one location can lend it to that
 * location. With several (a CA on k3s-server-1 and k3s-server-2), each keeps only the node its ref
 * names, rather than every file being shown "on" the first one's node.
 */
function findingLocations(refs: string[], node: string | null): ReturnType<typeof refParts>[] {
  return refs.map((ref) => refParts(ref, refs.length === 1 ? node : undefined));
}

export function findingWhere(filter: Omit<FindingFilter, "limit" | "cursor">): Where {
  const w = new Where();
  if (filter.state === "open") w.add("f.resolved_at IS NULL");
  else if (filter.state === "resolved") w.add("f.resolved_at IS NOT NULL");
  return w.in("f.severity", filter.severity).in("f.rule", filter.rule).eq("f.node", filter.node).eq("f.namespace", filter.namespace);
}

export async function readFindings(db: SqlConn, filter: FindingFilter): Promise<FindingPage> {
  const offset = pageOffset(filter.cursor);
  const w = findingWhere(filter);
  const [count] = await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM findings f ${w}`, w.params);
  const total = Number(count?.n ?? 0);
  const rows = await db.all(`SELECT ${FINDING_COLUMNS} FROM findings f ${w} ORDER BY ${FINDING_ORDER} LIMIT ? OFFSET ?`, [...w.params, filter.limit, offset]);
  const page: FindingPage = { items: rows.map(toApiFinding), next: nextCursor(offset, rows.length, total), total };
  if (filter.facets) page.facets = await facets(db, w);
  return page;
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
