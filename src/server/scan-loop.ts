/**
 * The server's scan loop, the store's only writer for scope `server`: it diagnoses the configured
 * sources once at start, then again on every interval tick, on a file change under a `--path` root
 * (debounced; kubelet's `*-current.pem` symlink flip is a rename in the watched directory), on a
 * cluster change the list-then-watch reflectors report (never a periodic relist), and when asked
 * (`POST /api/v1/scans`). Endpoints and other probing sources run on the interval only; between ticks
 * their last answers are replayed. Each pass is recorded in one store transaction; a failed write is
 * logged and shown in /readyz, and the next pass writes again (nothing is skipped silently).
 */
import { existsSync, watch, type FSWatcher } from "node:fs";
import { scan } from "../engine/scan.js";
import type { ScanResult } from "../engine/types.js";
import { describeError } from "../errors.js";
import type { RawItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import { formatRef, parseRef, splitBlock } from "../model/ref.js";
import { defaultLimits, type ReadContext, type Source } from "../model/scan.js";
import type { KubeReflector } from "../sources/kubernetes/reflector.js";
import { silentAgentFindings } from "../rules/agent-silent.js";
import { observationFromScan } from "../store/observe.js";
import type { Store } from "../store/types.js";
import type { Logger } from "./log.js";

/** Ref kinds no cluster stream produces: kept or removed by their own sources, not by the cluster's. */
const NOT_FROM_THE_CLUSTER = new Set(["file", "kubeconfig", "endpoint", "process"]);
import type { ServerState, SourceProgress } from "./state.js";

/** A source the loop can turn into a list-then-watch reflector (the Kubernetes API source). */
export interface ReflectingSource extends Source {
  reflect(ctx: ReadContext, onChange: () => void): KubeReflector;
}

export interface ScanLoopOptions {
  paths: string[];
  scopes?: Record<string, string>;
  /** Kubernetes API sources (watched) and probing sources (re-run every interval). */
  sources: Source[];
  store: Store;
  state: ServerState;
  log: Logger;
  /** Evaluation time of a pass (pinned with --now). */
  now: () => Date;
  intervalMs: number;
  warnDays: number;
  critDays: number;
  /** History older than this is pruned (checked hourly and after start). */
  retentionMs: number;
  /** Wait this long after a file or cluster change before diagnosing (a burst becomes one pass). */
  debounceMs?: number;
  workers?: number;
  /** Nodes whose agent has not reported for this long get an agent-silent finding in every pass. */
  agentSilentAfterMs?: number;
  /** Diagnose right at start (default); a server with no sources of its own only runs on the interval. */
  initialPass?: boolean;
}

function isReflecting(s: Source): s is ReflectingSource {
  return typeof (s as Partial<ReflectingSource>).reflect === "function";
}

/** Replays the items of the probing source's last run between interval ticks. */
class CachedSource implements Source {
  readonly kind: string;
  private items: Array<RawItem | ScanIssue> | undefined;
  stale = true;

  constructor(private readonly inner: Source) {
    this.kind = inner.kind;
  }

  async *discover(ctx: ReadContext): AsyncIterable<RawItem | ScanIssue> {
    if (this.stale || this.items === undefined) {
      const fresh: Array<RawItem | ScanIssue> = [];
      for await (const item of this.inner.discover(ctx)) fresh.push(item);
      this.items = fresh;
      this.stale = false;
    }
    yield* this.items;
  }
}

/** The progress names /readyz reports. */
export function sourceProgress(paths: readonly string[], sources: readonly Source[]): SourceProgress[] {
  const out: SourceProgress[] = paths.map((p) => ({ name: `path:${p}`, kind: "file", ready: false }));
  if (sources.some(isReflecting)) out.push({ name: "kube", kind: "kube-api", ready: false });
  if (sources.some((s) => !isReflecting(s))) out.push({ name: "endpoints", kind: "tls-endpoint", ready: false });
  return out;
}

export class ScanLoop {
  private readonly stop = new AbortController();
  private readonly reflectors: KubeReflector[] = [];
  private readonly probing: CachedSource[];
  private readonly watchers: FSWatcher[] = [];
  private wake: (() => void) | undefined;
  private dirty = true;
  private passes = 0;
  private running: Promise<void> | undefined;
  private reflectorsDone: Promise<unknown> = Promise.resolve();
  private lastPrune = 0;
  /** A configuration problem a reflector hit (rejected credentials): ends the loop, rethrown by done(). */
  private fatal: unknown;

  constructor(private readonly o: ScanLoopOptions) {
    this.dirty = o.initialPass ?? true;
    this.probing = o.sources.filter((s) => !isReflecting(s)).map((s) => new CachedSource(s));
  }

  get passCount(): number {
    return this.passes;
  }

  /** Asks for a pass now (probing sources included); false once stopped. */
  requestScan(): boolean {
    if (this.stop.signal.aborted) return false;
    for (const p of this.probing) p.stale = true;
    this.markDirty();
    return true;
  }

  private markDirty(): void {
    this.dirty = true;
    this.wake?.();
  }

  start(): void {
    const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [], signal: this.stop.signal };
    for (const s of this.o.sources) if (isReflecting(s)) this.reflectors.push(s.reflect(ctx, () => this.markDirty()));
    this.reflectorsDone = Promise.all(this.reflectors.map((r) => r.run(this.stop.signal))).catch((err: unknown) => {
      this.fatal ??= err;
      this.o.log("error", "cluster watch stopped", { error: describeError(err) });
      this.stop.abort();
      this.wake?.();
    });
    for (const root of this.o.paths) this.watchPath(root);
    this.running = this.loop();
  }

  private watchPath(root: string): void {
    if (!existsSync(root)) return;
    try {
      const w = watch(root, { recursive: true, persistent: false }, () => this.markDirty());
      w.on("error", () => w.close());
      this.watchers.push(w);
    } catch (err) {
      // no recursive watch here: the interval still rescans
      this.o.log("warn", "file changes are not watched; rescanning on the interval only", { path: root, error: describeError(err) });
    }
  }

  private async waitForWork(): Promise<void> {
    const timer = setTimeout(() => {
      for (const p of this.probing) p.stale = true;
      this.markDirty();
    }, this.o.intervalMs);
    try {
      while (!this.stop.signal.aborted && !this.dirty) {
        await new Promise<void>((r) => {
          this.wake = r;
        });
        this.wake = undefined;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async loop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      await this.waitForWork();
      if (this.stop.signal.aborted) break;
      if (!this.reflectors.every((r) => r.synced)) {
        // the first diagnosis waits for the cluster's first full list
        this.dirty = false;
        continue;
      }
      if (this.passes > 0) await new Promise((r) => setTimeout(r, this.o.debounceMs ?? 500));
      this.dirty = false;
      await this.pass();
      await this.maybePrune();
    }
  }

  /** One diagnosis of every source, recorded in the store. Never throws. */
  private async pass(): Promise<void> {
    const started = Date.now();
    const now = this.o.now();
    const missing = this.o.paths.filter((p) => !existsSync(p));
    let result: ScanResult;
    try {
      result = await scan({
        paths: this.o.paths.filter((p) => !missing.includes(p)),
        ...(this.o.scopes && Object.keys(this.o.scopes).length > 0 ? { scopes: this.o.scopes } : {}),
        sources: [...this.reflectors.map((r) => r.snapshot()), ...this.probing],
        now,
        warnDays: this.o.warnDays,
        critDays: this.o.critDays,
        ...(this.o.workers === undefined ? {} : { workers: this.o.workers }),
      });
    } catch (err) {
      this.o.log("error", "scan failed", { error: describeError(err) });
      return;
    }
    this.passes++;
    if (this.o.agentSilentAfterMs !== undefined) {
      try {
        result.findings.push(...silentAgentFindings(await this.o.store.agents(), now.getTime(), this.o.agentSilentAfterMs));
      } catch (err) {
        this.o.log("error", "agent status not read", { error: describeError(err) });
      }
    }
    // a root that is gone (unmounted) or a cluster stream that failed is unknown, not removed
    const clusterLost = result.issues.some((i) => parseRef(i.ref)?.kind === "kube-api");
    const failedEndpoints = new Set(result.endpoints.filter((e) => e.error !== undefined).map((e) => parseRef(e.ref)?.location));
    const isPreserved = (text: string) => {
      const ref = parseRef(text);
      if (ref === undefined) return clusterLost;
      if ((ref.kind === "file" || ref.kind === "kubeconfig") && missing.some((m) => ref.location.startsWith(m))) return true;
      if (ref.kind === "endpoint") return failedEndpoints.has(ref.location);
      return clusterLost && !NOT_FROM_THE_CLUSTER.has(ref.kind);
    };
    const metas = this.reflectors.map((r) => r.refMeta());
    const objectMeta = (ref: string) => {
      // a certificate in a bundle value is block N of the value's item (`secret:ns/n#ca.crt/1`)
      const parsed = parseRef(ref);
      const block = parsed ? splitBlock(parsed) : undefined;
      const candidates = block ? [ref, formatRef(block.value)] : [ref];
      for (const m of metas) {
        for (const c of candidates) {
          const v = m.get(c);
          if (v !== undefined) return v;
        }
      }
      return undefined;
    };
    const obs = observationFromScan(result, { startedAt: started, isPreserved, objectMeta, ...(this.o.scopes ? { clusterScopes: this.o.scopes } : {}) });
    obs.durationMs = Date.now() - started;
    const at = Date.now();
    try {
      const w = await this.o.store.recordObservation(obs);
      this.o.log("info", "scan recorded", { scanId: w.scanId, certificates: obs.certificates.length, findings: obs.findings.length, changes: w.changes, durationMs: obs.durationMs });
      this.o.state.update({ diagnosis: { result, paths: this.o.paths, sourceKinds: this.o.sources.map((s) => s.kind), scanId: w.scanId } });
      for (const s of this.o.state.current().sources) {
        const gone = s.kind === "file" && missing.includes(s.name.slice("path:".length));
        this.o.state.updateSource(s.name, gone ? { lastRunAt: at, lastError: { code: "ERR_PATH_NOT_FOUND", message: `${s.name.slice(5)} does not exist` } } : { ready: true, lastRunAt: at, lastError: undefined });
      }
    } catch (err) {
      this.o.log("error", "scan not recorded", { code: (err as { code?: string }).code, error: describeError(err) });
      this.o.state.update({ diagnosis: { result, paths: this.o.paths, sourceKinds: this.o.sources.map((s) => s.kind) } });
    }
  }

  private async maybePrune(): Promise<void> {
    const t = Date.now();
    if (t - this.lastPrune < 3_600_000) return;
    this.lastPrune = t;
    try {
      const r = await this.o.store.prune(this.o.now().getTime() - this.o.retentionMs);
      if (r.deleted > 0) this.o.log("info", "history pruned", { deleted: r.deleted, batches: r.batches });
    } catch (err) {
      this.o.log("error", "pruning failed", { error: describeError(err) });
    }
  }

  /** Resolves after the first recorded pass (or when the loop stopped). */
  async firstPass(timeoutMs = 600_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.passes === 0 && !this.stop.signal.aborted && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  }

  /** Stops watching; lets a pass in progress finish (its write is one transaction) and returns. */
  async close(): Promise<void> {
    this.stop.abort();
    this.wake?.();
    for (const w of this.watchers) w.close();
    await this.running;
    await this.reflectorsDone;
  }

  /** Rethrows what stopped the loop, if it was a configuration problem. */
  throwIfFatal(): void {
    if (this.fatal !== undefined) throw this.fatal;
  }

  get stopped(): AbortSignal {
    return this.stop.signal;
  }
}
