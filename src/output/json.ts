import type { ScanResult } from "../engine/types.js";
import type { Finding, Severity } from "../model/finding.js";
import type { InventoryCert } from "../model/inventory.js";
import { primaryLocation } from "../rules/support/describe.js";
import { jsonChunks, lazyJsonArray } from "./json-stream.js";

export const SCHEMA_VERSION = 1;

export interface JsonCertificate {
  fingerprint: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  isCA: boolean;
  dnsNames: string[];
  ipAddresses: string[];
  keyType: string;
  keySize: number;
  signatureAlgorithm: string;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  /** SHA-256 of the public key (SPKI DER): matches `keys[].publicKeyFingerprint`. */
  spkiFingerprint: string;
  role: string | null;
  locations: string[];
  /** Cluster scope of each location (same order), present when any location is scoped (`--path NAME=DIR`). */
  scopes?: Array<string | null>;
  /** Extensions to the issue's minimum schema (additive, schemaVersion stays 1). */
  issuers: string[];
  backup: boolean;
}

export interface JsonReport {
  schemaVersion: 1;
  evaluatedAt: string;
  summary: { certificates: number } & Record<Severity, number>;
  certificates: JsonCertificate[];
  findings: Finding[];
  keys: Array<{ location: string; keyType: string; keySize: number; encrypted: boolean; publicKeyFingerprint: string | null }>;
  notes: Array<{ code: string; location: string; message: string }>;
}

export function summarize(result: ScanResult): JsonReport["summary"] {
  const summary = { certificates: result.certificates.length, critical: 0, warning: 0, info: 0 };
  for (const f of result.findings) summary[f.severity]++;
  return summary;
}

export function toJsonReport(result: ScanResult): JsonReport {
  return { ...reportFields(result), certificates: sortedCertificates(result.certificates).map(toJsonCertificate) };
}

/**
 * The JSON report as text chunks (`JSON.stringify(toJsonReport(result), null, 2)` and a newline, byte for
 * byte): each certificate's object is built when its turn comes, so neither the text nor the converted
 * certificates are ever all in memory.
 */
export function jsonReportChunks(result: ScanResult): Iterable<string> {
  const certificates = sortedCertificates(result.certificates);
  return jsonChunks({ ...reportFields(result), certificates: lazyJsonArray(mapLazily(certificates, toJsonCertificate)) });
}

/** Every field but the certificates, in the report's key order (certificates is the fourth key). */
function reportFields(result: ScanResult): Omit<JsonReport, "certificates"> & { certificates: undefined } {
  return {
    schemaVersion: SCHEMA_VERSION,
    evaluatedAt: result.evaluatedAt.toISOString(),
    summary: summarize(result),
    certificates: undefined,
    findings: result.findings,
    keys: result.keys.map((k) => ({
      location: k.location.ref,
      keyType: k.key.keyType,
      keySize: k.key.keySize,
      encrypted: k.key.encrypted,
      publicKeyFingerprint: k.key.spkiFingerprint ?? null,
    })),
    notes: result.issues.filter((i) => !i.material).map((i) => ({ code: i.code, location: i.ref, message: i.message })),
  };
}

const collator = new Intl.Collator();

/**
 * Soonest notAfter first, then by fingerprint, as the report always listed them. Same-format ISO strings
 * (years 0000-9999, all a certificate can hold) collate in time order, so the times are compared as numbers
 * and only equal times fall back to the fingerprint's collation.
 */
function sortedCertificates(certs: readonly InventoryCert[]): InventoryCert[] {
  return [...certs].sort((a, b) => a.record.notAfter - b.record.notAfter || collator.compare(a.record.fingerprint, b.record.fingerprint));
}

function* mapLazily<T, U>(items: readonly T[], map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}

function toJsonCertificate(cert: InventoryCert): JsonCertificate {
  const r = cert.record;
  const loc = primaryLocation(cert);
  return {
    fingerprint: r.fingerprint,
    subject: r.subject,
    issuer: r.issuer,
    serialNumber: r.serialNumber,
    notBefore: new Date(r.notBefore).toISOString(),
    notAfter: new Date(r.notAfter).toISOString(),
    isCA: r.isCA,
    dnsNames: r.dnsNames,
    ipAddresses: r.ipAddresses,
    keyType: r.keyType,
    keySize: r.keySize,
    signatureAlgorithm: r.signatureAlgorithm,
    subjectKeyId: r.subjectKeyId ?? null,
    authorityKeyId: r.authorityKeyId ?? null,
    spkiFingerprint: r.spkiFingerprint,
    role: loc?.roleTitle ?? null,
    locations: cert.locations.map((l) => l.ref),
    ...(cert.locations.some((l) => l.scope !== undefined) ? { scopes: cert.locations.map((l) => l.scope ?? null) } : {}),
    issuers: cert.issuers,
    backup: cert.backupOnly,
  };
}
