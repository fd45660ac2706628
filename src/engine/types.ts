import type { Inventory } from "../inventory/inventory.js";
import type { Finding } from "../model/finding.js";
import type { InventoryCert, InventoryCsr, InventoryKey } from "../model/inventory.js";
import type { EndpointItem, KubeCsrItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import type { ScanLimits, Source } from "../model/scan.js";
import type { WalkFilter } from "../sources/file/walk.js";

export type { InventoryCert, InventoryCsr, InventoryKey, Location } from "../model/inventory.js";

export interface ScanOptions {
  /** Files or directories, scanned recursively. */
  paths: string[];
  /** Cluster scope names by root path (`--path NAME=DIR`); unnamed roots share one unscoped default. */
  scopes?: Record<string, string>;
  /** Further sources (the Kubernetes API, TLS endpoints, ...): items parsed on the main thread; a source that names files (`Source.files`) is read on the parse workers like `paths`. */
  sources?: Source[];
  /** Evaluation time. Always an input, never read from the clock inside the engine. */
  now: Date;
  warnDays: number;
  critDays: number;
  /** --absolute-thresholds: do not scale the expiry windows with a certificate's lifetime. */
  absoluteThresholds?: boolean;
  pkcs12Passwords?: string[];
  limits?: Partial<ScanLimits>;
  /** What the file walk leaves out (--exclude, --one-file-system; pseudo-filesystems always). */
  walk?: WalkFilter;
  /** The node's filesystem root as the agent sees it (--root): symlinks and absolute file references resolve inside it. */
  nodeRoot?: string;
  /** --follow-symlinks-out: the walker follows symlinks that leave the given paths. */
  followSymlinksOut?: boolean;
  /** Called as the scan goes (files walked, certificates parsed, the directory being walked); for a progress line. */
  onProgress?: (progress: ScanProgress) => void;
  /** Parallel parse workers; default for scans of 1,000 files or more: one per core but one (at most 7), with the main thread parsing what they have no time for; none below. 0 parses on the main thread. */
  workers?: number;
}

export interface ScanProgress {
  files: number;
  certificates: number;
  directory: string;
}

export interface ScanStats {
  files: number;
  certificates: number;
  keys: number;
  durationMs: number;
}

export interface ScanResult {
  /** The same data with the trust-graph queries rules use. */
  inventory: Inventory;
  evaluatedAt: Date;
  certificates: InventoryCert[];
  keys: InventoryKey[];
  csrs: InventoryCsr[];
  kubeCsrs: KubeCsrItem[];
  endpoints: EndpointItem[];
  findings: Finding[];
  issues: ScanIssue[];
  stats: ScanStats;
}
