/**
 * Versioned schema migrations, one list for both backends: `{id}` becomes each dialect's
 * auto-increment key and `{int}` its 64-bit integer. A migration runs in one transaction together with
 * its row in `schema_migrations`; a database newer than this binary is refused (ERR_STORE_SCHEMA)
 * rather than written with a schema it does not know.
 *
 * What is stored is public: certificate fields by fingerprint, placements (which certificate was at
 * which location ref, from when to when), changes, findings, scans and agents. No column holds key
 * bytes or Secret payloads.
 */
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { SqlDb } from "./db.js";

interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "history",
    statements: [
      `CREATE TABLE store_state (id INTEGER PRIMARY KEY, generation {int} NOT NULL, last_scan_id {int}, last_scan_at {int})`,
      `INSERT INTO store_state (id, generation) VALUES (1, 0)`,
      `CREATE TABLE certificates (
        fingerprint TEXT PRIMARY KEY, subject TEXT NOT NULL, issuer TEXT NOT NULL, serial_number TEXT NOT NULL,
        not_before {int} NOT NULL, not_after {int} NOT NULL, is_ca INTEGER NOT NULL, key_type TEXT NOT NULL,
        key_size INTEGER NOT NULL, signature_algorithm TEXT NOT NULL, subject_key_id TEXT, authority_key_id TEXT,
        spki_fingerprint TEXT, dns_names TEXT NOT NULL, ip_addresses TEXT NOT NULL,
        first_seen {int} NOT NULL, last_seen {int} NOT NULL)`,
      `CREATE INDEX certificates_not_after ON certificates (not_after)`,
      `CREATE INDEX certificates_last_seen ON certificates (last_seen)`,
      `CREATE TABLE cert_issuers (fingerprint TEXT NOT NULL, issuer TEXT NOT NULL, PRIMARY KEY (fingerprint, issuer))`,
      `CREATE INDEX cert_issuers_issuer ON cert_issuers (issuer)`,
      `CREATE TABLE placements (
        id {id}, scope TEXT NOT NULL, ref TEXT NOT NULL, fingerprint TEXT NOT NULL, node TEXT, namespace TEXT,
        role TEXT, context TEXT, ca_identity TEXT, anchor INTEGER NOT NULL, backup INTEGER NOT NULL,
        key_present INTEGER NOT NULL, resource_version TEXT, actor TEXT, source_kind TEXT NOT NULL,
        source_name TEXT NOT NULL, from_at {int} NOT NULL, to_at {int})`,
      `CREATE UNIQUE INDEX placements_open ON placements (scope, ref) WHERE to_at IS NULL`,
      `CREATE INDEX placements_fingerprint ON placements (fingerprint)`,
      `CREATE INDEX placements_to_at ON placements (to_at)`,
      `CREATE INDEX placements_context ON placements (context)`,
      `CREATE TABLE changes (
        id {id}, at {int} NOT NULL, scope TEXT NOT NULL, ref TEXT NOT NULL, kind TEXT NOT NULL,
        old_fingerprint TEXT, new_fingerprint TEXT, ca INTEGER NOT NULL, source_kind TEXT NOT NULL,
        source_name TEXT NOT NULL, actor TEXT, resource_version TEXT, node TEXT, namespace TEXT)`,
      `CREATE INDEX changes_at ON changes (at)`,
      `CREATE INDEX changes_ref ON changes (ref, at)`,
      `CREATE INDEX changes_old ON changes (old_fingerprint)`,
      `CREATE INDEX changes_new ON changes (new_fingerprint)`,
      `CREATE TABLE findings (
        row_id {id}, scope TEXT NOT NULL, id TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL,
        severity_rank INTEGER NOT NULL, title TEXT NOT NULL, detail TEXT NOT NULL, remediation TEXT NOT NULL,
        certificates TEXT NOT NULL, locations TEXT NOT NULL, node TEXT, namespace TEXT, impact_at {int},
        opened_at {int} NOT NULL, resolved_at {int})`,
      `CREATE UNIQUE INDEX findings_open ON findings (scope, id) WHERE resolved_at IS NULL`,
      `CREATE INDEX findings_order ON findings (severity_rank, impact_at)`,
      `CREATE INDEX findings_resolved ON findings (resolved_at)`,
      `CREATE TABLE finding_certs (finding_row {int} NOT NULL, fingerprint TEXT NOT NULL, PRIMARY KEY (finding_row, fingerprint))`,
      `CREATE INDEX finding_certs_fingerprint ON finding_certs (fingerprint)`,
      `CREATE TABLE scans (
        id {id}, scope TEXT NOT NULL, source_kind TEXT NOT NULL, source_name TEXT NOT NULL,
        started_at {int} NOT NULL, evaluated_at {int} NOT NULL, duration_ms {int} NOT NULL,
        certificates INTEGER NOT NULL, findings INTEGER NOT NULL, issues INTEGER NOT NULL, changes INTEGER NOT NULL)`,
      `CREATE INDEX scans_started ON scans (started_at)`,
      `CREATE TABLE scan_issues (scan_id {int} NOT NULL, code TEXT NOT NULL, ref TEXT NOT NULL, message TEXT NOT NULL)`,
      `CREATE INDEX scan_issues_scan ON scan_issues (scan_id)`,
      `CREATE TABLE agents (
        agent_id TEXT PRIMARY KEY, node TEXT NOT NULL, agent_version TEXT NOT NULL, last_report_at {int} NOT NULL,
        last_sequence {int} NOT NULL, scanned_at {int} NOT NULL, dropped {int} NOT NULL)`,
      `CREATE TABLE agent_reports (agent_id TEXT NOT NULL, sequence {int} NOT NULL, received_at {int} NOT NULL, scan_id {int}, PRIMARY KEY (agent_id, sequence))`,
      `CREATE INDEX agent_reports_received ON agent_reports (received_at)`,
    ],
  },
  {
    version: 2,
    name: "timeline-indexes",
    statements: [
      // location-prefix queries are a range over the ref's bytes (see read-timeline.ts)
      `CREATE INDEX changes_ref_bytes ON changes (ref{bytes}, at)`,
      `CREATE INDEX changes_node ON changes (node, at)`,
    ],
  },
  {
    version: 3,
    name: "leaner-write-indexes",
    statements: [
      // ref queries use changes_ref_bytes (on SQLite the very same index; on PostgreSQL the C collation)
      `DROP INDEX changes_ref`,
      // retention looks only at closed placements and resolved findings; open ones need no entry here
      `DROP INDEX placements_to_at`,
      `CREATE INDEX placements_closed ON placements (to_at) WHERE to_at IS NOT NULL`,
      `DROP INDEX findings_resolved`,
      `CREATE INDEX findings_resolved ON findings (resolved_at) WHERE resolved_at IS NOT NULL`,
    ],
  },
  {
    version: 4,
    name: "scope-digests",
    statements: [
      // each scope's last fully written observation (observation-digest.ts): unchanged reports skip the row-by-row diff
      `CREATE TABLE scope_digests (scope TEXT PRIMARY KEY, digest TEXT NOT NULL, written_at {int} NOT NULL)`,
    ],
  },
  {
    version: 5,
    name: "heal-events",
    statements: [
      // what node agents' --heal repairs did or refused (store/heal-events.ts): one row per agent and event,
      // however often a report carrying it is re-sent; checks, changes and verification as JSON text
      `CREATE TABLE heal_events (
        id {id}, agent_id TEXT NOT NULL, event_id TEXT NOT NULL, node TEXT NOT NULL, action_id TEXT,
        repair TEXT NOT NULL, target_ref TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, dry_run INTEGER NOT NULL,
        found_rule TEXT NOT NULL, found_ref TEXT NOT NULL, found_detail TEXT NOT NULL, checks TEXT NOT NULL,
        changes TEXT NOT NULL, old_fingerprint TEXT, new_fingerprint TEXT, backup TEXT, verification TEXT,
        restart TEXT, message TEXT NOT NULL, at {int} NOT NULL, last_seen_at {int} NOT NULL, sequence {int} NOT NULL,
        UNIQUE (agent_id, event_id))`,
      `CREATE INDEX heal_events_at ON heal_events (at, id)`,
      `CREATE INDEX heal_events_node ON heal_events (node, at)`,
      `CREATE INDEX heal_events_target ON heal_events (target_ref{bytes}, at)`,
      `CREATE INDEX heal_events_seen ON heal_events (last_seen_at)`,
    ],
  },
];

export const schemaVersion = migrations[migrations.length - 1]!.version;

function ddl(db: SqlDb, sql: string): string {
  const id = db.dialect === "sqlite" ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY";
  const int = db.dialect === "sqlite" ? "INTEGER" : "BIGINT";
  // bytewise order, so a prefix is one index range: SQLite's default BINARY, PostgreSQL's "C" collation
  const bytes = db.dialect === "sqlite" ? "" : ' COLLATE "C"';
  return sql.replaceAll("{id}", id).replaceAll("{int}", int).replaceAll("{bytes}", bytes);
}

/** Brings the schema up to date; returns the versions applied. */
export async function migrate(db: SqlDb): Promise<number[]> {
  await db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${db.dialect === "sqlite" ? "INTEGER" : "BIGINT"} NOT NULL)`);
  const applied: number[] = [];
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      // re-read inside the transaction: another replica may have migrated meanwhile
      if (db.dialect === "postgres") await tx.run("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
      const rows = await tx.all<{ version: number }>("SELECT version FROM schema_migrations");
      const have = rows.map((r) => Number(r.version));
      const newest = Math.max(0, ...have);
      if (newest > schemaVersion) throw new CertdoctorError(ErrorCode.ERR_STORE_SCHEMA, `the database has schema version ${newest}, newer than this certdoctor knows (${schemaVersion}); upgrade certdoctor`);
      if (have.includes(m.version)) return false;
      for (const s of m.statements) await tx.run(ddl(db, s));
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, Date.now()]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
