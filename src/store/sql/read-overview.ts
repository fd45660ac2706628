/** The trust graph, nodes, namespaces, summary counts, status and agents. */
import type { Severity } from "../../model/finding.js";
import { refParts } from "../ref-parts.js";
import type { ApiNamespace, ApiNode, StoreStatus, Summary, TrustGraph, TrustGraphCa } from "../types.js";
import { iso, isoOrNull, isTrue, type Row, type SqlConn } from "./db.js";
import { openFindingCounts } from "./read-findings.js";

const DAY = 86_400_000;
const CURRENT = "EXISTS (SELECT 1 FROM placements p WHERE p.fingerprint = c.fingerprint AND p.to_at IS NULL)";
const zero = (): Record<Severity, number> => ({ critical: 0, warning: 0, info: 0 });

export async function readTrustGraph(db: SqlConn, leavesPerCa: number): Promise<TrustGraph> {
  const cas = await db.all(`SELECT c.fingerprint, c.subject, c.issuer, c.not_after FROM certificates c WHERE c.is_ca = 1 AND ${CURRENT} ORDER BY c.subject, c.fingerprint`);
  const caSet = new Set(cas.map((c) => String(c.fingerprint)));
  const placements = await db.all<{ fingerprint: string; ref: string; node: string | null; ca_identity: string | null; key_present: number }>(
    "SELECT p.fingerprint, p.ref, p.node, p.ca_identity, p.key_present FROM placements p JOIN certificates c ON c.fingerprint = p.fingerprint WHERE c.is_ca = 1 AND p.to_at IS NULL ORDER BY p.ref",
  );
  const counts = new Map(
    (await db.all<{ issuer: string; n: number }>(`SELECT ci.issuer, COUNT(*) AS n FROM cert_issuers ci JOIN certificates c ON c.fingerprint = ci.fingerprint WHERE ${CURRENT} GROUP BY ci.issuer`)).map((r) => [r.issuer, Number(r.n)]),
  );
  const edges: TrustGraph["edges"] = [];
  const out: TrustGraphCa[] = [];
  for (const ca of cas) {
    const fp = String(ca.fingerprint);
    const mine = placements.filter((p) => p.fingerprint === fp);
    const signed = await db.all(
      `SELECT c.fingerprint, c.subject, c.is_ca, c.not_after FROM cert_issuers ci JOIN certificates c ON c.fingerprint = ci.fingerprint WHERE ci.issuer = ? AND ${CURRENT} ORDER BY c.is_ca DESC, c.not_after, c.fingerprint LIMIT ?`,
      [fp, Math.max(leavesPerCa, 0) + caSet.size],
    );
    // every CA it signed (the hierarchy) plus the first `leavesPerCa` leaves
    const listed: Row[] = [];
    let leaves = 0;
    for (const s of signed) {
      if (caSet.has(String(s.fingerprint))) listed.push(s);
      else if (leaves++ < leavesPerCa) listed.push(s);
    }
    for (const s of listed) edges.push({ issuer: fp, subject: String(s.fingerprint) });
    out.push({
      fingerprint: fp,
      subject: String(ca.subject),
      issuer: String(ca.issuer),
      notAfter: iso(ca.not_after),
      selfSigned: ca.subject === ca.issuer,
      caIdentities: [...new Set(mine.map((p) => p.ca_identity).filter((x): x is string => x !== null))].sort(),
      keyPresent: mine.some((p) => isTrue(p.key_present)),
      locations: mine.map((p) => refParts(p.ref, p.node)),
      signedCount: counts.get(fp) ?? 0,
      signed: listed.filter((s) => !caSet.has(String(s.fingerprint))).map((s) => ({ fingerprint: String(s.fingerprint), subject: String(s.subject), isCA: isTrue(s.is_ca), notAfter: iso(s.not_after) })),
    });
  }
  const identities = new Map<string, Map<string, string>>();
  for (const r of await db.all<{ ca_identity: string; fingerprint: string; spki: string | null }>("SELECT DISTINCT p.ca_identity, p.fingerprint, c.spki_fingerprint AS spki FROM placements p JOIN certificates c ON c.fingerprint = p.fingerprint WHERE p.to_at IS NULL AND p.ca_identity IS NOT NULL")) {
    const keys = identities.get(r.ca_identity) ?? new Map<string, string>();
    keys.set(r.fingerprint, r.spki ?? r.fingerprint);
    identities.set(r.ca_identity, keys);
  }
  const variants = [...identities]
    .filter(([, keys]) => new Set(keys.values()).size > 1)
    .map(([identity, keys]) => ({ identity, certificates: [...keys.keys()].sort() }))
    .sort((a, b) => a.identity.localeCompare(b.identity));
  return { cas: out, edges, variants };
}

export async function readNodes(db: SqlConn, now: number, silentAfterMs: number): Promise<ApiNode[]> {
  const certs = new Map((await db.all<{ node: string; n: number }>("SELECT node, COUNT(DISTINCT fingerprint) AS n FROM placements WHERE to_at IS NULL AND node IS NOT NULL AND node <> '' GROUP BY node")).map((r) => [r.node, Number(r.n)]));
  const agents = await db.all("SELECT agent_id, node, agent_version, last_report_at, last_sequence, dropped FROM agents ORDER BY last_report_at");
  const agentOf = new Map(agents.map((a) => [String(a.node), a]));
  const findings = await openFindingCounts(db, "node");
  const names = [...new Set([...certs.keys(), ...agentOf.keys()])].sort();
  return names.map((name) => {
    const a = agentOf.get(name);
    const last = a === undefined ? undefined : Number(a.last_report_at);
    return {
      name,
      agent: {
        status: last === undefined ? "none" : now - last > silentAfterMs ? "silent" : "ok",
        agentId: a ? String(a.agent_id) : null,
        lastReportAt: isoOrNull(last),
        lastSequence: a ? Number(a.last_sequence) : null,
        agentVersion: a ? String(a.agent_version) : null,
        dropped: a ? Number(a.dropped) : null,
      },
      certificates: certs.get(name) ?? 0,
      findings: findings.get(name) ?? zero(),
    };
  });
}

export async function readNamespaces(db: SqlConn): Promise<ApiNamespace[]> {
  const certs = await db.all<{ namespace: string; n: number }>("SELECT namespace, COUNT(DISTINCT fingerprint) AS n FROM placements WHERE to_at IS NULL AND namespace IS NOT NULL GROUP BY namespace ORDER BY namespace");
  const findings = await openFindingCounts(db, "namespace");
  const names = [...new Set([...certs.map((c) => c.namespace), ...findings.keys()])].sort();
  const count = new Map(certs.map((c) => [c.namespace, Number(c.n)]));
  return names.map((name) => ({ name, certificates: count.get(name) ?? 0, findings: findings.get(name) ?? zero() }));
}

async function state(db: SqlConn): Promise<{ generation: number; lastScanId: number | null; lastScanAt: string | null }> {
  const [s] = await db.all("SELECT generation, last_scan_id, last_scan_at FROM store_state WHERE id = 1");
  return { generation: Number(s?.generation ?? 0), lastScanId: s?.last_scan_id === null || s?.last_scan_id === undefined ? null : Number(s.last_scan_id), lastScanAt: isoOrNull(s?.last_scan_at) };
}

export async function readSummary(db: SqlConn, now: number): Promise<Summary> {
  const s = await state(db);
  const [certs] = await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM certificates c WHERE ${CURRENT}`);
  const findings = zero();
  for (const r of await db.all<{ severity: Severity; n: number }>("SELECT severity, COUNT(*) AS n FROM findings WHERE resolved_at IS NULL GROUP BY severity")) findings[r.severity] = Number(r.n);
  const [e] = await db.all(
    `SELECT
       SUM(CASE WHEN c.not_after <= ? THEN 1 ELSE 0 END) AS expired,
       SUM(CASE WHEN c.not_after > ? AND c.not_after <= ? THEN 1 ELSE 0 END) AS d7,
       SUM(CASE WHEN c.not_after > ? AND c.not_after <= ? THEN 1 ELSE 0 END) AS d30,
       SUM(CASE WHEN c.not_after > ? AND c.not_after <= ? THEN 1 ELSE 0 END) AS d90,
       SUM(CASE WHEN c.not_after > ? AND c.not_after <= ? THEN 1 ELSE 0 END) AS d365,
       SUM(CASE WHEN c.not_after > ? THEN 1 ELSE 0 END) AS later
     FROM certificates c WHERE EXISTS (SELECT 1 FROM placements p WHERE p.fingerprint = c.fingerprint AND p.to_at IS NULL AND p.backup = 0)`,
    [now, now, now + 7 * DAY, now + 7 * DAY, now + 30 * DAY, now + 30 * DAY, now + 90 * DAY, now + 90 * DAY, now + 365 * DAY, now + 365 * DAY],
  );
  const n = (k: string) => Number(e?.[k] ?? 0);
  return {
    generation: s.generation,
    lastScanAt: s.lastScanAt,
    certificates: Number(certs?.n ?? 0),
    findings,
    expiry: { expired: n("expired"), d7: n("d7"), d30: n("d30"), d90: n("d90"), d365: n("d365"), later: n("later") },
  };
}

export async function readStatus(db: SqlConn, backend: StoreStatus["backend"], error: StoreStatus["error"]): Promise<StoreStatus> {
  const s = await state(db);
  return { backend, ok: error === undefined, ...(error ? { error } : {}), generation: s.generation, lastScanAt: s.lastScanAt, lastScanId: s.lastScanId };
}

export async function readAgents(db: SqlConn): Promise<Array<{ agentId: string; node: string; lastReportAt: number; lastSequence: number }>> {
  const rows = await db.all("SELECT agent_id, node, last_report_at, last_sequence FROM agents ORDER BY node, agent_id");
  return rows.map((r) => ({ agentId: String(r.agent_id), node: String(r.node), lastReportAt: Number(r.last_report_at), lastSequence: Number(r.last_sequence) }));
}
