/** `GET /api/v1/certificates` (filtered, sorted, paged) and `GET /api/v1/certificates/{fingerprint}` (every placement past and present, chain, what it signed, who trusts it, its findings and changes). */
import { notFound, type RouteModule } from "../app.js";
import { badQuery } from "../http.js";
import { Query } from "../query.js";

const SORTS = ["notAfter", "subject", "role", "node", "namespace"] as const;
const FINGERPRINT = /^[0-9a-f]{64}$/;

export const certificateRoutes: RouteModule = {
  name: "certificates",
  register(app, ctx) {
    app.get("/api/v1/certificates", async (c) => {
      const q = new Query(c, ["node", "namespace", "role", "ca", "q", "expiresBefore", "expiresWithin", "current", "sort", "order", "limit", "cursor"]);
      const now = ctx.clock();
      const within = q.string("expiresWithin");
      let expiresBefore = q.time("expiresBefore", now);
      if (within !== undefined) {
        const back = q.time("expiresWithin", now);
        if (!/^\d+[smhd]$/.test(within) || back === undefined) badQuery(`expiresWithin must be a duration such as 30d (got "${within.slice(0, 64)}")`);
        expiresBefore = now + (now - back);
      }
      const page = await ctx.store.certificates({
        node: q.string("node"),
        namespace: q.string("namespace"),
        role: q.string("role"),
        ca: q.bool("ca"),
        q: q.string("q"),
        expiresBefore,
        current: q.bool("current") ?? true,
        sort: q.oneOf("sort", SORTS, "notAfter"),
        order: q.oneOf("order", ["asc", "desc"] as const, "asc"),
        limit: q.limit(ctx.limits),
        cursor: q.cursor(),
      });
      return c.json(page);
    });
    app.get("/api/v1/certificates/:fingerprint", async (c) => {
      new Query(c, []);
      const fp = c.req.param("fingerprint");
      if (!FINGERPRINT.test(fp)) badQuery("fingerprint must be the certificate's SHA-256: 64 lowercase hex digits");
      const detail = await ctx.store.certificate(fp, ctx.clock());
      if (detail === undefined) notFound(`certificate ${fp}`);
      return c.json(detail);
    });
  },
};
