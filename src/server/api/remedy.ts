/**
 * `GET /api/v1/rotation` (CA rotation progress: per CA identity, which places hold the new CA, and who
 * lags) and `GET /api/v1/plan` (the remediation plan) over the server's latest diagnosis of its own
 * sources — the same pure builders `certdoctor rotation` and `certdoctor plan` print. 503 until the first
 * scan completed (or on a replica that does not scan).
 */
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { buildPlan } from "../../remedy/plan.js";
import { buildRotationReport } from "../../remedy/rotation.js";
import type { RouteModule, ServerContext } from "../app.js";
import { Query } from "../query.js";

function latest(ctx: ServerContext) {
  const d = ctx.state.current().diagnosis;
  if (d === undefined) throw new CertdoctorError(ErrorCode.ERR_STORE_UNAVAILABLE, "no diagnosis yet: this server has not completed a scan of its own sources");
  return d;
}

export const remedyRoutes: RouteModule = {
  name: "remedy",
  register(app, ctx) {
    app.get("/api/v1/rotation", (c) => {
      new Query(c, []);
      const { result } = latest(ctx);
      return c.json(buildRotationReport(result.inventory, result.evaluatedAt));
    });
    app.get("/api/v1/plan", (c) => {
      new Query(c, []);
      const d = latest(ctx);
      return c.json(buildPlan(d.result, { rescan: `certdoctor scan ${d.paths.map((p) => `--path ${p}`).join(" ")}`.trim() }));
    });
  },
};
