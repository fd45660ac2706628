/** `GET /api/v1/timeline`: every change at a location (appeared, changed, removed), newest first, with who changed it when the source knows. */
import type { RouteModule } from "../app.js";
import { badQuery } from "../http.js";
import { Query } from "../query.js";

export const timelineRoutes: RouteModule = {
  name: "timeline",
  register(app, ctx) {
    app.get("/api/v1/timeline", async (c) => {
      const q = new Query(c, ["since", "until", "location", "kind", "ca", "node", "namespace", "fingerprint", "limit", "cursor"]);
      const now = ctx.clock();
      const since = q.time("since", now);
      const until = q.time("until", now);
      if (since !== undefined && until !== undefined && since > until) badQuery("since is after until");
      const fingerprint = q.string("fingerprint");
      if (fingerprint !== undefined && !/^[0-9a-f]{64}$/.test(fingerprint)) badQuery("fingerprint must be 64 lowercase hex digits");
      const page = await ctx.store.timeline({
        since,
        until,
        locationPrefix: q.string("location"),
        kind: q.list("kind", ["appeared", "changed", "removed"] as const),
        caOnly: q.bool("ca"),
        node: q.string("node"),
        namespace: q.string("namespace"),
        fingerprint,
        limit: q.limit(ctx.limits),
        cursor: q.cursor(),
      });
      return c.json(page);
    });
  },
};
