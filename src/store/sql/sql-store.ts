/**
 * The Store over any SqlDb: one implementation of recording and reading, so SQLite and PostgreSQL
 * behave the same (one conformance suite runs against both). Writes are serialised in this process and
 * each is one transaction; a failed write is remembered, shown by `status()` (and so `/readyz`) until a
 * later write succeeds, and thrown as ERR_STORE_WRITE — never silently dropped.
 */
import { CertdoctorError, ErrorCode, isCertdoctorError } from "../../errors.js";
import type { AgentIngest, AgentReportMeta, FindingFilter, Observation, Store, StoreStatus, TimelineFilter, CertFilter, WriteSummary } from "../types.js";
import type { SqlDb } from "./db.js";
import { prune } from "./prune.js";
import { readCertificate, readCertificates } from "./read-certificates.js";
import { readFindings } from "./read-findings.js";
import { readAgents, readNamespaces, readNodes, readStatus, readSummary, readTrustGraph } from "./read-overview.js";
import { readTimeline } from "./read-timeline.js";
import { writeAgentReport, writeObservation } from "./write.js";

export class SqlStore implements Store {
  private writeError: StoreStatus["error"];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

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
    return this.serial(async () => {
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
    });
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
    return this.write(`recording agent report ${meta.agentId}:${meta.sequence}`, () => this.db.transaction((tx) => writeAgentReport(tx, meta, obs)));
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

  async close(): Promise<void> {
    if (this.closed) return;
    await this.serial(async () => {
      this.closed = true;
      await this.db.close();
    });
  }
}
