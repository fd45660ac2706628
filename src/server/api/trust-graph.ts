/** `GET /api/v1/trust-graph`: the CAs in use, what each signed (counts plus the first `leaves`), issuer edges, and divergent variants of one CA identity. */
import type { RouteModule } from "../app.js";
import { Query } from "../query.js";

export const trustGraphRoutes: RouteModule = {
  name: "trust-graph",
  register(app, ctx) {
    app.get("/api/v1/trust-graph", async (c) => {
      const q = new Query(c, ["leaves"]);
      return c.json(await ctx.store.trustGraph(q.int("leaves", 0, 200) ?? 20));
    });
  },
};
