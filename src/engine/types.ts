import type { CertRecord, CsrInfo, KeyInfo } from "../model/cert.js";
import type { Finding } from "../model/finding.js";
import type { KubeCsrItem, SourceRef } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import type { ScanLimits } from "../model/scan.js";

export interface ScanOptions {
  /** Files or directories, scanned recursively. */
  paths: string[];
  /** Evaluation time. Always an input, never read from the clock inside the engine. */
  now: Date;
  warnDays: number;
  critDays: number;
  pkcs12Passwords?: string[];
  limits?: Partial<ScanLimits>;
  /** Parallel parse workers; default: one per core, at most 2 below 2,000 files. 0 parses on the main thread. */
  workers?: number;
}

/** One place a certificate was seen, with what the layout knows about it. */
export interface Location {
  ref: SourceRef;
  path?: string;
  symlink?: boolean;
  context: string;
  anchor: boolean;
  pair?: string;
  /** Node identity (path prefix before a known layout root), "" for the scanned root itself. */
  node?: string;
  distribution?: string;
  role?: string;
  roleTitle?: string;
  backup: boolean;
}

export interface InventoryCert {
  record: CertRecord;
  locations: Location[];
  /** Every location is a backup/archive location: never reported as a live certificate. */
  backupOnly: boolean;
  /** Fingerprints of certificates whose key verifiably signed this one. */
  issuers: string[];
  /** Candidate issuers found by name whose signature check failed. */
  rejectedIssuers: string[];
}

export interface InventoryKey {
  key: KeyInfo;
  location: Location;
}

export interface InventoryCsr {
  csr: CsrInfo;
  location: Location;
}

export interface ScanStats {
  files: number;
  certificates: number;
  keys: number;
  durationMs: number;
}

export interface ScanResult {
  evaluatedAt: Date;
  certificates: InventoryCert[];
  keys: InventoryKey[];
  csrs: InventoryCsr[];
  kubeCsrs: KubeCsrItem[];
  findings: Finding[];
  issues: ScanIssue[];
  stats: ScanStats;
}
