/**
 * The open placements of a group of scopes (the agents' `agent:<node>` scopes) with their certificates'
 * public facts, for /metrics; and a marker that changes whenever they may have: a digest of those scopes'
 * observation digests (scope_digests, which every written report updates, and which covers placements'
 * role and backup too, not only their certificates), so a reader re-reads only after a report said
 * something new.
 */
import { createHash } from "node:crypto";
import type { StoredPlacement } from "../types.js";
import { isTrue, type SqlConn } from "./db.js";

export async function readPlacementsMarker(db: SqlConn, scopePrefix: string): Promise<string> {
  const rows = await db.all<{ scope: string; digest: string }>("SELECT scope, digest FROM scope_digests WHERE substr(scope, 1, ?) = ? ORDER BY scope", [scopePrefix.length, scopePrefix]);
  const h = createHash("sha256");
  for (const r of rows) h.update(`${r.scope}\0${r.digest}\n`);
  return `${rows.length}:${h.digest("base64url")}`;
}

export async function readCurrentPlacements(db: SqlConn, scopePrefix: string): Promise<StoredPlacement[]> {
  const rows = await db.all(
    `SELECT p.scope, p.ref, p.node, p.role, p.backup, c.fingerprint, c.serial_number, c.subject, c.issuer, c.not_before, c.not_after, c.is_ca
     FROM placements p JOIN certificates c ON c.fingerprint = p.fingerprint
     WHERE p.to_at IS NULL AND substr(p.scope, 1, ?) = ? ORDER BY p.scope, p.ref`,
    [scopePrefix.length, scopePrefix],
  );
  return rows.map((r) => ({
    scope: String(r.scope),
    ref: String(r.ref),
    node: r.node === null || r.node === undefined ? null : String(r.node),
    role: r.role === null || r.role === undefined ? null : String(r.role),
    backup: isTrue(r.backup),
    fingerprint: String(r.fingerprint),
    serialNumber: String(r.serial_number),
    subject: String(r.subject),
    issuer: String(r.issuer),
    notBefore: Number(r.not_before),
    notAfter: Number(r.not_after),
    isCA: isTrue(r.is_ca),
  }));
}
