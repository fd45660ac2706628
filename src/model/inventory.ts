import type { CertRecord, CsrInfo, KeyInfo } from "./cert.js";
import type { RefString } from "./items.js";

/** One place a certificate was seen, with what the layout knows about it. */
export interface Location {
  ref: RefString;
  path?: string;
  symlink?: boolean;
  context: string;
  anchor: boolean;
  pair?: string;
  /** Node identity (path prefix before a known layout root), "" for the scanned root itself. */
  node?: string;
  distribution?: string;
  role?: string;
  /** Layout CA identity: every location with the same caIdentity should hold the same CA key. */
  caIdentity?: string;
  roleTitle?: string;
  backup: boolean;
  /**
   * Cluster scope (a named `--path NAME=DIR`, or each top-level path when several are scanned). Contexts
   * and pair ids of scoped locations carry `@scope`, so trust and divergence never cross clusters.
   */
  scope?: string;
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

