import type { RawItem } from "./items.js";
import type { ScanIssue } from "./issue.js";

/** Bounds on every untrusted input. */
export interface ScanLimits {
  /** Files larger than this are skipped with an ERR_FILE_TOO_LARGE note. */
  maxFileBytes: number;
  /** A single PEM block (base64 body) larger than this is an ERR_PEM_TOO_LARGE issue. */
  maxPemBlockBytes: number;
  /** YAML/JSON documents larger than this are not parsed as manifests. */
  maxManifestBytes: number;
  /** Maximum number of objects taken from one manifest file (List items + documents). */
  maxManifestObjects: number;
  /**
   * What YAML aliases may add, per file, beyond the file's own size: nodes (objects, arrays, scalars) and bytes
   * (keys and scalar text) of the documents fully expanded. A document past what is left is a parse-error.
   */
  maxAliasExpansionNodes: number;
  maxAliasExpansionBytes: number;
  /** Maximum directory depth followed below a root. */
  maxDepth: number;
  /** Maximum certificates considered in one chain walk. */
  maxChainLength: number;
  /** Password-based key-derivation iterations (PKCS#12, encrypted keys) one scan may run in all: ~10 s of CPU at forge's PKCS#12 KDF speed. */
  maxKdfIterationsPerScan: number;
  /** Issues of one code kept per place (a file, a Secret) and per scan; the rest are counted in one summary (inventory/issue-caps.ts). */
  maxIssuesPerPlace: number;
  maxIssuesPerScan: number;
}

export const defaultLimits: ScanLimits = {
  maxFileBytes: 16 * 1024 * 1024,
  maxPemBlockBytes: 1024 * 1024,
  maxManifestBytes: 16 * 1024 * 1024,
  maxManifestObjects: 100_000,
  maxAliasExpansionNodes: 100_000,
  maxAliasExpansionBytes: 1024 * 1024,
  maxDepth: 64,
  maxChainLength: 16,
  maxKdfIterationsPerScan: 10_000_000,
  maxIssuesPerPlace: 100,
  maxIssuesPerScan: 10_000,
};

/** Where reads may go (src/fs/confine.ts). Plain data: it crosses to parse workers. */
export interface Confinement {
  /** The scanned roots, resolved (no symlink left; inside `nodeRoot` when there is one). */
  roots: string[];
  /** The node's filesystem as certdoctor sees it (the agent's --root): symlinks and absolute references resolve inside it. */
  nodeRoot?: string;
  /** --follow-symlinks-out: the walker follows symlinks out of the roots (file references stay confined). */
  followSymlinksOut?: boolean;
}

/** What every source and reader gets. Pure inputs: no globals, no clock. */
export interface ReadContext {
  limits: ScanLimits;
  /** Absent only in unit tests of single readers: then nothing but /proc, /sys, /dev and special files is refused. */
  confine?: Confinement;
  /** Passphrases tried, in order, on PKCS#12 bundles and encrypted keys; "" (no password) is always tried first. */
  pkcs12Passwords: string[];
  /** The scan's shared key-derivation budget (pki/kdf-budget.ts); absent, each bundle is bounded on its own. */
  kdfBudget?: Int32Array;
  signal?: AbortSignal;
}

/** A file a source names for reading. */
export interface FileEntry {
  /** Absolute, as reached (not realpath). */
  path: string;
  /** The entry itself is a symlink. */
  symlink: boolean;
  /** Known when the walker had to stat the entry (roots, symlinks); otherwise the reader checks the size limit. */
  size?: number;
  /** The path to open when it differs from `path`: a symlink on the way was resolved (inside the node root under --root). */
  real?: string;
}

/** A place certificates come from. An item it can't read comes out as a ScanIssue; it never throws for one. */
export interface Source {
  /** Stable label value: "file" | "kube-api" | "tls-endpoint" | "process". */
  readonly kind: string;
  discover(ctx: ReadContext): AsyncIterable<RawItem | ScanIssue>;
  /**
   * A source whose items come from files may also name the files (and its walk's issues): the engine then
   * reads them on its parse workers (`readFileItems`, what `discover` does on the calling thread).
   */
  files?(ctx: ReadContext): AsyncIterable<FileEntry | ScanIssue>;
  /** What it reads, for a report's header ("cluster https://10.0.0.1:6443 (context admin)", "12 endpoints"). No credentials. */
  describe?(): string;
  /**
   * Checks, before a scan, that the source can be read at all (a cluster that answers and accepts the
   * credentials), retrying within `timeoutMs`; throws a CertdoctorError naming the cause otherwise.
   */
  preflight?(timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

export function isScanIssue<T extends object>(x: T | ScanIssue): x is ScanIssue {
  return "code" in x && "material" in x && !("type" in x);
}
