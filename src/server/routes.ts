/**
 * Every route module of the server, in registration order. To add routes (e.g. `/metrics`, the
 * dashboard's static files at `/`), write a module exporting a `RouteModule` and list it here. Modules
 * under `/api/` get authentication from the app; others call `ctx.requireAuth()` themselves where needed.
 */
import type { RouteModule } from "./app.js";
import { agentReportRoutes } from "./api/agent-reports.js";
import { certificateRoutes } from "./api/certificates.js";
import { findingRoutes } from "./api/findings.js";
import { metaRoutes } from "./api/meta.js";
import { nodeRoutes } from "./api/nodes.js";
import { remedyRoutes } from "./api/remedy.js";
import { timelineRoutes } from "./api/timeline.js";
import { trustGraphRoutes } from "./api/trust-graph.js";
import { dashboardRoutes } from "./dashboard.js";
import { healthRoutes } from "./health.js";
import { metricsRoutes } from "./metrics.js";

/** Authentication for the read API (agent reports authenticate in their own route: they also accept mTLS). */
const apiAuth: RouteModule = {
  name: "api-auth",
  register(app, ctx) {
    const auth = ctx.requireAuth();
    app.use("/api/*", async (c, next) => (c.req.path === "/api/v1/agent-reports" ? next() : auth(c, next)));
  },
};

export const routeModules: readonly RouteModule[] = [
  healthRoutes,
  metricsRoutes,
  apiAuth,
  agentReportRoutes,
  findingRoutes,
  certificateRoutes,
  timelineRoutes,
  trustGraphRoutes,
  nodeRoutes,
  remedyRoutes,
  metaRoutes,
  dashboardRoutes,
];
