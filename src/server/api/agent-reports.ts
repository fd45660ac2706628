/**
 * `POST /api/v1/agent-reports`: node-agent ingestion exactly as docs/agent.md's POST contract says —
 * bearer token or a client certificate verified by the listener, `Idempotency-Key: <agentId>:<sequence>`,
 * a bounded JSON body. 201 when stored; 409 when that key was stored before (the agent then drops its
 * copy); 400/413/415/422 with a reason, nothing stored, for a report that breaks the contract.
 */
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { RouteModule } from "../app.js";
import { holdsPrivateKey, parseAgentReport } from "../agent-report.js";
import { readJsonBody } from "../http.js";
import { Query } from "../query.js";

export const agentReportRoutes: RouteModule = {
  name: "agent-reports",
  register(app, ctx) {
    app.post("/api/v1/agent-reports", ctx.requireAuth({ allowClientCert: true }), async (c) => {
      new Query(c, []);
      const body = await readJsonBody(c, ctx.limits.maxReportBytes);
      if (holdsPrivateKey(JSON.stringify(body))) throw new CertdoctorError(ErrorCode.ERR_REPORT_INVALID, "report holds private key material; refused (reports carry only public data and key fingerprints)");
      const parsed = parseAgentReport(body, { idempotencyKey: c.req.header("idempotency-key"), agentId: c.req.header("x-certdoctor-agent-id"), sequence: c.req.header("x-certdoctor-sequence") }, ctx.clock(), ctx.limits.maxReportItems);
      const result = await ctx.store.recordAgentReport(parsed.meta, parsed.observation);
      if (!result.stored) return c.json({ stored: false, duplicate: true, idempotencyKey: `${parsed.meta.agentId}:${parsed.meta.sequence}` }, 409);
      ctx.log("info", "agent report stored", { node: parsed.meta.node, sequence: parsed.meta.sequence, certificates: parsed.observation.certificates.length, changes: result.summary.changes });
      return c.json({ stored: true, scanId: result.summary.scanId, changes: result.summary.changes }, 201);
    });
  },
};
