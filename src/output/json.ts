import type { ScanResult } from "../engine/types.js";
import type { Finding, Severity } from "../model/finding.js";
import type { InventoryCert } from "../model/inventory.js";
import { primaryLocation } from "../rules/support.js";

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
  return {
    schemaVersion: SCHEMA_VERSION,
    evaluatedAt: result.evaluatedAt.toISOString(),
    summary: summarize(result),
    certificates: result.certificates.map(toJsonCertificate).sort((a, b) => a.notAfter.localeCompare(b.notAfter) || a.fingerprint.localeCompare(b.fingerprint)),
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
