/**
 * One running `certdoctor serve`: the store, the scan loop writing it, the app reading it, and the
 * listener. `close()` is the graceful shutdown: stop accepting connections, let a pass in progress
 * commit, stop the watches, close the store.
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
}

export interface RunningServer {
  url: string;
  app: App;
  loop: ScanLoop;
  state: ServerState;
  listening: Listening;
  close(): Promise<void>;
}

export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  const clock = cfg.fixedNow ? () => cfg.fixedNow!.getTime() : Date.now;
  const state = new ServerState(sourceProgress(cfg.paths, cfg.sources));
  const loop = new ScanLoop({
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
    initialPass: cfg.paths.length > 0 || cfg.sources.length > 0,
    ...(cfg.debounceMs === undefined ? {} : { debounceMs: cfg.debounceMs }),
    ...(cfg.workers === undefined ? {} : { workers: cfg.workers }),
  });
  const hasSources = cfg.paths.length > 0 || cfg.sources.length > 0;
  const app = createApp(
    {
      store: cfg.store,
      state,
      auth: cfg.auth,
      limits: { ...defaultServerLimits, ...cfg.limits },
      log: cfg.log,
      clock,
      agentSilentAfterMs: cfg.agentSilentAfterMs,
      ...(hasSources ? { requestScan: () => loop.requestScan() } : {}),
      ...(cfg.metrics ? { metrics: cfg.metrics } : {}),
    },
    routeModules,
  );
  const listening = await listen(app, { host: cfg.host, port: cfg.port, ...(cfg.tls ? { tls: cfg.tls } : {}) });
  // without sources of its own the loop still runs: it prunes and raises agent-silent for the agents
  loop.start();
  let closing: Promise<void> | undefined;
  return {
    url: listening.url,
    app,
    loop,
    state,
    listening,
    close() {
      closing ??= (async () => {
        await listening.close();
        await loop.close().catch((err: unknown) => cfg.log("error", "scan loop did not stop cleanly", { error: describeError(err) }));
        await cfg.store.close();
      })();
      return closing;
    },
  };
}
