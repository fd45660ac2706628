/** `GET /api/v1/nodes` (agent status, last report, certificate and finding counts per node) and `GET /api/v1/namespaces`. */
import type { RouteModule } from "../app.js";
import { Query } from "../query.js";

export const nodeRoutes: RouteModule = {
  name: "nodes",
  register(app, ctx) {
    app.get("/api/v1/nodes", async (c) => {
      new Query(c, []);
      return c.json({ items: await ctx.store.nodes(ctx.clock(), ctx.agentSilentAfterMs) });
    });
    app.get("/api/v1/namespaces", async (c) => {
      new Query(c, []);
      return c.json({ items: await ctx.store.namespaces() });
    });
  },
};
