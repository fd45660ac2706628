/**
 * Certificates and their issuer edges for a batch of observations: one existence query, then (to run
 * together with the batch's other first-phase writes, write.ts) one insert of the new ones, a last-seen
 * update only for those whose last sighting moved by a step, and the issuer edges not yet known. A
 * certificate's issuer may only become known (and verifiable) in a later scan.
 */
import type { Observation, ObservedCert } from "../types.js";
import { inList, insertRows, rowsTable, type Column, type SqlPart } from "./bulk.js";
import { bool, type SqlConn } from "./db.js";

const P = { prepare: true };

/**
 * A certificate's last-seen time moves in steps of this much: a fleet re-reporting the same certificates
 * every few minutes would otherwise rewrite every certificate row on every report.
 */
export const LAST_SEEN_STEP_MS = 3_600_000;

const CERT_COLUMNS: readonly Column[] = [
  ["fingerprint", "text"], ["subject", "text"], ["issuer", "text"], ["serial_number", "text"], ["not_before", "int"], ["not_after", "int"],
  ["is_ca", "int"], ["key_type", "text"], ["key_size", "int"], ["signature_algorithm", "text"], ["subject_key_id", "text"], ["authority_key_id", "text"],
  ["spki_fingerprint", "text"], ["dns_names", "text"], ["ip_addresses", "text"], ["first_seen", "int"], ["last_seen", "int"],
];

const orNull = (v: string | undefined): string | null => (v === undefined || v === "" ? null : v);

/**
 * Plans recording the certificates of `list` into `writes` (independent statements); returns how many
 * each observation adds (a shared new one counts for the first).
 */
export async function upsertCertificates(tx: SqlConn, list: readonly Observation[], writes: SqlPart[]): Promise<Map<Observation, number>> {
  const latest = new Map<string, { cert: ObservedCert; at: number; firstAt: number; first: Observation }>();
  for (const obs of list) {
    for (const cert of obs.certificates) {
      const seen = latest.get(cert.fingerprint);
      if (seen === undefined) latest.set(cert.fingerprint, { cert, at: obs.evaluatedAt, firstAt: obs.evaluatedAt, first: obs });
      else {
        seen.at = Math.max(seen.at, obs.evaluatedAt);
        seen.firstAt = Math.min(seen.firstAt, obs.evaluatedAt);
      }
    }
  }
  const added = new Map(list.map((o) => [o, 0]));
  if (latest.size === 0) return added;
  const fps = inList(tx.dialect, "text", [...latest.keys()]);
  const existing = new Map((await tx.all<{ fingerprint: string; last_seen: number }>(`SELECT fingerprint, last_seen FROM certificates WHERE fingerprint ${fps.sql}`, fps.params, P)).map((r) => [r.fingerprint, Number(r.last_seen)]));
  const fresh = [...latest.values()].filter((e) => !existing.has(e.cert.fingerprint));
  if (fresh.length > 0) {
    const rows = fresh.map(({ cert: c, at, firstAt }) => [c.fingerprint, c.subject, c.issuer, c.serialNumber, c.notBefore, c.notAfter, bool(c.isCA), c.keyType, c.keySize, c.signatureAlgorithm, orNull(c.subjectKeyId), orNull(c.authorityKeyId), orNull(c.spkiFingerprint), JSON.stringify(c.dnsNames), JSON.stringify(c.ipAddresses), firstAt, at]);
    // another replica may be storing the same new certificate (a CA reaching every node) right now
    writes.push(insertRows(tx.dialect, "certificates", CERT_COLUMNS, rows, "ON CONFLICT (fingerprint) DO NOTHING"));
    for (const e of fresh) added.set(e.first, added.get(e.first)! + 1);
  }
  // in fingerprint order: concurrent writers lock shared rows (a CA on every node) in the same order
  const moved = [...latest.values()].filter((e) => e.at - (existing.get(e.cert.fingerprint) ?? Infinity) >= LAST_SEEN_STEP_MS).sort((a, b) => (a.cert.fingerprint < b.cert.fingerprint ? -1 : 1));
  if (moved.length > 0) {
    const v = rowsTable(tx.dialect, [["fp", "text"], ["at", "int"]], moved.map((e) => [e.cert.fingerprint, e.at]));
    writes.push({ sql: `UPDATE certificates SET last_seen = v.at FROM ${v.sql} WHERE certificates.fingerprint = v.fp AND certificates.last_seen < v.at`, params: v.params });
  }
  const edges = issuerEdges([...latest.values()].map((e) => e.cert));
  if (edges.length > 0) writes.push(insertRows(tx.dialect, "cert_issuers", [["fingerprint", "text"], ["issuer", "text"]], edges, "ON CONFLICT DO NOTHING"));
  return added;
}

/** Issuer edges (a stored one is skipped by the insert without a write, so a rescan writes none). */
function issuerEdges(certs: readonly ObservedCert[]): [string, string][] {
  const edges = new Map<string, [string, string]>();
  for (const c of certs) for (const i of c.issuers) if (i !== c.fingerprint) edges.set(`${c.fingerprint}/${i}`, [c.fingerprint, i]);
  return [...edges.values()];
}
