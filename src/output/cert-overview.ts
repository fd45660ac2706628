/**
 * The expiry overview: one row per certificate in use, soonest expiry first — what
 * `kubeadm certs check-expiration` prints for one control-plane node, for everything a scan found.
 * Pure data; the table, CSV, Markdown and HTML renderers format it.
 */
import type { ScanResult } from "../engine/types.js";
import { showUtf8 } from "./display-text.js";
import { Inventory } from "../inventory/inventory.js";
import { severityRank, type Severity } from "../model/finding.js";
import { spkiFingerprintsOf } from "../model/cert.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import { isOsTrustStoreRoot, primaryLocation } from "../rules/support/describe.js";
import { parseRef } from "../model/ref.js";

/** Whether the private key of the CA that signed a certificate was found in the scan. */
export type CaKeyState = "present" | "absent" | "unknown";

export interface OverviewRow {
  fingerprint: string;
  /** The role title where a layout knows it ("kubeadm API server serving certificate"), else the subject. */
  certificate: string;
  subject: string;
  /** Node (path prefix of a known layout) or namespace (Kubernetes objects) of the primary location. */
  node?: string;
  namespace?: string;
  /** The primary location's ref. */
  location: string;
  /** Every location (live ones, or all of them for a backup-only row). */
  locations: string[];
  notBefore: number;
  notAfter: number;
  /** notAfter - now: negative once expired. */
  residualMs: number;
  /** Subject of the issuing CA ("self-signed" for a root). */
  authority: string;
  /**
   * present: the issuing CA's private key is in the scan (renewable here); absent: the CA certificate is
   * here but its key is not (kubeadm's "externally managed"); unknown: the issuing CA was not found.
   */
  caKey: CaKeyState;
  isCA: boolean;
  backup: boolean;
  osTrustStore: boolean;
  /** Rule ids of findings about this certificate, and the worst of their severities. */
  rules: string[];
  worst?: Severity;
}

export interface OverviewFilter {
  /** Only rows expiring within this many ms of now (already expired included). */
  expiringWithinMs?: number;
  node?: string;
  namespaces?: readonly string[];
  rule?: string;
  /** Only rows with a finding at or above this severity. */
  severity?: Severity;
  /** Include backups and operating-system trust-store roots (hidden by default). */
  all?: boolean;
}

export function buildOverview(result: ScanResult, filter: OverviewFilter = {}): OverviewRow[] {
  const inv = result.inventory;
  const now = result.evaluatedAt.getTime();
  const keyed = new Set(inv.keys.flatMap((k) => spkiFingerprintsOf(k.key)));
  const byCert = findingsByCertificate(result);
  const rows: OverviewRow[] = [];
  for (const cert of inv.certs) {
    const osTrustStore = isOsTrustStoreRoot(cert);
    if (!filter.all && (cert.backupOnly || osTrustStore)) continue;
    const row = toRow(cert, inv, keyed, byCert.get(cert.record.fingerprint), now, osTrustStore);
    if (matches(row, filter)) rows.push(row);
  }
  return rows.sort((a, b) => a.notAfter - b.notAfter || a.certificate.localeCompare(b.certificate) || a.location.localeCompare(b.location));
}

function toRow(
  cert: InventoryCert,
  inv: Inventory,
  keyed: ReadonlySet<string>,
  findings: { rules: Set<string>; worst?: Severity } | undefined,
  now: number,
  osTrustStore: boolean,
): OverviewRow {
  const r = cert.record;
  const primary = primaryLocation(cert);
  const live = Inventory.liveLocations(cert);
  const placement = placeOf(primary);
  const selfSigned = cert.issuers.includes(r.fingerprint) || (r.selfIssued && cert.issuers.length === 0);
  const issuers = inv.issuersOf(cert);
  const authorityCerts = selfSigned ? [cert] : issuers;
  const caKey: CaKeyState = authorityCerts.length === 0 ? "unknown" : authorityCerts.some((c) => keyed.has(c.record.spkiFingerprint)) ? "present" : "absent";
  return {
    fingerprint: r.fingerprint,
    certificate: primary?.roleTitle ?? (showUtf8(r.subject) || "(empty subject)"),
    subject: r.subject,
    ...placement,
    location: primary?.ref ?? "",
    locations: (live.length > 0 ? live : cert.locations).map((l) => l.ref),
    notBefore: r.notBefore,
    notAfter: r.notAfter,
    residualMs: r.notAfter - now,
    authority: selfSigned ? "self-signed" : showUtf8(issuers[0]?.record.subject || r.issuer),
    caKey,
    isCA: r.isCA,
    backup: cert.backupOnly,
    osTrustStore,
    rules: findings ? [...findings.rules].sort() : [],
    ...(findings?.worst ? { worst: findings.worst } : {}),
  };
}

function placeOf(loc: Location | undefined): { node?: string; namespace?: string } {
  if (loc === undefined) return {};
  const namespace = parseRef(loc.ref)?.namespace;
  if (namespace !== undefined) return { namespace };
  return loc.node ? { node: loc.node } : {};
}

function findingsByCertificate(result: ScanResult): Map<string, { rules: Set<string>; worst?: Severity }> {
  const map = new Map<string, { rules: Set<string>; worst?: Severity }>();
  for (const f of result.findings) {
    for (const fp of f.certificates) {
      const entry = map.get(fp) ?? { rules: new Set<string>() };
      entry.rules.add(f.rule);
      if (entry.worst === undefined || severityRank[f.severity] > severityRank[entry.worst]) entry.worst = f.severity;
      map.set(fp, entry);
    }
  }
  return map;
}

function matches(row: OverviewRow, f: OverviewFilter): boolean {
  if (f.expiringWithinMs !== undefined && row.residualMs > f.expiringWithinMs) return false;
  if (f.node !== undefined && !isNode(row.node, f.node)) return false;
  if (f.namespaces !== undefined && (row.namespace === undefined || !f.namespaces.includes(row.namespace))) return false;
  if (f.rule !== undefined && !row.rules.includes(f.rule)) return false;
  if (f.severity !== undefined && (row.worst === undefined || severityRank[row.worst] < severityRank[f.severity])) return false;
  return true;
}

/** A node is named by its folder ("cp-1") or its whole prefix ("/dump/cp-1"). */
export function isNode(node: string | undefined, wanted: string): boolean {
  if (node === undefined) return false;
  return node === wanted || node.endsWith(`/${wanted.replace(/^\/+|\/+$/g, "")}`);
}
