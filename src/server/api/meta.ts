/**
 * `GET /api/v1/status` (cheap: the store generation the dashboard polls, last scan, sources, leader),
 * `GET /api/v1/summary` (counts and expiry buckets for charts), `GET /api/v1/rules` (the rule catalogue)
 * and `POST /api/v1/scans` (ask the leader for a scan now).
 */
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { rules } from "../../rules/index.js";
import type { RouteModule } from "../app.js";
import { Query } from "../query.js";

export const metaRoutes: RouteModule = {
  name: "meta",
  register(app, ctx) {
    app.get("/api/v1/status", async (c) => {
      new Query(c, []);
      const store = await ctx.store.status();
      const state = ctx.state.current();
      return c.json({
        now: new Date(ctx.clock()).toISOString(),
        generation: store.generation,
        lastScanAt: store.lastScanAt,
        lastScanId: store.lastScanId,
        leader: state.leader,
        stateVersion: state.version,
        store: { backend: store.backend, ok: store.ok, ...(store.error ? { error: store.error } : {}) },
        sources: state.sources.map((s) => ({ name: s.name, kind: s.kind, ready: s.ready, lastRunAt: s.lastRunAt === undefined ? null : new Date(s.lastRunAt).toISOString(), ...(s.lastError ? { lastError: s.lastError } : {}) })),
      });
    });
    app.get("/api/v1/summary", async (c) => {
      new Query(c, []);
      return c.json(await ctx.store.summary(ctx.clock()));
    });
    app.get("/api/v1/rules", (c) => {
      new Query(c, []);
      return c.json({ items: rules.map((r) => ({ id: r.id, severity: r.severity, title: r.title, explain: r.explain })) });
    });
    app.post("/api/v1/scans", (c) => {
      new Query(c, []);
      if (ctx.requestScan === undefined || !ctx.requestScan()) throw new CertdoctorError(ErrorCode.ERR_NOT_LEADER, "this replica does not scan (not the leader, or no source configured)");
      return c.json({ requested: true }, 202);
    });
  },
};
