/**
 * The server's HTTP app (Hono): JSON errors, authentication for `/api/*`, and the route modules listed
 * in `routes.ts` — each module registers its own routes on the app, so `/metrics` and the dashboard plug
 * in with one line there. The app is a fetch handler: tests call `app.request()` in-process with no port;
 * `listen.ts` puts it on a plain or TLS socket.
 *
 * Why Hono: a tiny dependency-free core on Web-standard Request/Response (in-process testing and the
 * same handlers on any socket), routing and middleware composition for independent modules; plain
 * node:http would need a router, body limits and a test harness written here.
 */
import type { HttpBindings } from "@hono/node-server";
import { Hono, type MiddlewareHandler } from "hono";
import type { TLSSocket } from "node:tls";
import { CertdoctorError, ErrorCode, isCertdoctorError } from "../errors.js";
import type { Store } from "../store/types.js";
import type { AuthPolicy, Principal } from "./auth.js";
import { errorBody, statusOf } from "./http.js";
import type { Logger } from "./log.js";
import type { ServerMetricsConfig } from "./metrics.js";
import type { PageLimits } from "./query.js";
import type { ServerState } from "./state.js";

export type AppEnv = { Bindings: Partial<HttpBindings>; Variables: { principal: Principal } };
export type App = Hono<AppEnv>;

export interface ServerLimits extends PageLimits {
  /** Largest agent report body accepted (413 above). */
  maxReportBytes: number;
  /** Largest number of certificates, findings or notes in one report (422 above). */
  maxReportItems: number;
}

export const defaultServerLimits: ServerLimits = {
  defaultPageSize: 100,
  maxPageSize: 1000,
  maxReportBytes: 8 * 1024 * 1024,
  maxReportItems: 20_000,
};

/** What route modules get. */
export interface ServerContext {
  store: Store;
  state: ServerState;
  auth: AuthPolicy;
  limits: ServerLimits;
  log: Logger;
  /** ms since the epoch; pinned in tests. */
  clock: () => number;
  /** An agent is silent after this long without a report (`agent-silent`, node status). */
  agentSilentAfterMs: number;
  /** What `/metrics` exposes and whether it needs the token (docs/metrics.md); defaults when absent. */
  metrics?: ServerMetricsConfig;
  /** Asks the scan loop for a scan now; false when this replica does not scan (not the leader, no sources). */
  requestScan?: () => boolean;
  /** Returns the middleware that authenticates a request (401 JSON otherwise). */
  requireAuth(options?: { allowClientCert?: boolean }): MiddlewareHandler<AppEnv>;
}

/** A set of routes; listed explicitly in routes.ts. */
export interface RouteModule {
  readonly name: string;
  register(app: App, ctx: ServerContext): void;
}

export type ServerDeps = Omit<ServerContext, "requireAuth">;

/** The client certificate the TLS listener verified (against --client-ca), if any. */
function verifiedClientCert(c: { env: Partial<HttpBindings> | undefined }): { subject: string } | undefined {
  const socket = c.env?.incoming?.socket as TLSSocket | undefined;
  if (!socket || typeof socket.getPeerCertificate !== "function" || !socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return undefined;
  const cn = peer.subject?.CN;
  return { subject: Array.isArray(cn) ? cn.join(",") : (cn ?? "") };
}

export function createApp(deps: ServerDeps, modules: readonly RouteModule[]): App {
  const ctx: ServerContext = {
    ...deps,
    requireAuth: ({ allowClientCert = false } = {}) =>
      async (c, next) => {
        const principal = deps.auth.authenticate(c.req.header("authorization"), allowClientCert ? verifiedClientCert(c) : undefined, allowClientCert);
        if (principal === undefined) {
          c.header("WWW-Authenticate", 'Bearer realm="certdoctor"');
          return c.json(errorBody(ErrorCode.ERR_HTTP_UNAUTHORIZED, "a valid bearer token is required (Authorization: Bearer <token>)"), 401);
        }
        c.set("principal", principal);
        await next();
      },
  };
  const app: App = new Hono<AppEnv>();
  app.onError((err, c) => {
    if (isCertdoctorError(err) && err.code !== ErrorCode.ERR_INTERNAL) {
      const status = statusOf(err.code);
      if (status >= 500) deps.log("error", err.message, { code: err.code, path: c.req.path });
      return c.json(errorBody(err.code, err.message, status), status as 400);
    }
    deps.log("error", "internal error answering a request", { code: ErrorCode.ERR_INTERNAL, path: c.req.path, error: err instanceof Error ? err.message : String(err) });
    return c.json(errorBody(ErrorCode.ERR_INTERNAL, "internal error; the server log has the details"), 500);
  });
  app.notFound((c) => c.json(errorBody(ErrorCode.ERR_HTTP_NOT_FOUND, `no route ${c.req.method} ${c.req.path.slice(0, 200)}`), 404));
  app.use("/api/*", async (c, next) => {
    c.header("Cache-Control", "no-store");
    await next();
  });
  for (const m of modules) m.register(app, ctx);
  return app;
}

/** A 404 for a resource the route knows but the store does not hold. */
export function notFound(what: string): never {
  throw new CertdoctorError(ErrorCode.ERR_HTTP_NOT_FOUND, `${what} not found`);
}
