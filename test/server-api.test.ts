/**
 * The JSON API over HTTP on loopback, backed by a real SQLite store holding the demo cluster's scan,
 * a second scan with a renewed certificate, and a node agent's report: every GET route answers with
 * data that docs/api/openapi.yaml describes exactly (each field valid, no field undocumented), and the
 * answers are the store's real contents.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { scan } from "../src/engine/scan.js";
import { noAuth } from "../src/server/auth.js";
import { createLogger } from "../src/server/log.js";
import { startServer, type RunningServer } from "../src/server/run-server.js";
import { observationFromScan } from "../src/store/observe.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { ApiCertificate, ApiChange, ApiFinding, FindingPage, Page } from "../src/store/types.js";
import { demoNow, demoPath } from "./support/fixtures.js";
import { http } from "./support/http.js";
import { loadOpenApi, responseSchema, validate, type OpenApiDoc } from "./support/openapi.js";

type Schema = Record<string, unknown>;
const doc = loadOpenApi();

function resolve(d: OpenApiDoc, s: Schema): Schema {
  let cur = s;
  while (typeof cur.$ref === "string") {
    let node: unknown = d;
    for (const part of (cur.$ref as string).replace(/^#\//, "").split("/")) node = (node as Record<string, unknown>)[part];
    cur = node as Schema;
  }
  return cur;
}

/** Properties present in `value` that the schema does not document (allOf merged). */
function undocumented(d: OpenApiDoc, schema: Schema, value: unknown, at = "$"): string[] {
  const s = resolve(d, schema);
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) return s.items ? value.flatMap((v, i) => undocumented(d, s.items as Schema, v, `${at}[${i}]`)) : [];
  const parts = [s, ...((s.allOf as Schema[] | undefined) ?? []).map((x) => resolve(d, x))];
  const props: Record<string, Schema> = Object.assign({}, ...parts.map((p) => (p.properties as Record<string, Schema> | undefined) ?? {}));
  const extra = parts.find((p) => p.additionalProperties && typeof p.additionalProperties === "object")?.additionalProperties as Schema | undefined;
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k in props) out.push(...undocumented(d, props[k]!, v, `${at}.${k}`));
    else if (extra) out.push(...undocumented(d, extra, v, `${at}.${k}`));
    else out.push(`${at}.${k}`);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "certdoctor-api-"));
let server: RunningServer;
let firstScan: Awaited<ReturnType<typeof scan>>;
const DAY = 86_400_000;

before(async () => {
  const store = await openSqliteStore(join(dir, "api.db"));
  const first = await scan({ paths: [demoPath()], now: demoNow, warnDays: 30, critDays: 7, workers: 0 });
  firstScan = first;
  await store.recordObservation(observationFromScan(first));
  // a day later, one certificate is gone from its place: a removal on the timeline
  const second = await scan({ paths: [demoPath()], now: new Date(demoNow.getTime() + DAY), warnDays: 30, critDays: 7, workers: 0 });
  const dropped = second.certificates.find((c) => !c.record.isCA && c.locations.length === 1)!;
  second.certificates = second.certificates.filter((c) => c !== dropped);
  await store.recordObservation(observationFromScan(second));
  await store.recordAgentReport(
    { agentId: "11111111-2222-4333-8444-555555555555", sequence: 1, node: "worker-1", agentVersion: "0.1.0", receivedAt: demoNow.getTime(), scannedAt: demoNow.getTime(), dropped: 0 },
    { ...observationFromScan(first, { scope: "agent:worker-1" }), source: { kind: "agent", name: "worker-1" }, findings: [] },
  );
  server = await startServer({ paths: [], sources: [], store, host: "127.0.0.1", port: 0, auth: noAuth, intervalMs: 3_600_000, retentionMs: 90 * DAY, warnDays: 30, critDays: 7, agentSilentAfterMs: 3 * 3_600_000, fixedNow: demoNow, log: createLogger(() => undefined) });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get<T>(path: string, schemaPath = path.split("?")[0]!): Promise<T> {
  const res = await http(`${server.url}${path}`);
  assert.equal(res.status, 200, `${path}: ${res.body.slice(0, 300)}`);
  const body = res.json<T>();
  const schema = responseSchema(doc, "GET", schemaPath, 200);
  assert.deepEqual(validate(doc, schema, body), [], path);
  assert.deepEqual(undocumented(doc, schema, body), [], `${path}: fields missing from openapi.yaml`);
  return body;
}

describe("API over a real store", () => {
  it("GET /api/v1/findings: the demo's findings, worst first, with facets, every field documented", async () => {
    const page = await get<FindingPage>("/api/v1/findings?facets=true&limit=1000");
    assert.ok(page.total > 5);
    assert.equal(page.items.length, page.total);
    const ranks = page.items.map((f) => ({ critical: 0, warning: 1, info: 2 })[f.severity]);
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
    assert.equal(Object.values(page.facets!.severity).reduce((a, b) => a + b, 0), page.total);
    assert.ok(page.items.some((f: ApiFinding) => f.rule === "ca-divergence"));
    const crit = await get<FindingPage>("/api/v1/findings?severity=critical&limit=2");
    assert.ok(crit.items.every((f) => f.severity === "critical"));
    const next = await get<FindingPage>(`/api/v1/findings?severity=critical&limit=2&cursor=${crit.next}`);
    assert.notDeepEqual(next.items.map((f) => f.id), crit.items.map((f) => f.id));
  });

  it("keyset pages: walking findings, certificates (each sort and order) and the timeline page by page gives the unpaged list exactly; a cursor works only for its route and order", async () => {
    const walk = async (route: string, query: string): Promise<string[]> => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<{ id?: string | number; fingerprint?: string }> = await get(`${route}?${query}&limit=7${cursor ? `&cursor=${cursor}` : ""}`, route);
        ids.push(...page.items.map((i) => String(i.fingerprint ?? i.id)));
        cursor = page.next;
      } while (cursor !== null && ids.length < 5000);
      return ids;
    };
    const whole = async (route: string, query: string) => (await get<Page<{ id?: string | number; fingerprint?: string }>>(`${route}?${query}&limit=1000`, route)).items.map((i) => String(i.fingerprint ?? i.id));
    for (const query of ["state=all", "severity=critical,warning"]) assert.deepEqual(await walk("/api/v1/findings", query), await whole("/api/v1/findings", query), query);
    for (const sort of ["notAfter", "subject", "role", "node", "namespace"]) {
      for (const order of ["asc", "desc"]) {
        const query = `current=false&sort=${sort}&order=${order}`;
        const all = await whole("/api/v1/certificates", query);
        assert.ok(all.length > 20);
        assert.deepEqual(await walk("/api/v1/certificates", query), all, query);
      }
    }
    assert.deepEqual(await walk("/api/v1/timeline", "kind=appeared,removed"), await whole("/api/v1/timeline", "kind=appeared,removed"));
    const bySubject = await get<Page<ApiCertificate>>("/api/v1/certificates?sort=subject&limit=2");
    for (const wrong of [`/api/v1/certificates?sort=notAfter&cursor=${bySubject.next}`, `/api/v1/certificates?sort=subject&order=desc&cursor=${bySubject.next}`, `/api/v1/timeline?cursor=${bySubject.next}`]) {
      const res = await http(`${server.url}${wrong}`);
      assert.equal(res.status, 400, wrong);
      assert.equal(res.json<{ error: { code: string } }>().error.code, "ERR_QUERY_INVALID");
    }
  });

  it("GET /api/v1/certificates and /certificates/{fingerprint}: placements, chain, signed, trustedBy, changes", async () => {
    const page = await get<Page<ApiCertificate>>("/api/v1/certificates?limit=1000");
    assert.ok(page.total > 20);
    const leaf = page.items.find((c) => !c.isCA && c.issuers.length > 0)!;
    const detail = await get<{ chain: Array<{ fingerprint: string }>; placements: unknown[]; changes: ApiChange[] }>(`/api/v1/certificates/${leaf.fingerprint}`, "/api/v1/certificates/{fingerprint}");
    assert.ok(detail.chain.length >= 1);
    assert.equal(detail.chain[0]!.fingerprint, leaf.issuers[0]!.fingerprint);
    assert.ok(detail.placements.length >= 1);
    assert.ok(detail.changes.some((c) => c.kind === "appeared"));
    const ca = page.items.find((c) => c.isCA)!;
    const caDetail = await get<{ signed: { total: number } }>(`/api/v1/certificates/${ca.fingerprint}`, "/api/v1/certificates/{fingerprint}");
    assert.ok(caDetail.signed.total >= 0);
    const gone = await http(`${server.url}/api/v1/certificates/${"0".repeat(64)}`);
    assert.equal(gone.status, 404);
    const cas = await get<Page<ApiCertificate>>("/api/v1/certificates?ca=true&sort=subject&order=desc");
    assert.ok(cas.items.every((c) => c.isCA));
    const soon = await get<Page<ApiCertificate>>("/api/v1/certificates?expiresWithin=30d");
    assert.ok(soon.items.every((c) => Date.parse(c.notAfter) < demoNow.getTime() + 30 * DAY));
  });

  it("GET /api/v1/timeline: the removal of the second scan, newest first, filtered by kind and location", async () => {
    const removed = await get<Page<ApiChange>>("/api/v1/timeline?kind=removed");
    assert.ok(removed.total >= 1);
    assert.ok(removed.items.every((c) => c.kind === "removed" && c.newFingerprint === null && c.at === new Date(demoNow.getTime() + DAY).toISOString()));
    const prefix = removed.items[0]!.location.ref.slice(0, 20);
    const byPrefix = await get<Page<ApiChange>>(`/api/v1/timeline?location=${encodeURIComponent(prefix)}&limit=1000`);
    assert.ok(byPrefix.items.every((c) => c.location.ref.startsWith(prefix)));
    const ca = await get<Page<ApiChange>>("/api/v1/timeline?ca=true&limit=5");
    assert.ok(ca.items.every((c) => c.ca));
    const agent = await get<Page<ApiChange>>("/api/v1/timeline?node=worker-1&limit=1000");
    assert.ok(agent.items.some((c) => c.scope === "agent:worker-1"));
  });

  it("GET /api/v1/trust-graph, /nodes, /namespaces, /summary, /status: documented and consistent", async () => {
    const graph = await get<{ cas: Array<{ fingerprint: string; signedCount: number }>; variants: unknown[] }>("/api/v1/trust-graph?leaves=3");
    assert.ok(graph.cas.length > 3);
    assert.ok(graph.variants.length >= 1, "the demo's divergent k3s CAs");
    const nodes = await get<{ items: Array<{ name: string; agent: { status: string } }> }>("/api/v1/nodes");
    assert.ok(nodes.items.some((n) => n.name === "cp-1"));
    assert.equal(nodes.items.find((n) => n.name === "worker-1")?.agent.status, "ok");
    await get("/api/v1/namespaces");
    const summary = await get<{ certificates: number; generation: number }>("/api/v1/summary");
    assert.equal(summary.generation, 3);
    const status = await get<{ generation: number; store: { ok: boolean } }>("/api/v1/status");
    assert.deepEqual([status.generation, status.store.ok], [3, true]);
  });

  it("GET /api/v1/rotation and /plan: 503 before the server's first scan, then the remedy reports of its latest diagnosis", async () => {
    const before = await http(`${server.url}/api/v1/rotation`);
    assert.equal(before.status, 503);
    assert.equal(before.json<{ error: { code: string } }>().error.code, "ERR_STORE_UNAVAILABLE");
    server.state.update({ diagnosis: { result: firstScan, paths: [demoPath()], sourceKinds: [] } });
    const rotation = await get<{ rotations: Array<{ identity: string }> }>("/api/v1/rotation");
    assert.ok(rotation.rotations.length > 0, "the demo's CA identities");
    const plan = await get<{ plans: unknown[] }>("/api/v1/plan");
    assert.ok(plan.plans.length > 0, "the demo's findings have plans");
  });
});
