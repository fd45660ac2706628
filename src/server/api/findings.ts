/** `GET /api/v1/findings`: open (or resolved) findings, worst and soonest-breaking first, filtered and paged, with facet counts. */
import type { RouteModule } from "../app.js";
import { Query } from "../query.js";

const SEVERITIES = ["critical", "warning", "info"] as const;

export const findingRoutes: RouteModule = {
  name: "findings",
  register(app, ctx) {
    app.get("/api/v1/findings", async (c) => {
      const q = new Query(c, ["severity", "rule", "node", "namespace", "state", "facets", "limit", "cursor"]);
      const page = await ctx.store.findings({
        severity: q.list("severity", SEVERITIES),
        rule: q.words("rule"),
        node: q.string("node"),
        namespace: q.string("namespace"),
        state: q.oneOf("state", ["open", "resolved", "all"] as const, "open"),
        facets: q.bool("facets") ?? false,
        limit: q.limit(ctx.limits),
        cursor: q.cursor(),
      });
      return c.json(page);
    });
  },
};
