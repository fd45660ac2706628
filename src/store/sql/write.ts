/**
 * Recording one observation (a scan of one scope) inside the caller's transaction: certificates are
 * upserted by fingerprint; the scope's open placements are compared with what was seen, giving
 * `appeared` / `changed` / `removed` change rows (with who changed it, when the source knows); findings
 * are opened and resolved by their stable id. A rescan that saw the same thing writes no placement,
 * change or finding row — only the scan row, the certificates' last-seen time and the generation.
 */
import { severityRank } from "../../model/finding.js";
import { refNamespace } from "../ref-parts.js";
import type { AgentIngest, AgentReportMeta, Observation, ObservedCert, ObservedPlacement, WriteSummary } from "../types.js";
import { PLACEMENT_ROW_COLUMNS, type PlacementRow } from "./rows.js";
import { bool, inChunks, insertMany, insertManyReturning, isTrue, type Param, type SqlConn } from "./db.js";

/** At most this many source errors are kept per scan (the scan row counts them all). */
const MAX_ISSUES_PER_SCAN = 1000;

/** An open placement of the scope(s) being replaced, with whether its certificate is a CA. */
type OpenPlacement = Omit<PlacementRow, "from_at" | "to_at"> & { is_ca: number | null };

interface OpenFinding {
  row_id: number;
  scope: string;
  id: string;
  severity: string;
  title: string;
  detail: string;
  remediation: string;
  impact_at: number | null;
  locations: string;
}

const PLACEMENT_COLUMNS = ["scope", "ref", "fingerprint", "node", "namespace", "role", "context", "ca_identity", "anchor", "backup", "key_present", "resource_version", "actor", "source_kind", "source_name", "from_at"] as const;
const CHANGE_COLUMNS = ["at", "scope", "ref", "kind", "old_fingerprint", "new_fingerprint", "ca", "source_kind", "source_name", "actor", "resource_version", "node", "namespace"] as const;

const orNull = (v: string | undefined): string | null => (v === undefined || v === "" ? null : v);

function placementValues(p: ObservedPlacement): Param[] {
  return [orNull(p.node), orNull(p.namespace ?? refNamespace(p.ref)), orNull(p.role), orNull(p.context), orNull(p.caIdentity), bool(p.anchor), bool(p.backup), bool(p.keyPresent), orNull(p.resourceVersion), p.actor ? JSON.stringify(p.actor) : null];
}

function isSamePlacement(old: OpenPlacement, values: Param[]): boolean {
  const have: Param[] = [old.node, old.namespace, old.role, old.context, old.ca_identity, Number(old.anchor), Number(old.backup), Number(old.key_present), old.resource_version, old.actor];
  return have.every((v, i) => v === values[i]);
}

async function upsertCertificates(tx: SqlConn, certs: ObservedCert[], at: number): Promise<number> {
  const byFp = new Map(certs.map((c) => [c.fingerprint, c]));
  const fps = [...byFp.keys()];
  const existing = new Set((await inChunks(fps, (m, chunk) => tx.all<{ fingerprint: string }>(`SELECT fingerprint FROM certificates WHERE fingerprint IN (${m})`, chunk))).map((r) => r.fingerprint));
  const fresh = [...byFp.values()].filter((c) => !existing.has(c.fingerprint));
  await insertMany(
    tx,
    "certificates",
    ["fingerprint", "subject", "issuer", "serial_number", "not_before", "not_after", "is_ca", "key_type", "key_size", "signature_algorithm", "subject_key_id", "authority_key_id", "spki_fingerprint", "dns_names", "ip_addresses", "first_seen", "last_seen"],
    fresh.map((c) => [c.fingerprint, c.subject, c.issuer, c.serialNumber, c.notBefore, c.notAfter, bool(c.isCA), c.keyType, c.keySize, c.signatureAlgorithm, orNull(c.subjectKeyId), orNull(c.authorityKeyId), orNull(c.spkiFingerprint), JSON.stringify(c.dnsNames), JSON.stringify(c.ipAddresses), at, at]),
  );
  await inChunks([...existing], async (m, chunk) => {
    await tx.run(`UPDATE certificates SET last_seen = ? WHERE last_seen < ? AND fingerprint IN (${m})`, [at, at, ...chunk]);
    return [];
  });
  // issuer edges: a certificate's issuer may only become known (and verifiable) in a later scan
  const edges: Param[][] = [];
  for (const c of byFp.values()) for (const i of new Set(c.issuers)) if (i !== c.fingerprint) edges.push([c.fingerprint, i]);
  if (edges.length > 0) {
    const known = new Set((await inChunks(fps, (m, chunk) => tx.all<{ fingerprint: string; issuer: string }>(`SELECT fingerprint, issuer FROM cert_issuers WHERE fingerprint IN (${m})`, chunk))).map((r) => `${r.fingerprint}/${r.issuer}`));
    await insertMany(tx, "cert_issuers", ["fingerprint", "issuer"], edges.filter(([f, i]) => !known.has(`${f}/${i}`)));
  }
  return fresh.length;
}

/** Records `obs` in the open transaction `tx`. */
export async function writeObservation(tx: SqlConn, obs: Observation): Promise<WriteSummary> {
  const at = obs.evaluatedAt;
  const src = obs.source;
  const certificatesAdded = await upsertCertificates(tx, obs.certificates, at);
  const isCA = new Map(obs.certificates.map((c) => [c.fingerprint, c.isCA]));

  // ---- placements and changes
  const scopes = scopeCondition("p.scope", obs);
  const open = new Map((await tx.all<OpenPlacement>(`SELECT ${PLACEMENT_ROW_COLUMNS}, c.is_ca FROM placements p LEFT JOIN certificates c ON c.fingerprint = p.fingerprint WHERE p.to_at IS NULL AND ${scopes.sql}`, scopes.params)).map((p) => [placeKey(p.scope, p.ref), p]));
  const seen = new Map<string, ObservedPlacement>();
  for (const p of obs.placements) {
    const key = placeKey(p.scope ?? obs.scope, p.ref);
    if (!seen.has(key)) seen.set(key, p);
  }
  const inserts: Param[][] = [];
  const changes: Param[][] = [];
  const close: number[] = [];
  const updates: Array<{ id: number; values: Param[] }> = [];
  const change = (kind: string, ref: string, oldFp: string | null, p: ObservedPlacement | undefined, old: OpenPlacement | undefined, ca: boolean) => {
    const s = p?.source ?? src;
    changes.push([at, p?.scope ?? old?.scope ?? obs.scope, ref, kind, oldFp, p?.fingerprint ?? null, bool(ca), s.kind, s.name, p?.actor ? JSON.stringify(p.actor) : null, orNull(p?.resourceVersion), orNull(p?.node) ?? old?.node ?? null, orNull(p?.namespace ?? refNamespace(ref)) ?? old?.namespace ?? null]);
  };
  for (const [key, p] of seen) {
    const ref = p.ref;
    const old = open.get(key);
    const values = placementValues(p);
    const row: Param[] = [p.scope ?? obs.scope, ref, p.fingerprint, ...values, p.source.kind, p.source.name, at];
    const newCa = isCA.get(p.fingerprint) === true || p.anchor;
    if (old === undefined) {
      inserts.push(row);
      change("appeared", ref, null, p, undefined, newCa);
    } else if (old.fingerprint !== p.fingerprint) {
      close.push(old.id);
      inserts.push(row);
      change("changed", ref, old.fingerprint, p, old, newCa || isTrue(old.is_ca) || isTrue(old.anchor));
    } else if (!isSamePlacement(old, values)) {
      updates.push({ id: old.id, values });
    }
  }
  for (const [key, old] of open) {
    const ref = old.ref;
    if (seen.has(key) || obs.isPreserved?.(ref)) continue;
    close.push(old.id);
    change("removed", ref, old.fingerprint, undefined, old, isTrue(old.is_ca) || isTrue(old.anchor));
  }
  // close before insert: the unique index allows one open placement per (scope, ref)
  await inChunks(close, async (m, chunk) => {
    await tx.run(`UPDATE placements SET to_at = ? WHERE id IN (${m})`, [at, ...chunk]);
    return [];
  });
  for (const u of updates) {
    await tx.run("UPDATE placements SET node = ?, namespace = ?, role = ?, context = ?, ca_identity = ?, anchor = ?, backup = ?, key_present = ?, resource_version = ?, actor = ? WHERE id = ?", [...u.values, u.id]);
  }
  const opened = await insertMany(tx, "placements", PLACEMENT_COLUMNS, inserts);
  await insertMany(tx, "changes", CHANGE_COLUMNS, changes);

  // ---- findings
  const findingScopes = scopeCondition("scope", obs);
  const openFindings = new Map((await tx.all<OpenFinding>(`SELECT row_id, scope, id, severity, title, detail, remediation, impact_at, locations FROM findings WHERE resolved_at IS NULL AND ${findingScopes.sql}`, findingScopes.params)).map((f) => [placeKey(f.scope, f.id), f]));
  const seenFindings = new Map(obs.findings.map((f) => [placeKey(f.scope ?? obs.scope, f.id), f]));
  const newFindings = [...seenFindings].filter(([key]) => !openFindings.has(key)).map(([, f]) => f);
  const rows = await insertManyReturning<{ row_id: number; scope: string; id: string }>(
    tx,
    "findings",
    ["scope", "id", "rule", "severity", "severity_rank", "title", "detail", "remediation", "certificates", "locations", "node", "namespace", "impact_at", "opened_at"],
    newFindings.map((f) => [f.scope ?? obs.scope, f.id, f.rule, f.severity, -severityRank[f.severity], f.title, f.detail, f.remediation, JSON.stringify(f.certificates), JSON.stringify(f.locations), orNull(f.node), orNull(f.namespace ?? firstNamespace(f.locations)), f.impactAt ?? null, at]),
    "row_id, scope, id",
  );
  const rowOf = new Map(rows.map((r) => [placeKey(r.scope, r.id), Number(r.row_id)]));
  const findingCerts: Param[][] = [];
  for (const f of newFindings) for (const fp of new Set(f.certificates)) findingCerts.push([rowOf.get(placeKey(f.scope ?? obs.scope, f.id))!, fp]);
  await insertMany(tx, "finding_certs", ["finding_row", "fingerprint"], findingCerts);
  for (const [key, f] of seenFindings) {
    const old = openFindings.get(key);
    if (old === undefined) continue;
    const impact = f.impactAt ?? null;
    if (old.severity !== f.severity || old.title !== f.title || old.detail !== f.detail || old.remediation !== f.remediation || (old.impact_at === null ? null : Number(old.impact_at)) !== impact) {
      await tx.run("UPDATE findings SET severity = ?, severity_rank = ?, title = ?, detail = ?, remediation = ?, impact_at = ? WHERE row_id = ?", [f.severity, -severityRank[f.severity], f.title, f.detail, f.remediation, impact, old.row_id]);
    }
  }
  const resolve: number[] = [];
  for (const [key, old] of openFindings) {
    if (seenFindings.has(key)) continue;
    // a finding about places whose source failed this time is unknown, not resolved
    const locations = JSON.parse(old.locations) as string[];
    if (obs.isPreserved && locations.length > 0 && locations.every((l) => obs.isPreserved!(l))) continue;
    resolve.push(old.row_id);
  }
  await inChunks(resolve, async (m, chunk) => {
    await tx.run(`UPDATE findings SET resolved_at = ? WHERE row_id IN (${m})`, [at, ...chunk]);
    return [];
  });

  // ---- the scan, its source errors, the generation
  const [scan] = await tx.all<{ id: number }>(
    "INSERT INTO scans (scope, source_kind, source_name, started_at, evaluated_at, duration_ms, certificates, findings, issues, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    [obs.scope, src.kind, src.name, obs.startedAt, obs.evaluatedAt, Math.max(0, Math.round(obs.durationMs)), obs.certificates.length, obs.findings.length, obs.issues.length, changes.length],
  );
  const scanId = Number(scan!.id);
  await insertMany(tx, "scan_issues", ["scan_id", "code", "ref", "message"], obs.issues.slice(0, MAX_ISSUES_PER_SCAN).map((i) => [scanId, i.code, i.ref, i.message.slice(0, 4096)]));
  await tx.run("UPDATE store_state SET generation = generation + 1, last_scan_id = ?, last_scan_at = ? WHERE id = 1", [scanId, at]);
  return { scanId, changes: changes.length, placementsOpened: opened, placementsClosed: close.length, findingsOpened: newFindings.length, findingsResolved: resolve.length, certificatesAdded };
}

const placeKey = (scope: string, key: string): string => `${scope}\0${key}`;

/** The scopes an observation replaces: its own, and with `replacesNamedScopes` its named paths' `<scope>@NAME`. */
function scopeCondition(column: string, obs: Observation): { sql: string; params: Param[] } {
  if (!obs.replacesNamedScopes) return { sql: `${column} = ?`, params: [obs.scope] };
  const prefix = `${obs.scope}@`;
  return { sql: `(${column} = ? OR substr(${column}, 1, ?) = ?)`, params: [obs.scope, prefix.length, prefix] };
}

function firstNamespace(refs: string[]): string | undefined {
  for (const r of refs) {
    const ns = refNamespace(r);
    if (ns !== undefined) return ns;
  }
  return undefined;
}

/** Records an agent report unless (agentId, sequence) was recorded before; in the caller's transaction. */
export async function writeAgentReport(tx: SqlConn, meta: AgentReportMeta, obs: Observation): Promise<AgentIngest> {
  const inserted = await tx.run("INSERT INTO agent_reports (agent_id, sequence, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [meta.agentId, meta.sequence, meta.receivedAt]);
  if (inserted === 0) return { stored: false, duplicate: true };
  const summary = await writeObservation(tx, obs);
  await tx.run("UPDATE agent_reports SET scan_id = ? WHERE agent_id = ? AND sequence = ?", [summary.scanId, meta.agentId, meta.sequence]);
  await tx.run(
    `INSERT INTO agents (agent_id, node, agent_version, last_report_at, last_sequence, scanned_at, dropped) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (agent_id) DO UPDATE SET node = excluded.node, agent_version = excluded.agent_version, last_report_at = excluded.last_report_at,
       last_sequence = excluded.last_sequence, scanned_at = excluded.scanned_at, dropped = excluded.dropped`,
    [meta.agentId, meta.node, meta.agentVersion, meta.receivedAt, meta.sequence, meta.scannedAt, meta.dropped],
  );
  return { stored: true, summary };
}
