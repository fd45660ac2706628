/**
 * One running `certdoctor serve`: the store, the scan loop writing it, the app reading it, and the
 * listener. `close()` is the graceful shutdown: stop accepting connections, let a pass in progress
 * commit, stop the watches, close the store. Under leader election (`elect`) the scan loop — the store's
 * writer for scope `server`: scans, watches, probes, pruning, agent-silent — runs only for a term of
 * leadership, a fresh loop each term; a replica that is not leading serves the API, /metrics and the
 * dashboard from the shared store, and its state says `leader: false`.
 */
import { describeError } from "../errors.js";
import type { Source } from "../model/scan.js";
import type { Store } from "../store/types.js";
import { createApp, defaultServerLimits, type App, type ServerLimits } from "./app.js";
import type { AuthPolicy } from "./auth.js";
import { listen, type Listening, type TlsMaterial } from "./listen.js";
import type { Logger } from "./log.js";
import type { ServerMetricsConfig } from "./metrics.js";
import { routeModules } from "./routes.js";
import { ScanLoop, sourceProgress } from "./scan-loop.js";
import { ServerState } from "./state.js";

export interface ServerConfig {
  paths: string[];
  scopes?: Record<string, string>;
  sources: Source[];
  store: Store;
  host: string;
  port: number;
  tls?: TlsMaterial;
  auth: AuthPolicy;
  intervalMs: number;
  retentionMs: number;
  warnDays: number;
  critDays: number;
  agentSilentAfterMs: number;
  /** Pinned evaluation time (--now); the wall clock otherwise. */
  fixedNow?: Date;
  log: Logger;
  debounceMs?: number;
  workers?: number;
  limits?: Partial<ServerLimits>;
  metrics?: ServerMetricsConfig;
  /**
   * Leader election: runs `work` while this replica holds the Lease, aborting its signal when the Lease
   * is lost, until `signal` aborts (src/controller/leader.ts LeaderElector.run). Absent: always leading.
   */
  elect?: (signal: AbortSignal, work: (leading: AbortSignal) => Promise<void>) => Promise<void>;
}

export interface RunningServer {
  url: string;
  app: App;
  /** The scan loop of the current term of leadership (always the same one without election). */
  loop(): ScanLoop | undefined;
  /** Aborts when the server must end: a configuration problem stopped its scan loop. */
  stopped: AbortSignal;
  /** Rethrows what stopped the server, if it was a configuration problem. */
  throwIfFatal(): void;
  state: ServerState;
  listening: Listening;
  close(): Promise<void>;
}

export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  const clock = cfg.fixedNow ? () => cfg.fixedNow!.getTime() : Date.now;
  const state = new ServerState(sourceProgress(cfg.paths, cfg.sources), cfg.elect === undefined);
  const hasSources = cfg.paths.length > 0 || cfg.sources.length > 0;
  const makeLoop = () =>
    new ScanLoop({
      paths: cfg.paths,
      ...(cfg.scopes ? { scopes: cfg.scopes } : {}),
      sources: cfg.sources,
      store: cfg.store,
      state,
      log: cfg.log,
      now: () => new Date(clock()),
      intervalMs: cfg.intervalMs,
      warnDays: cfg.warnDays,
      critDays: cfg.critDays,
      retentionMs: cfg.retentionMs,
      agentSilentAfterMs: cfg.agentSilentAfterMs,
      initialPass: hasSources,
      ...(cfg.debounceMs === undefined ? {} : { debounceMs: cfg.debounceMs }),
      ...(cfg.workers === undefined ? {} : { workers: cfg.workers }),
    });
  let loop: ScanLoop | undefined;
  const stopped = new AbortController();
  let fatal: ScanLoop | undefined;
  const app = createApp(
    {
      store: cfg.store,
      state,
      auth: cfg.auth,
      limits: { ...defaultServerLimits, ...cfg.limits },
      log: cfg.log,
      clock,
      agentSilentAfterMs: cfg.agentSilentAfterMs,
      ...(hasSources ? { requestScan: () => (state.current().leader && loop !== undefined ? loop.requestScan() : false) } : {}),
      ...(cfg.metrics ? { metrics: cfg.metrics } : {}),
    },
    routeModules,
  );
  const listening = await listen(app, { host: cfg.host, port: cfg.port, ...(cfg.tls ? { tls: cfg.tls } : {}) });
  let electing: Promise<void> | undefined;
  const shutdown = new AbortController();
  if (cfg.elect === undefined) {
    // without sources of its own the loop still runs: it prunes and raises agent-silent for the agents
    loop = makeLoop();
    loop.start();
    loop.stopped.addEventListener("abort", () => {
      fatal = loop;
      stopped.abort();
    }, { once: true });
  } else {
    electing = cfg.elect(shutdown.signal, async (leading) => {
      const term = makeLoop();
      loop = term;
      state.update({ leader: true });
      cfg.log("info", "leading: scanning and writing the store");
      term.start();
      await new Promise<void>((done) => {
        if (leading.aborted || term.stopped.aborted) return done();
        leading.addEventListener("abort", () => done(), { once: true });
        term.stopped.addEventListener("abort", () => done(), { once: true });
      });
      const failed = term.stopped.aborted && !leading.aborted;
      // a pass in progress commits (one transaction) before the next leader can have acquired:
      // the elector's renew deadline is shorter than the lease duration
      await term.close().catch((err: unknown) => cfg.log("error", "scan loop did not stop cleanly", { error: describeError(err) }));
      state.update({ leader: false, diagnosis: undefined, sources: sourceProgress(cfg.paths, cfg.sources) });
      if (failed) {
        fatal = term;
        stopped.abort();
      }
    });
  }
  let closing: Promise<void> | undefined;
  return {
    url: listening.url,
    app,
    loop: () => loop,
    stopped: stopped.signal,
    throwIfFatal: () => fatal?.throwIfFatal(),
    state,
    listening,
    close() {
      closing ??= (async () => {
        await listening.close();
        shutdown.abort();
        await electing;
        if (cfg.elect === undefined) await loop?.close().catch((err: unknown) => cfg.log("error", "scan loop did not stop cleanly", { error: describeError(err) }));
        await cfg.store.close();
      })();
      return closing;
    },
  };
}
