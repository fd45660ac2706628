/** Certificates for the API: the filtered, sorted page and one certificate's full detail. */
import { refParts } from "../ref-parts.js";
import type { ApiCertificate, ApiCertificateDetail, CertFilter, CertRef, Page } from "../types.js";
import { inChunks, iso, isoOrNull, isTrue, jsonList, strOrNull, type Row, type SqlConn } from "./db.js";
import { FINDING_COLUMNS, toApiFindings } from "./read-findings.js";
import { readTimeline } from "./read-timeline.js";
import { PLACEMENT_ROW_COLUMNS, type PlacementRow } from "./rows.js";
import { afterCursor, cursorAfter, keyColumns, orderBy, type KeysetOrder, type SortKey } from "./keyset.js";
import { containsPattern, Where } from "./where.js";

const OPEN = "p.to_at IS NULL";
const CERT_COLUMNS = "c.fingerprint, c.subject, c.issuer, c.serial_number, c.not_before, c.not_after, c.is_ca, c.key_type, c.key_size, c.signature_algorithm, c.subject_key_id, c.authority_key_id, c.dns_names, c.ip_addresses, c.first_seen, c.last_seen";
const DETAIL_LIMIT = 200;

function placementAttr(column: string): string {
  return `(SELECT MIN(p.${column}) FROM placements p WHERE p.fingerprint = c.fingerprint AND ${OPEN})`;
}

const SORT_KEY: Record<CertFilter["sort"], Omit<SortKey, "desc">> = {
  notAfter: { expr: "c.not_after", type: "int" },
  subject: { expr: "c.subject", type: "text" },
  role: { expr: placementAttr("role"), type: "text", nullable: true },
  node: { expr: placementAttr("node"), type: "text", nullable: true },
  namespace: { expr: placementAttr("namespace"), type: "text", nullable: true },
};

/** The sort asked for, then the fingerprint (unique) in the same direction. */
function certificateOrder(f: CertFilter): KeysetOrder {
  const desc = f.order === "desc";
  return { name: `certificates:${f.sort}:${desc ? "desc" : "asc"}`, keys: [{ ...SORT_KEY[f.sort], desc }, { expr: "c.fingerprint", type: "text", desc }] };
}

export async function readCertificates(db: SqlConn, f: CertFilter): Promise<Page<ApiCertificate>> {
  const w = new Where();
  const scope = f.current ? ` AND ${OPEN}` : "";
  if (f.current) w.add(`EXISTS (SELECT 1 FROM placements p WHERE p.fingerprint = c.fingerprint AND ${OPEN})`);
  for (const col of ["node", "namespace", "role"] as const) {
    const v = f[col];
    if (v !== undefined) w.add(`EXISTS (SELECT 1 FROM placements p WHERE p.fingerprint = c.fingerprint AND p.${col} = ?${scope})`, v);
  }
  if (f.ca !== undefined) w.add("c.is_ca = ?", f.ca ? 1 : 0);
  if (f.q !== undefined) w.add("(lower(c.subject) LIKE ? ESCAPE '\\' OR lower(c.issuer) LIKE ? ESCAPE '\\')", containsPattern(f.q), containsPattern(f.q));
  if (f.expiresBefore !== undefined) w.add("c.not_after < ?", f.expiresBefore);
  const [count] = await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM certificates c ${w}`, w.params);
  const total = Number(count?.n ?? 0);
  const order = certificateOrder(f);
  const page = w.copy();
  const after = afterCursor(order, f.cursor);
  if (after) page.add(after.sql, ...after.params);
  const read = await db.all(`SELECT ${CERT_COLUMNS}, ${keyColumns(order)} FROM certificates c ${page} ORDER BY ${orderBy(order)} LIMIT ?`, [...page.params, f.limit + 1]);
  const rows = read.slice(0, f.limit);
  return { items: await hydrate(db, rows), next: cursorAfter(order, rows[rows.length - 1], read.length > f.limit), total };
}

function certRef(r: Row): CertRef {
  return { fingerprint: String(r.fingerprint), subject: String(r.subject), isCA: isTrue(r.is_ca), notAfter: iso(r.not_after) };
}

async function hydrate(db: SqlConn, rows: Row[]): Promise<ApiCertificate[]> {
  const fps = rows.map((r) => String(r.fingerprint));
  const placements = await inChunks(fps, (m, chunk) => db.all<PlacementRow>(`SELECT ${PLACEMENT_ROW_COLUMNS} FROM placements p WHERE ${OPEN} AND p.fingerprint IN (${m}) ORDER BY p.ref, p.scope`, chunk));
  const issuers = await inChunks(fps, (m, chunk) =>
    db.all(
      `SELECT ci.fingerprint AS child, c.fingerprint, c.subject, c.is_ca, c.not_after,
         (SELECT MAX(p.key_present) FROM placements p WHERE p.fingerprint = c.fingerprint AND ${OPEN}) AS key_present
       FROM cert_issuers ci JOIN certificates c ON c.fingerprint = ci.issuer WHERE ci.fingerprint IN (${m}) ORDER BY c.not_after DESC`,
      chunk,
    ),
  );
  const byFp = groupBy(placements, (p) => p.fingerprint);
  const issuersOf = groupBy(issuers, (r) => String(r.child));
  return rows.map((r) => {
    const fp = String(r.fingerprint);
    const here = byFp.get(fp) ?? [];
    const first = here[0];
    const its = issuersOf.get(fp) ?? [];
    return {
      fingerprint: fp,
      subject: String(r.subject),
      issuer: String(r.issuer),
      serialNumber: String(r.serial_number),
      notBefore: iso(r.not_before),
      notAfter: iso(r.not_after),
      isCA: isTrue(r.is_ca),
      keyType: String(r.key_type),
      keySize: Number(r.key_size),
      signatureAlgorithm: String(r.signature_algorithm),
      subjectKeyId: strOrNull(r.subject_key_id),
      authorityKeyId: strOrNull(r.authority_key_id),
      dnsNames: jsonList(r.dns_names),
      ipAddresses: jsonList(r.ip_addresses),
      role: first?.role ?? null,
      node: first?.node ?? null,
      namespace: first?.namespace ?? null,
      backup: here.length > 0 && here.every((p) => isTrue(p.backup)),
      issuers: its.map(certRef),
      caKeyPresent: its.length === 0 ? null : its.some((i) => isTrue(i.key_present)),
      keyPresent: here.some((p) => isTrue(p.key_present)),
      firstSeen: iso(r.first_seen),
      lastSeen: iso(r.last_seen),
      current: here.length > 0,
      locations: here.map((p) => refParts(p.ref, p.node)),
    };
  });
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

export async function readCertificate(db: SqlConn, fingerprint: string): Promise<ApiCertificateDetail | undefined> {
  const rows = await db.all(`SELECT ${CERT_COLUMNS} FROM certificates c WHERE c.fingerprint = ?`, [fingerprint]);
  if (rows.length === 0) return undefined;
  const [base] = await hydrate(db, rows);
  const placements = await db.all<PlacementRow>(`SELECT ${PLACEMENT_ROW_COLUMNS} FROM placements p WHERE p.fingerprint = ? ORDER BY p.from_at DESC, p.ref LIMIT ?`, [fingerprint, DETAIL_LIMIT]);
  const [signedCount] = await db.all<{ n: number }>("SELECT COUNT(*) AS n FROM cert_issuers WHERE issuer = ?", [fingerprint]);
  const signed = await db.all("SELECT c.fingerprint, c.subject, c.is_ca, c.not_after FROM cert_issuers ci JOIN certificates c ON c.fingerprint = ci.fingerprint WHERE ci.issuer = ? ORDER BY c.not_after, c.fingerprint LIMIT ?", [fingerprint, DETAIL_LIMIT]);
  const trustedBy = await db.all<{ context: string; scope: string; members: number }>(
    `SELECT a.context, a.scope, (SELECT COUNT(*) FROM placements m WHERE m.context = a.context AND m.scope = a.scope AND m.to_at IS NULL) AS members
     FROM placements a WHERE a.fingerprint = ? AND a.anchor = 1 AND a.to_at IS NULL AND a.context IS NOT NULL GROUP BY a.context, a.scope ORDER BY a.context, a.scope`,
    [fingerprint],
  );
  const findings = await db.all(`SELECT ${FINDING_COLUMNS} FROM findings f JOIN finding_certs fc ON fc.finding_row = f.row_id WHERE fc.fingerprint = ? ORDER BY (f.resolved_at IS NOT NULL), f.severity_rank, f.opened_at DESC LIMIT ?`, [fingerprint, DETAIL_LIMIT]);
  const changes = await readTimeline(db, { fingerprint, limit: DETAIL_LIMIT });
  return {
    ...base!,
    placements: placements.map((p) => ({
      location: refParts(p.ref, p.node),
      scope: p.scope,
      role: p.role,
      context: p.context,
      caIdentity: p.ca_identity,
      anchor: isTrue(p.anchor),
      backup: isTrue(p.backup),
      from: iso(p.from_at),
      to: isoOrNull(p.to_at),
    })),
    chain: await chainOf(db, fingerprint),
    signed: { total: Number(signedCount?.n ?? 0), items: signed.map(certRef) },
    trustedBy: trustedBy.map((t) => ({ context: t.context, scope: t.scope, members: Number(t.members) })),
    findings: await toApiFindings(db, findings),
    changes: changes.items,
  };
}

/** Upwards from the certificate's issuer to a root: at each step the issuer still placed somewhere, newest first. */
async function chainOf(db: SqlConn, fingerprint: string): Promise<CertRef[]> {
  const chain: CertRef[] = [];
  const seen = new Set([fingerprint]);
  let at = fingerprint;
  for (let depth = 0; depth < 16; depth++) {
    const [next] = await db.all(
      `SELECT c.fingerprint, c.subject, c.is_ca, c.not_after FROM cert_issuers ci JOIN certificates c ON c.fingerprint = ci.issuer WHERE ci.fingerprint = ?
       ORDER BY (EXISTS (SELECT 1 FROM placements p WHERE p.fingerprint = c.fingerprint AND ${OPEN})) DESC, c.not_after DESC LIMIT 1`,
      [at],
    );
    if (next === undefined || seen.has(String(next.fingerprint))) break;
    chain.push(certRef(next));
    seen.add(String(next.fingerprint));
    at = String(next.fingerprint);
  }
  return chain;
}
