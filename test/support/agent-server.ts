/**
 * `certdoctor serve`'s server in-process on loopback HTTPS, as node agents report to it in end-to-end tests: no
 * scan sources, bearer tokens from `tokenFile`, the given certificate, a pinned clock, a silent log. `extra` adds or
 * overrides configuration (report limits, metrics).
 */
import { TokenFileAuth } from "../../src/server/auth.js";
import { createLogger } from "../../src/server/log.js";
import { startServer, type RunningServer, type ServerConfig } from "../../src/server/run-server.js";
import type { Store } from "../../src/store/types.js";

export function startAgentServer(o: { store: Store; tls: { cert: Buffer; key: Buffer }; tokenFile: string; now: string; extra?: Partial<ServerConfig> }): Promise<RunningServer> {
  return startServer({
    paths: [],
    sources: [],
    store: o.store,
    host: "127.0.0.1",
    port: 0,
    tls: o.tls,
    auth: new TokenFileAuth(o.tokenFile),
    intervalMs: 3_600_000,
    retentionMs: 90 * 86_400_000,
    warnDays: 30,
    critDays: 7,
    agentSilentAfterMs: 3 * 3_600_000,
    fixedNow: new Date(o.now),
    log: createLogger(() => undefined),
    ...o.extra,
  });
}
