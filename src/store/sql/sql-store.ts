/**
 * The Store over any SqlDb: one implementation of recording and reading, so SQLite and PostgreSQL
 * behave the same (one conformance suite runs against both). Writes are serialised in this process and
 * each is one transaction; a failed write is remembered, shown by `status()` (and so `/readyz`) until a
 * later write succeeds, and thrown as ERR_STORE_WRITE — never silently dropped.
 *
 * Agent reports that arrive while a write is in progress are written together, in one transaction
 * (group commit): a fleet's reports cost a few statements per batch, not a dozen per report. If the
 * batch's transaction fails, each report is retried alone, so one bad report fails only itself.
 */
import { CertdoctorError, ErrorCode, isCertdoctorError } from "../../errors.js";
import type { AgentIngest, AgentReportMeta, FindingFilter, Observation, Store, StoreStatus, TimelineFilter, CertFilter, WriteSummary } from "../types.js";
import type { SqlDb } from "./db.js";
import { prune } from "./prune.js";
import { readCertificate, readCertificates } from "./read-certificates.js";
import { readFindings } from "./read-findings.js";
import { readAgents, readNamespaces, readNodes, readStatus, readSummary, readTrustGraph } from "./read-overview.js";
import { readCurrentPlacements, readPlacementsMarker } from "./read-placements.js";
import type { HealEventFilter } from "../heal-events.js";
import { readHealEvents } from "./read-heal-events.js";
import { readTimeline } from "./read-timeline.js";
import { writeObservation } from "./write.js";
import { writeAgentReport, writeAgentReports, type AgentReport } from "./write-agents.js";

/** Bounds on one batch of agent reports written in one transaction. */
const MAX_BATCH_REPORTS = 64;
const MAX_BATCH_PLACEMENTS = 20_000;

interface PendingReport extends AgentReport {
  resolve(v: AgentIngest): void;
  reject(err: unknown): void;
}

export class SqlStore implements Store {
  private writeError: StoreStatus["error"];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private pending: PendingReport[] = [];
  private flushQueued = false;

  constructor(
    readonly backend: "sqlite" | "postgres",
    private readonly db: SqlDb,
  ) {}

  /** Runs writes one at a time, in arrival order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private write<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return this.serial(() => this.guarded(what, fn));
  }

  /** Runs one write, remembering (and mapping to ERR_STORE_WRITE) how it failed. */
  private async guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new CertdoctorError(ErrorCode.ERR_STORE_UNAVAILABLE, "the store is closed");
    try {
      const out = await fn();
      this.writeError = undefined;
      return out;
    } catch (err) {
      if (isCertdoctorError(err) && err.code !== ErrorCode.ERR_STORE_WRITE) throw err;
      const message = `${what} failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
      this.writeError = { code: ErrorCode.ERR_STORE_WRITE, message };
      throw new CertdoctorError(ErrorCode.ERR_STORE_WRITE, message, { cause: err });
    }
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    void this.serial(async () => {
      // let requests whose bodies have arrived reach the queue first, so they join this batch
      await new Promise((r) => setImmediate(r));
      this.flushQueued = false;
      await this.flushReports();
    });
  }

  /** Takes the next batch (distinct agents and scopes, bounded) off the queue and writes it. */
  private async flushReports(): Promise<void> {
    const batch: PendingReport[] = [];
    const rest: PendingReport[] = [];
    const agents = new Set<string>();
    const scopes = new Set<string>();
    let placements = 0;
    for (const r of this.pending) {
      const fits = batch.length === 0 || (batch.length < MAX_BATCH_REPORTS && placements + r.obs.placements.length <= MAX_BATCH_PLACEMENTS);
      if (fits && !agents.has(r.meta.agentId) && !scopes.has(r.obs.scope)) {
        batch.push(r);
        agents.add(r.meta.agentId);
        scopes.add(r.obs.scope);
        placements += r.obs.placements.length;
      } else rest.push(r);
    }
    this.pending = rest;
    if (rest.length > 0) this.scheduleFlush();
    if (batch.length === 0) return;
    const label = (r: AgentReport) => `recording agent report ${r.meta.agentId}:${r.meta.sequence}`;
    if (batch.length > 1) {
      try {
        const results = await this.guarded(`recording ${batch.length} agent reports`, () => this.db.transaction((tx) => writeAgentReports(tx, batch)));
        batch.forEach((r, i) => r.resolve(results[i]!));
        return;
      } catch {
        // retried one by one below: each report gets its own outcome
      }
    }
    for (const r of batch) {
      await this.guarded(label(r), () => this.db.transaction((tx) => writeAgentReport(tx, r.meta, r.obs))).then(r.resolve, r.reject);
    }
  }

  private read<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new CertdoctorError(ErrorCode.ERR_STORE_UNAVAILABLE, "the store is closed"));
    return fn().catch((err: unknown) => {
      if (isCertdoctorError(err)) throw err;
      throw new CertdoctorError(ErrorCode.ERR_STORE_UNAVAILABLE, `reading the store failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500), { cause: err });
    });
  }

  recordObservation(obs: Observation): Promise<WriteSummary> {
    return this.write(`recording the ${obs.scope} scan`, () => this.db.transaction((tx) => writeObservation(tx, obs)));
  }

  recordAgentReport(meta: AgentReportMeta, obs: Observation): Promise<AgentIngest> {
    if (this.closed) return Promise.reject(new CertdoctorError(ErrorCode.ERR_STORE_UNAVAILABLE, "the store is closed"));
    return new Promise<AgentIngest>((resolve, reject) => {
      this.pending.push({ meta, obs, resolve, reject });
      this.scheduleFlush();
    });
  }

  prune(before: number, batchSize?: number) {
    return this.write("pruning history", () => prune(this.db, before, batchSize));
  }

  findings(filter: FindingFilter) {
    return this.read(() => readFindings(this.db, filter));
  }

  certificates(filter: CertFilter) {
    return this.read(() => readCertificates(this.db, filter));
  }

  certificate(fingerprint: string, _now: number) {
    return this.read(() => readCertificate(this.db, fingerprint));
  }

  timeline(filter: TimelineFilter) {
    return this.read(() => readTimeline(this.db, filter));
  }

  healEvents(filter: HealEventFilter) {
    return this.read(() => readHealEvents(this.db, filter));
  }

  trustGraph(leavesPerCa: number) {
    return this.read(() => readTrustGraph(this.db, leavesPerCa));
  }

  nodes(now: number, silentAfterMs: number) {
    return this.read(() => readNodes(this.db, now, silentAfterMs));
  }

  namespaces() {
    return this.read(() => readNamespaces(this.db));
  }

  summary(now: number) {
    return this.read(() => readSummary(this.db, now));
  }

  status() {
    return this.read(() => readStatus(this.db, this.backend, this.writeError));
  }

  agents() {
    return this.read(() => readAgents(this.db));
  }

  currentPlacements(scopePrefix: string) {
    return this.read(() => readCurrentPlacements(this.db, scopePrefix));
  }

  placementsMarker(scopePrefix: string) {
    return this.read(() => readPlacementsMarker(this.db, scopePrefix));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.serial(async () => {
      this.closed = true;
      await this.db.close();
    });
  }
}
