/**
 * Recording observations (each a scan of one scope) inside the caller's transaction: certificates are
 * upserted by fingerprint; each scope's open placements are compared with what was seen, giving
 * `appeared` / `changed` / `removed` change rows (with who changed it, when the source knows); findings
 * are opened and resolved by their stable id. A rescan that saw the same thing writes no placement,
 * change or finding row — only the scan row, the certificates' last-seen time and the generation.
 *
 * A batch of observations of distinct scopes (agent reports arriving together) is written with one
 * statement per table for the whole batch, each with a fixed text (bulk.ts), and the statements that do
 * not depend on each other go together (SqlConn.together): on PostgreSQL the reads, then three round
 * trips of writes per batch (placements closed and findings stored; placements and changes opened plus
 * the scan rows; the scans' dependants) instead of one per statement. On a loaded machine each round
 * trip to the database waits for a scheduler turn, and that — not the work — was most of a batch's time. A report that says what its scope's last one
 * said (the same digest, observation-digest.ts) is not compared row by row at all: only its scan is
 * recorded, and once an hour it is written in full so that certificates' last-seen time moves on.
 */
import { severityRank } from "../../model/finding.js";
import { refNamespace } from "../ref-parts.js";
import type { Observation, ObservedFinding, ObservedPlacement, WriteSummary } from "../types.js";
import { inList, insertRows, rowsTable, type Column, type SqlPart } from "./bulk.js";
import { bool, isTrue, type Param, type SqlConn } from "./db.js";
import { PLACEMENT_ROW_COLUMNS, type PlacementRow } from "./rows.js";
import { observationDigest } from "./observation-digest.js";
import { LAST_SEEN_STEP_MS, upsertCertificates } from "./write-certificates.js";

/** At most this many source errors are kept per scan (the scan row counts them all). */
const MAX_ISSUES_PER_SCAN = 1000;
const P = { prepare: true };

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

type Value = string | number | null;

const PLACEMENT_COLUMNS: readonly Column[] = [
  ["scope", "text"], ["ref", "text"], ["fingerprint", "text"], ["node", "text"], ["namespace", "text"], ["role", "text"], ["context", "text"], ["ca_identity", "text"],
  ["anchor", "int"], ["backup", "int"], ["key_present", "int"], ["resource_version", "text"], ["actor", "text"], ["source_kind", "text"], ["source_name", "text"], ["from_at", "int"],
];
const CHANGE_COLUMNS: readonly Column[] = [
  ["at", "int"], ["scope", "text"], ["ref", "text"], ["kind", "text"], ["old_fingerprint", "text"], ["new_fingerprint", "text"], ["ca", "int"],
  ["source_kind", "text"], ["source_name", "text"], ["actor", "text"], ["resource_version", "text"], ["node", "text"], ["namespace", "text"],
];
const FINDING_COLUMNS: readonly Column[] = [
  ["scope", "text"], ["id", "text"], ["rule", "text"], ["severity", "text"], ["severity_rank", "int"], ["title", "text"], ["detail", "text"], ["remediation", "text"],
  ["certificates", "text"], ["locations", "text"], ["node", "text"], ["namespace", "text"], ["impact_at", "int"], ["opened_at", "int"],
];
const SCAN_COLUMNS: readonly Column[] = [
  ["scope", "text"], ["source_kind", "text"], ["source_name", "text"], ["started_at", "int"], ["evaluated_at", "int"], ["duration_ms", "int"],
  ["certificates", "int"], ["findings", "int"], ["issues", "int"], ["changes", "int"],
];
const ID_AT: readonly Column[] = [["id", "int"], ["at", "int"]];
const PLACEMENT_UPDATE_COLUMNS: readonly Column[] = [
  ["node", "text"], ["namespace", "text"], ["role", "text"], ["context", "text"], ["ca_identity", "text"], ["anchor", "int"], ["backup", "int"], ["key_present", "int"],
  ["resource_version", "text"], ["actor", "text"], ["id", "int"],
];
const FINDING_UPDATE_COLUMNS: readonly Column[] = [
  ["severity", "text"], ["severity_rank", "int"], ["title", "text"], ["detail", "text"], ["remediation", "text"], ["impact_at", "int"], ["id", "int"],
];

/**
 * A batch's writes by when they can run: every statement of a phase is independent of the others in it
 * (SqlConn.together), and a phase may depend on the phases before it. `first` closes what went away and
 * stores certificates and findings; `second` opens placements (the closes made room in the unique index
 * of open ones) and ends with the scan rows; `afterScans` gets the scans' ids.
 */
export interface WritePhases {
  first: SqlPart[];
  second: SqlPart[];
}

/** Statements to run with the scan rows' dependants, given each scope's new scan id. */
export type AfterScans = (scanIds: ReadonlyMap<string, number>) => SqlPart[];

const orNull = (v: string | undefined): string | null => (v === undefined || v === "" ? null : v);
const scopedKey = (scope: string, key: string): string => `${scope}\0${key}`;

function placementValues(p: ObservedPlacement): Value[] {
  return [orNull(p.node), orNull(p.namespace ?? refNamespace(p.ref)), orNull(p.role), orNull(p.context), orNull(p.caIdentity), bool(p.anchor), bool(p.backup), bool(p.keyPresent), orNull(p.resourceVersion), p.actor ? JSON.stringify(p.actor) : null];
}

function isSamePlacement(old: OpenPlacement, values: Value[]): boolean {
  const have: Value[] = [old.node, old.namespace, old.role, old.context, old.ca_identity, Number(old.anchor), Number(old.backup), Number(old.key_present), old.resource_version, old.actor];
  return have.every((v, i) => v === values[i]);
}

/**
 * The scopes a batch replaces: each observation's own, and with `replacesNamedScopes` (the server's own
 * scan, always alone in its batch) its named paths' `<scope>@NAME` too.
 */
function scopeCondition(tx: SqlConn, column: string, list: readonly Observation[]): SqlPart {
  const [only] = list;
  if (list.length === 1 && only!.replacesNamedScopes) {
    const prefix = `${only!.scope}@`;
    return { sql: `(${column} = ? OR substr(${column}, 1, ?) = ?)`, params: [only!.scope, prefix.length, prefix] };
  }
  const scopes = inList(tx.dialect, "text", list.map((o) => o.scope));
  return { sql: `${column} ${scopes.sql}`, params: scopes.params };
}

/**
 * SQLite's planner cannot tell how many scopes a JSON list holds and may walk every open row: the
 * partial (scope, ...) index of open rows is the one to use. PostgreSQL plans it by statistics.
 */
function indexedBy(tx: SqlConn, index: string): string {
  return tx.dialect === "sqlite" ? ` INDEXED BY ${index}` : "";
}

/** Which observation of the batch owns a stored row's scope. */
function owners(list: readonly Observation[]): (scope: string) => Observation | undefined {
  const byScope = new Map(list.map((o) => [o.scope, o]));
  return (scope) => byScope.get(scope) ?? list.find((o) => o.replacesNamedScopes && scope.startsWith(`${o.scope}@`));
}

/** Per-observation counts while the batch is written. */
interface Tally {
  changes: number;
  opened: number;
  closed: number;
  findingsOpened: number;
  findingsResolved: number;
}

/** Records `obs` in the open transaction `tx`. */
export async function writeObservation(tx: SqlConn, obs: Observation): Promise<WriteSummary> {
  return (await writeObservations(tx, [obs]))[0]!;
}

/**
 * Records `list`, observations of distinct scopes, in the open transaction `tx`; one summary each, in
 * order. `afterScans` adds the caller's statements that need the scan ids to the last round trip.
 */
export async function writeObservations(tx: SqlConn, list: readonly Observation[], afterScans?: AfterScans): Promise<WriteSummary[]> {
  if (list.length === 0) return [];
  if (new Set(list.map((o) => o.scope)).size !== list.length || (list.length > 1 && list.some((o) => o.replacesNamedScopes))) {
    throw new Error("a batch of observations must have distinct scopes, and a scan replacing named scopes is written alone");
  }
  const tally = new Map<Observation, Tally>(list.map((o) => [o, { changes: 0, opened: 0, closed: 0, findingsOpened: 0, findingsResolved: 0 }]));
  const digests = new Map(list.map((o) => [o, observationDigest(o)]));
  const unchanged = await unchangedSince(tx, list, digests);
  const changed = list.filter((o) => !unchanged.has(o));
  const phases: WritePhases = { first: [], second: [] };
  const added = await upsertCertificates(tx, changed, phases.first);
  if (changed.length > 0) {
    await planPlacements(tx, changed, tally, phases);
    await planFindings(tx, changed, tally, phases);
    phases.first.push(insertRows(tx.dialect, "scope_digests", [["scope", "text"], ["digest", "text"], ["written_at", "int"]], changed.map((o) => [o.scope, digests.get(o)!, o.evaluatedAt]), "ON CONFLICT (scope) DO UPDATE SET digest = excluded.digest, written_at = excluded.written_at"));
  }
  if (phases.first.length > 0) await tx.together(phases.first, P);
  const scanIds = await writeScans(tx, list, tally, phases.second, afterScans);
  return list.map((o) => {
    const t = tally.get(o)!;
    return { scanId: scanIds.get(o.scope)!, changes: t.changes, placementsOpened: t.opened, placementsClosed: t.closed, findingsOpened: t.findingsOpened, findingsResolved: t.findingsResolved, certificatesAdded: added.get(o) ?? 0 };
  });
}

/**
 * Observations that say what their scope's last full write said, less than LAST_SEEN_STEP ago: nothing
 * to compare or write but the scan row. Never one whose sources partly failed (`isPreserved`).
 */
async function unchangedSince(tx: SqlConn, list: readonly Observation[], digests: ReadonlyMap<Observation, string>): Promise<Set<Observation>> {
  const candidates = list.filter((o) => o.isPreserved === undefined);
  if (candidates.length === 0) return new Set();
  const scopes = inList(tx.dialect, "text", candidates.map((o) => o.scope));
  const last = new Map((await tx.all<{ scope: string; digest: string; written_at: number }>(`SELECT scope, digest, written_at FROM scope_digests WHERE scope ${scopes.sql}`, scopes.params, P)).map((r) => [r.scope, r]));
  return new Set(
    candidates.filter((o) => {
      const l = last.get(o.scope);
      const age = o.evaluatedAt - Number(l?.written_at);
      return l !== undefined && l.digest === digests.get(o) && age >= 0 && age < LAST_SEEN_STEP_MS;
    }),
  );
}

/** Reads the scopes' open placements and plans closing, updating and opening them, with their changes. */
async function planPlacements(tx: SqlConn, list: readonly Observation[], tally: Map<Observation, Tally>, phases: WritePhases): Promise<void> {
  const scopes = scopeCondition(tx, "p.scope", list);
  const ownerOf = owners(list);
  const open = new Map<Observation, Map<string, OpenPlacement>>(list.map((o) => [o, new Map()]));
  for (const p of await tx.all<OpenPlacement>(`SELECT ${PLACEMENT_ROW_COLUMNS}, c.is_ca FROM placements p${indexedBy(tx, "placements_open")} LEFT JOIN certificates c ON c.fingerprint = p.fingerprint WHERE p.to_at IS NULL AND ${scopes.sql}`, scopes.params, P)) {
    const owner = ownerOf(p.scope);
    if (owner) open.get(owner)!.set(scopedKey(p.scope, p.ref), p);
  }
  const inserts: Value[][] = [];
  const changes: Value[][] = [];
  const close: Value[][] = [];
  const updates: Value[][] = [];
  for (const obs of list) {
    const t = tally.get(obs)!;
    const at = obs.evaluatedAt;
    const isCA = new Map(obs.certificates.map((c) => [c.fingerprint, c.isCA]));
    const change = (kind: string, ref: string, oldFp: string | null, p: ObservedPlacement | undefined, old: OpenPlacement | undefined, ca: boolean) => {
      const s = p?.source ?? obs.source;
      changes.push([at, p?.scope ?? old?.scope ?? obs.scope, ref, kind, oldFp, p?.fingerprint ?? null, bool(ca), s.kind, s.name, p?.actor ? JSON.stringify(p.actor) : null, orNull(p?.resourceVersion), orNull(p?.node) ?? old?.node ?? null, orNull(p?.namespace ?? refNamespace(ref)) ?? old?.namespace ?? null]);
      t.changes++;
    };
    const seen = new Map<string, ObservedPlacement>();
    for (const p of obs.placements) {
      const key = scopedKey(p.scope ?? obs.scope, p.ref);
      if (!seen.has(key)) seen.set(key, p);
    }
    const held = open.get(obs)!;
    for (const [key, p] of seen) {
      const old = held.get(key);
      const values = placementValues(p);
      const row: Value[] = [p.scope ?? obs.scope, p.ref, p.fingerprint, ...values, p.source.kind, p.source.name, at];
      const newCa = isCA.get(p.fingerprint) === true || p.anchor;
      if (old === undefined) {
        inserts.push(row);
        t.opened++;
        change("appeared", p.ref, null, p, undefined, newCa);
      } else if (old.fingerprint !== p.fingerprint) {
        close.push([old.id, at]);
        t.closed++;
        inserts.push(row);
        t.opened++;
        change("changed", p.ref, old.fingerprint, p, old, newCa || isTrue(old.is_ca) || isTrue(old.anchor));
      } else if (!isSamePlacement(old, values)) {
        updates.push([...values, old.id]);
      }
    }
    for (const [key, old] of held) {
      if (seen.has(key) || obs.isPreserved?.(old.ref)) continue;
      close.push([old.id, at]);
      t.closed++;
      change("removed", old.ref, old.fingerprint, undefined, old, isTrue(old.is_ca) || isTrue(old.anchor));
    }
  }
  // closed in the first phase, opened in the second: the unique index allows one open placement per (scope, ref)
  if (close.length > 0) phases.first.push(updateFrom(tx, "placements", "id", ID_AT, close, { to_at: "at" }));
  if (updates.length > 0) phases.first.push(updateFrom(tx, "placements", "id", PLACEMENT_UPDATE_COLUMNS, updates));
  pushInsert(tx, phases.second, "placements", PLACEMENT_COLUMNS, inserts);
  pushInsert(tx, phases.second, "changes", CHANGE_COLUMNS, changes);
}

/**
 * `UPDATE table SET column = v.column … FROM rows v WHERE table.key = v.id` for every column but `id`
 * (`rename` maps a table column to a differently named one of the rows).
 */
function updateFrom(tx: SqlConn, table: string, key: string, columns: readonly Column[], rows: Value[][], rename?: Record<string, string>): SqlPart {
  const v = rowsTable(tx.dialect, columns, rows);
  const sets = rename ? Object.entries(rename).map(([col, from]) => `${col} = v.${from}`) : columns.filter(([name]) => name !== "id").map(([name]) => `${name} = v.${name}`);
  return { sql: `UPDATE ${table} SET ${sets.join(", ")} FROM ${v.sql} WHERE ${table}.${key} = v.id`, params: v.params };
}

function pushInsert(tx: SqlConn, phase: SqlPart[], table: string, columns: readonly Column[], rows: Value[][]): void {
  if (rows.length > 0) phase.push(insertRows(tx.dialect, table, columns, rows));
}

/** Reads the scopes' open findings and plans updating, opening and resolving them. */
async function planFindings(tx: SqlConn, list: readonly Observation[], tally: Map<Observation, Tally>, phases: WritePhases): Promise<void> {
  const scopes = scopeCondition(tx, "scope", list);
  const ownerOf = owners(list);
  const open = new Map<string, OpenFinding>();
  for (const f of await tx.all<OpenFinding>(`SELECT row_id, scope, id, severity, title, detail, remediation, impact_at, locations FROM findings${indexedBy(tx, "findings_open")} WHERE resolved_at IS NULL AND ${scopes.sql}`, scopes.params, P)) open.set(scopedKey(f.scope, f.id), f);
  const fresh: Array<{ obs: Observation; f: ObservedFinding; scope: string }> = [];
  const resolve: Value[][] = [];
  const updates: Value[][] = [];
  const seen = new Map<string, ObservedFinding>();
  for (const obs of list) {
    for (const f of obs.findings) {
      const key = scopedKey(f.scope ?? obs.scope, f.id);
      if (seen.has(key)) continue;
      seen.set(key, f);
      const old = open.get(key);
      if (old === undefined) {
        fresh.push({ obs, f, scope: f.scope ?? obs.scope });
        tally.get(obs)!.findingsOpened++;
        continue;
      }
      const impact = f.impactAt ?? null;
      if (old.severity !== f.severity || old.title !== f.title || old.detail !== f.detail || old.remediation !== f.remediation || (old.impact_at === null ? null : Number(old.impact_at)) !== impact) {
        updates.push([f.severity, -severityRank[f.severity], f.title, f.detail, f.remediation, impact, old.row_id]);
      }
    }
  }
  for (const [key, old] of open) {
    const obs = ownerOf(old.scope);
    if (obs === undefined || seen.has(key)) continue;
    // a finding about places whose source failed this time is unknown, not resolved
    const locations = JSON.parse(old.locations) as string[];
    if (obs.isPreserved && locations.length > 0 && locations.every((l) => obs.isPreserved!(l))) continue;
    resolve.push([old.row_id, obs.evaluatedAt]);
    tally.get(obs)!.findingsResolved++;
  }
  if (updates.length > 0) phases.first.push(updateFrom(tx, "findings", "row_id", FINDING_UPDATE_COLUMNS, updates));
  if (resolve.length > 0) phases.first.push(updateFrom(tx, "findings", "row_id", ID_AT, resolve, { resolved_at: "at" }));
  if (fresh.length === 0) return;
  pushInsert(
    tx,
    phases.first,
    "findings",
    FINDING_COLUMNS,
    fresh.map(({ obs, f, scope }) => [scope, f.id, f.rule, f.severity, -severityRank[f.severity], f.title, f.detail, f.remediation, JSON.stringify(f.certificates), JSON.stringify(f.locations), orNull(f.node), orNull(f.namespace ?? firstNamespace(f.locations)), f.impactAt ?? null, obs.evaluatedAt]),
  );
  // the new findings' row ids are known once the first phase stored them: found by their open (scope, id)
  const certs: Value[][] = [];
  for (const { f, scope } of fresh) for (const fp of new Set(f.certificates)) certs.push([scope, f.id, fp]);
  if (certs.length === 0) return;
  const v = rowsTable(tx.dialect, [["scope", "text"], ["id", "text"], ["fingerprint", "text"]], certs);
  phases.second.push({ sql: `INSERT INTO finding_certs (finding_row, fingerprint) SELECT f.row_id, v.fingerprint FROM ${v.sql} JOIN findings f${indexedBy(tx, "findings_open")} ON f.scope = v.scope AND f.id = v.id AND f.resolved_at IS NULL`, params: v.params });
}

/**
 * The scan rows (after `second`, in the same round trip), then their source errors, the generation and
 * the caller's `afterScans` together; returns each scope's scan id.
 */
async function writeScans(tx: SqlConn, list: readonly Observation[], tally: Map<Observation, Tally>, second: SqlPart[], afterScans: AfterScans | undefined): Promise<Map<string, number>> {
  const insert = insertRows(
    tx.dialect,
    "scans",
    SCAN_COLUMNS,
    list.map((o) => [o.scope, o.source.kind, o.source.name, o.startedAt, o.evaluatedAt, Math.max(0, Math.round(o.durationMs)), o.certificates.length, o.findings.length, o.issues.length, tally.get(o)!.changes]),
    "RETURNING id, scope",
  );
  const ids = new Map((await tx.together<{ id: number; scope: string }>([...second, insert], P)).map((r) => [r.scope, Number(r.id)]));
  const issues: Value[][] = [];
  for (const o of list) for (const i of o.issues.slice(0, MAX_ISSUES_PER_SCAN)) issues.push([ids.get(o.scope)!, i.code, i.ref, i.message.slice(0, 4096)]);
  const last = list.reduce((a, b) => (ids.get(b.scope)! > ids.get(a.scope)! ? b : a));
  const rest: SqlPart[] = [];
  pushInsert(tx, rest, "scan_issues", [["scan_id", "int"], ["code", "text"], ["ref", "text"], ["message", "text"]], issues);
  rest.push({ sql: "UPDATE store_state SET generation = generation + 1, last_scan_id = ?, last_scan_at = ? WHERE id = 1", params: [ids.get(last.scope)!, last.evaluatedAt] satisfies Param[] });
  rest.push(...(afterScans?.(ids) ?? []));
  await tx.together(rest, P);
  return ids;
}

function firstNamespace(refs: string[]): string | undefined {
  for (const r of refs) {
    const ns = refNamespace(r);
    if (ns !== undefined) return ns;
  }
  return undefined;
}
