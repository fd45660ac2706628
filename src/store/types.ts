/**
 * The history store's one interface and the shapes that cross it: what a scan or an agent report
 * writes (an `Observation`), and what the JSON API reads back (already in the API's shapes, see
 * docs/api/openapi.yaml). Two implementations: SQLite (`sqlite.ts`) and PostgreSQL (`postgres.ts`).
 * Only public certificate data and key fingerprints ever cross it: never key bytes or Secret payloads.
 */
import type { Severity } from "../model/finding.js";
import type { SourceRef } from "../model/ref.js";
import type { ApiHealEvent, HealEventFilter, ObservedHealEvent } from "./heal-events.js";

/**
 * A ref split into the parts the dashboard links and filters by: the typed ref (model/ref.ts) plus
 * `ref`, its stable string form (`formatRef`), and what the location adds that the string does not hold.
 */
export interface RefParts extends SourceRef {
  ref: string;
  /** Filesystem path, for refs that name one (`refPath`). */
  path?: string;
  /** `endpoint:` refs (`endpointHostPort`). */
  host?: string;
  port?: number;
  /** The node the location is on (layout node prefix, or the reporting agent's node). */
  node?: string;
}

/** Who saw a change: the server's file rescan, its cluster watch, its endpoint probe, or a node agent. */
export interface ChangeSource {
  kind: "file-scan" | "kube-watch" | "endpoint-probe" | "agent";
  /** The agent's node name; the manifest file of a Kubernetes object a file rescan read from a dump; else "". */
  name: string;
}

/** The managedFields entry that last touched the field a ref names (API objects only). */
export interface Actor {
  manager: string;
  operation: string;
  /** ISO-8601, as the API server wrote it. */
  time?: string;
}

export interface ObservedCert {
  fingerprint: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  /** ms since the epoch */
  notBefore: number;
  notAfter: number;
  isCA: boolean;
  keyType: string;
  keySize: number;
  signatureAlgorithm: string;
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** SHA-256 of the public key (SPKI): public, matches a key fingerprint. */
  spkiFingerprint?: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** Fingerprints of the certificates whose key verifiably signed it. */
  issuers: string[];
}

export interface ObservedPlacement {
  ref: string;
  fingerprint: string;
  node?: string;
  namespace?: string;
  role?: string;
  context?: string;
  caIdentity?: string;
  anchor: boolean;
  backup: boolean;
  /** The certificate's private key was found in the same scope. */
  keyPresent: boolean;
  /** For API objects: the object's resourceVersion and who last wrote the field. */
  resourceVersion?: string;
  actor?: Actor;
  /** Which of the scope's sources produced it. */
  source: ChangeSource;
  /** Its store scope when not the observation's: a named `--path NAME=DIR` is `server@NAME`. */
  scope?: string;
}

export interface ObservedFinding {
  /** Stable identity within the scope (rule + refs + fingerprints; see finding-id.ts). */
  id: string;
  rule: string;
  severity: Severity;
  title: string;
  detail: string;
  remediation: string;
  certificates: string[];
  locations: string[];
  node?: string;
  namespace?: string;
  /** ms: when it starts to break things (expiry), absent for hygiene findings. */
  impactAt?: number;
  /** Its store scope when not the observation's (a named path's, `server@NAME`). */
  scope?: string;
}

export interface ObservedIssue {
  code: string;
  ref: string;
  message: string;
}

/**
 * Everything one scan of one scope saw. A scope is the unit whose placements a scan replaces: `server`
 * (the server's own sources; `server@NAME` for each named `--path NAME=DIR`) or `agent:<node>`. Refs absent from it are removed, except those for which
 * `isPreserved` is true (their source failed this time: unknown, not gone).
 */
export interface Observation {
  scope: string;
  /** The source recorded on the scan row. */
  source: ChangeSource;
  startedAt: number;
  evaluatedAt: number;
  durationMs: number;
  certificates: ObservedCert[];
  placements: ObservedPlacement[];
  findings: ObservedFinding[];
  issues: ObservedIssue[];
  isPreserved?: (ref: string) => boolean;
  /**
   * The observation also replaces the named paths' scopes `<scope>@NAME` (the server's own scans): a
   * named path dropped from the configuration is then removed, not left current forever.
   */
  replacesNamedScopes?: boolean;
}

export interface WriteSummary {
  scanId: number;
  changes: number;
  placementsOpened: number;
  placementsClosed: number;
  findingsOpened: number;
  findingsResolved: number;
  certificatesAdded: number;
}

export interface AgentReportMeta {
  agentId: string;
  sequence: number;
  node: string;
  agentVersion: string;
  receivedAt: number;
  scannedAt: number;
  dropped: number;
  /** `agent --heal`'s events in this report (store/heal-events.ts). */
  healEvents?: ObservedHealEvent[];
}

export type AgentIngest = { stored: true; summary: WriteSummary } | { stored: false; duplicate: true };

// ---- reads ---------------------------------------------------------------------------------------

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, null on the last. */
  next: string | null;
  total: number;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface FindingFilter extends PageRequest {
  severity?: Severity[];
  rule?: string[];
  node?: string;
  namespace?: string;
  state: "open" | "resolved" | "all";
  facets?: boolean;
}

export interface ApiFinding {
  id: string;
  scope: string;
  rule: string;
  severity: Severity;
  title: string;
  detail: string;
  remediation: string;
  certificates: string[];
  locations: RefParts[];
  node: string | null;
  namespace: string | null;
  impactAt: string | null;
  openedAt: string;
  resolvedAt: string | null;
}

export interface Facets {
  severity: Record<string, number>;
  rule: Record<string, number>;
  node: Record<string, number>;
  namespace: Record<string, number>;
}

export type FindingPage = Page<ApiFinding> & { facets?: Facets };

export type CertSort = "notAfter" | "subject" | "role" | "node" | "namespace";

export interface CertFilter extends PageRequest {
  node?: string;
  namespace?: string;
  role?: string;
  ca?: boolean;
  /** Case-insensitive substring of subject or issuer. */
  q?: string;
  /** ms */
  expiresBefore?: number;
  current: boolean;
  sort: CertSort;
  order: "asc" | "desc";
}

export interface CertRef {
  fingerprint: string;
  subject: string;
  isCA: boolean;
  notAfter: string;
}

export interface ApiCertificate {
  fingerprint: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  isCA: boolean;
  keyType: string;
  keySize: number;
  signatureAlgorithm: string;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  dnsNames: string[];
  ipAddresses: string[];
  role: string | null;
  node: string | null;
  namespace: string | null;
  backup: boolean;
  issuers: CertRef[];
  /** The key of (one of) its issuing CA(s) was found; null when no issuer is known. */
  caKeyPresent: boolean | null;
  keyPresent: boolean;
  firstSeen: string;
  lastSeen: string;
  current: boolean;
  locations: RefParts[];
}

export interface ApiPlacement {
  location: RefParts;
  scope: string;
  role: string | null;
  context: string | null;
  caIdentity: string | null;
  anchor: boolean;
  backup: boolean;
  from: string;
  to: string | null;
}

export interface ApiCertificateDetail extends ApiCertificate {
  placements: ApiPlacement[];
  /** Upwards from its issuer to a root (first verified issuer at each step). */
  chain: CertRef[];
  signed: { total: number; items: CertRef[] };
  /** Trust contexts where it is an anchor (a CA placed there): who trusts it. */
  trustedBy: Array<{ context: string; scope: string; members: number }>;
  findings: ApiFinding[];
  changes: ApiChange[];
}

export type ChangeKind = "appeared" | "changed" | "removed";

export interface TimelineFilter extends PageRequest {
  since?: number;
  until?: number;
  locationPrefix?: string;
  kind?: ChangeKind[];
  caOnly?: boolean;
  node?: string;
  namespace?: string;
  fingerprint?: string;
}

export interface ApiChange {
  id: number;
  at: string;
  scope: string;
  location: RefParts;
  kind: ChangeKind;
  oldFingerprint: string | null;
  newFingerprint: string | null;
  oldSubject: string | null;
  newSubject: string | null;
  ca: boolean;
  source: ChangeSource;
  actor: Actor | null;
  resourceVersion: string | null;
}

export interface TrustGraphCa {
  fingerprint: string;
  subject: string;
  issuer: string;
  notAfter: string;
  selfSigned: boolean;
  caIdentities: string[];
  keyPresent: boolean;
  locations: RefParts[];
  signedCount: number;
  signed: CertRef[];
}

export interface TrustGraph {
  cas: TrustGraphCa[];
  edges: Array<{ issuer: string; subject: string }>;
  /** One CA identity (layout CA role) held by certificates with different keys. */
  variants: Array<{ identity: string; certificates: string[] }>;
}

export interface ApiNode {
  name: string;
  agent: {
    status: "ok" | "silent" | "none";
    agentId: string | null;
    lastReportAt: string | null;
    lastSequence: number | null;
    agentVersion: string | null;
    dropped: number | null;
  };
  certificates: number;
  findings: Record<Severity, number>;
}

export interface ApiNamespace {
  name: string;
  certificates: number;
  findings: Record<Severity, number>;
}

export interface StoreStatus {
  backend: "sqlite" | "postgres";
  ok: boolean;
  /** Why writes are failing (read-only file, full disk, connection lost), when they are. */
  error?: { code: string; message: string };
  /** Changes whenever what the API returns changes. */
  generation: number;
  lastScanAt: string | null;
  lastScanId: number | null;
}

export interface Summary {
  generation: number;
  lastScanAt: string | null;
  certificates: number;
  findings: Record<Severity, number>;
  expiry: { expired: number; d7: number; d30: number; d90: number; d365: number; later: number };
}

export interface RetentionResult {
  deleted: number;
  batches: number;
}

/** The store. Writers: the scan loop and agent ingestion. Readers: the API, `certdoctor timeline`. */
/** An open placement with its certificate's public facts (times in ms since the epoch). */
export interface StoredPlacement {
  scope: string;
  ref: string;
  node: string | null;
  role: string | null;
  backup: boolean;
  fingerprint: string;
  serialNumber: string;
  subject: string;
  issuer: string;
  notBefore: number;
  notAfter: number;
  isCA: boolean;
}

export interface Store {
  readonly backend: "sqlite" | "postgres";
  /** Records one scan of one scope in one transaction. Throws CertdoctorError(ERR_STORE_WRITE) when it cannot. */
  recordObservation(obs: Observation): Promise<WriteSummary>;
  /** Stores an agent report's observation unless (agentId, sequence) was stored before; one transaction. */
  recordAgentReport(meta: AgentReportMeta, obs: Observation): Promise<AgentIngest>;
  /** Deletes history older than `before` (ms) in batches of `batchSize` rows, yielding between batches. */
  prune(before: number, batchSize?: number): Promise<RetentionResult>;

  findings(filter: FindingFilter): Promise<FindingPage>;
  certificates(filter: CertFilter): Promise<Page<ApiCertificate>>;
  certificate(fingerprint: string, now: number): Promise<ApiCertificateDetail | undefined>;
  timeline(filter: TimelineFilter): Promise<Page<ApiChange>>;
  /** What node agents' `--heal` repairs did or refused, newest first. */
  healEvents(filter: HealEventFilter): Promise<Page<ApiHealEvent>>;
  trustGraph(leavesPerCa: number): Promise<TrustGraph>;
  nodes(now: number, silentAfterMs: number): Promise<ApiNode[]>;
  namespaces(): Promise<ApiNamespace[]>;
  summary(now: number): Promise<Summary>;
  status(): Promise<StoreStatus>;
  /** Agents and their last report, for the `agent-silent` rule and the metrics. */
  agents(): Promise<Array<{ agentId: string; node: string; lastReportAt: number; lastSequence: number }>>;
  /** Open placements of the scopes whose name starts with `scopePrefix` (`agent:`), with their certificates, by scope and ref. */
  currentPlacements(scopePrefix: string): Promise<StoredPlacement[]>;
  /** Changes whenever `currentPlacements(scopePrefix)` may answer differently; cheap (read it first). */
  placementsMarker(scopePrefix: string): Promise<string>;
  close(): Promise<void>;
}
