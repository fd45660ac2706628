/**
 * `GET /healthz` (the process answers) and `GET /readyz` (the store is open and writable, and every
 * configured source has completed one pass; otherwise 503 naming what is not ready and why). Both are
 * unauthenticated, like kube-apiserver's, and say nothing about certificates.
 */
import type { RouteModule } from "./app.js";

export const healthRoutes: RouteModule = {
  name: "health",
  register(app, ctx) {
    app.get("/healthz", (c) => c.json({ status: "ok" }));
    app.get("/readyz", async (c) => {
      const store = await ctx.store.status().catch((err: unknown) => ({ ok: false, backend: ctx.store.backend, error: { code: "ERR_STORE_UNAVAILABLE", message: err instanceof Error ? err.message : String(err) } }));
      const state = ctx.state.current();
      const notReady: Array<{ name: string; reason: string }> = [];
      if (!store.ok) notReady.push({ name: "store", reason: store.error ? `${store.error.code}: ${store.error.message}` : "not open" });
      if (state.leader) for (const s of state.sources) if (!s.ready) notReady.push({ name: s.name, reason: s.lastError ? `${s.lastError.code}: ${s.lastError.message}` : "first pass not complete" });
      const body = {
        status: notReady.length === 0 ? "ready" : "not-ready",
        leader: state.leader,
        store: { backend: store.backend, ok: store.ok, ...(store.error ? { error: store.error } : {}) },
        sources: state.sources.map((s) => ({ name: s.name, kind: s.kind, ready: s.ready, lastRunAt: s.lastRunAt === undefined ? null : new Date(s.lastRunAt).toISOString(), ...(s.lastError ? { lastError: s.lastError } : {}) })),
        notReady,
      };
      return c.json(body, notReady.length === 0 ? 200 : 503);
    });
  },
};
