import assert from "node:assert/strict";
import { setImmediate as tick } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { parseExposition, promtoolCheckMetrics, samplesOf } from "../../test/support/exposition.js";
import { FixedPki } from "../../test/support/fixed-pki.js";
import { makeTestApp, TEST_TOKEN } from "../../test/support/server.js";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { scan } from "../engine/scan.js";
import type { ScanResult } from "../engine/types.js";
import type { Store, StoredPlacement } from "../store/types.js";
import { ServerMetrics } from "./metrics.js";
import type { Diagnosis } from "./state.js";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const pki = new FixedPki();
let first: ScanResult;
let renewed: ScanResult;

/** The calls /metrics makes on the store, counted; any other call fails the test. */
function metricsStore(options: { ok?: boolean; agents?: Array<{ node: string; lastReportAt: number; agentId?: string }>; fail?: boolean; placements?: StoredPlacement[] } = {}) {
  const calls = { status: 0, agents: 0, placements: 0 };
  const fail = () => Promise.reject(new CertdoctorError(ErrorCode.ERR_STORE_UNAVAILABLE, "test: store down"));
  const impl: Partial<Store> = {
    backend: "sqlite",
    status: () => {
      calls.status++;
      return options.fail ? fail() : Promise.resolve({ backend: "sqlite", ok: options.ok ?? true, generation: 1, lastScanAt: null, lastScanId: null });
    },
    placementsMarker: () => (options.fail ? fail() : Promise.resolve("0:")),
    currentPlacements: () => {
      calls.placements++;
      return options.fail ? fail() : Promise.resolve(options.placements ?? []);
    },
    agents: () => {
      calls.agents++;
      return options.fail ? fail() : Promise.resolve((options.agents ?? []).map((a, i) => ({ agentId: a.agentId ?? `agent-${i}`, node: a.node, lastReportAt: a.lastReportAt, lastSequence: 1 })));
    },
  };
  const store = new Proxy(impl as Store, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof Store];
      if (prop === "then") return undefined;
      return () => Promise.reject(new Error(`test: /metrics must not call store.${String(prop)}`));
    },
  });
  return { store, calls };
}

function diagnosis(result: ScanResult): Diagnosis {
  return { result, paths: [pki.tree], sourceKinds: [] };
}

async function scrape(app: ReturnType<typeof makeTestApp>["app"], headers: Record<string, string> = {}) {
  const res = await app.request("/metrics", { headers: { authorization: `Bearer ${TEST_TOKEN}`, ...headers } });
  const body = await res.text();
  return { res, body };
}

before(async () => {
  pki.issue("ca", { subj: "/O=Certdoctor/CN=Metrics Route CA", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true });
  pki.issue("old", { subj: "/CN=kube-apiserver", start: "2025-06-10T00:00:00Z", end: "2026-06-10T00:00:00Z", signer: "ca" });
  pki.issue("new", { subj: "/CN=kube-apiserver", start: "2026-05-30T00:00:00Z", end: "2027-05-30T00:00:00Z", signer: "ca" });
  pki.put("etc/kubernetes/pki/ca.crt", pki.pem("ca"));
  pki.put("etc/kubernetes/pki/apiserver.crt", pki.pem("old"));
  first = await scan({ paths: [pki.tree], now: new Date(NOW), warnDays: 30, critDays: 7, workers: 0 });
  pki.put("etc/kubernetes/pki/apiserver.crt", pki.pem("new"));
  renewed = await scan({ paths: [pki.tree], now: new Date(NOW), warnDays: 30, critDays: 7, workers: 0 });
});
after(() => pki.cleanup());

describe("GET /metrics", () => {
  it("needs the API token unless metrics are public", async () => {
    const { app } = makeTestApp(metricsStore().store, { now: NOW });
    const res = await app.request("/metrics");
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "ERR_HTTP_UNAUTHORIZED");
    const open = makeTestApp(metricsStore().store, { now: NOW, deps: { metrics: { public: true } } });
    assert.equal((await open.app.request("/metrics")).status, 200);
  });

  it("serves text 0.0.4 by default: promtool-clean, values from the certificates openssl made", async () => {
    const t = makeTestApp(metricsStore({ agents: [{ node: "worker-1", lastReportAt: NOW - 90_000 }] }).store, { now: NOW });
    t.deps.state.update({ diagnosis: diagnosis(first) });
    const { res, body } = await scrape(t.app, { accept: "*/*" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.equal(Number(res.headers.get("content-length")), Buffer.byteLength(body));
    assert.equal(promtoolCheckMetrics(body), "");
    const exp = parseExposition(body);
    const api = samplesOf(exp, "x509_cert_not_after").find((s) => s.labels.filename === "apiserver.crt");
    assert.equal(api?.value, pki.fields("old").notAfter / 1000);
    assert.equal(api?.labels.serial_number, BigInt(`0x${pki.fields("old").serialHex}`).toString());
    assert.equal(samplesOf(exp, "x509_source_up")[0]?.value, 1);
    assert.deepEqual(samplesOf(exp, "certdoctor_agent_last_report_age_seconds").map((s) => [s.labels.node, s.value]), [["worker-1", 90]]);
    assert.deepEqual(samplesOf(exp, "certdoctor_store_up").map((s) => [s.labels.backend, s.value]), [["sqlite", 1]]);
  });

  it("serves OpenMetrics 1.0.0 to Prometheus's Accept header, with the same series and # EOF", async () => {
    const t = makeTestApp(metricsStore().store, { now: NOW });
    t.deps.state.update({ diagnosis: diagnosis(first) });
    const text = parseExposition((await scrape(t.app)).body);
    const { res, body } = await scrape(t.app, { accept: PROMETHEUS_ACCEPT });
    assert.equal(res.headers.get("content-type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");
    const om = parseExposition(body, "openmetrics");
    assert.ok(om.eof);
    assert.equal(samplesOf(om, "x509_cert_not_after").length, samplesOf(text, "x509_cert_not_after").length);
    assert.equal(samplesOf(om, "x509_source_errors_total").length, samplesOf(text, "x509_source_errors_total").length);
  });

  it("never scans: a scrape reads the current state only, and concurrent scrapes share one rendering and one store read", async () => {
    let scansRequested = 0;
    const { store, calls } = metricsStore();
    const t = makeTestApp(store, { now: NOW, deps: { requestScan: () => (scansRequested++, true) } });
    t.deps.state.update({ diagnosis: diagnosis(first) });
    const bodies = await Promise.all(Array.from({ length: 10 }, () => scrape(t.app).then((r) => r.body)));
    assert.equal(new Set(bodies).size, 1);
    assert.equal(scansRequested, 0);
    assert.deepEqual(calls, { status: 1, agents: 1, placements: 1 });
  });

  it("follows the state: a renewed certificate's old series is gone; source progress alone does not count the scan again", async () => {
    const t = makeTestApp(metricsStore().store, { now: NOW, deps: { metrics: { storeTtlMs: 0 } } });
    t.deps.state.update({ diagnosis: diagnosis(first) });
    const serial = (name: string) => BigInt(`0x${pki.fields(name).serialHex}`).toString();
    const apiSerials = (body: string) => samplesOf(parseExposition(body), "x509_cert_not_after").filter((s) => s.labels.filename === "apiserver.crt").map((s) => s.labels.serial_number);
    const scans = (body: string) => samplesOf(parseExposition(body), "certdoctor_scan_duration_seconds_count")[0]?.value;
    const before = (await scrape(t.app)).body;
    assert.deepEqual(apiSerials(before), [serial("old")]);
    assert.equal(scans(before), 1);
    t.deps.state.update({ sources: [{ name: `path:${pki.tree}`, kind: "file", ready: true, lastRunAt: NOW }] });
    assert.equal(scans((await scrape(t.app)).body), 1);
    t.deps.state.update({ diagnosis: diagnosis(renewed) });
    const later = (await scrape(t.app)).body;
    assert.deepEqual(apiSerials(later), [serial("new")]);
    assert.equal(scans(later), 2);
  });

  it("marks a source down when its last pass failed", async () => {
    const t = makeTestApp(metricsStore().store, { now: NOW });
    t.deps.state.update({ diagnosis: diagnosis(first), sources: [{ name: `path:${pki.tree}`, kind: "file", ready: true, lastError: { code: "ERR_SOURCE_UNREADABLE", message: "EIO" } }] });
    const up = samplesOf(parseExposition((await scrape(t.app)).body), "x509_source_up");
    assert.deepEqual(up.map((s) => [s.labels.source_name, s.value]), [[pki.tree, 0]]);
  });

  it("answers before the first scan and on a replica that is not the leader: no certificate series, still promtool-clean", async () => {
    const t = makeTestApp(metricsStore().store, { now: NOW });
    t.deps.state.update({ leader: false });
    const { res, body } = await scrape(t.app);
    assert.equal(res.status, 200);
    assert.equal(promtoolCheckMetrics(body), "");
    const exp = parseExposition(body);
    assert.equal(samplesOf(exp, "x509_cert_not_after").length, 0);
    assert.equal(samplesOf(exp, "certdoctor_last_scan_timestamp_seconds").length, 0);
    assert.equal(samplesOf(exp, "certdoctor_scan_duration_seconds_count")[0]?.value, 0);
    assert.equal(samplesOf(exp, "x509_exporter_build_info").length, 1);
  });

  it("shows the certificates agents reported on the leader only (every replica reads the same store)", async () => {
    const record = first.inventory.certs[0]!.record;
    const placements: StoredPlacement[] = [
      { scope: "agent:n1", ref: "file:/etc/kubernetes/pki/ca.crt", node: "n1", role: null, backup: false, fingerprint: record.fingerprint, serialNumber: record.serialNumber, subject: record.subject, issuer: record.issuer, notBefore: record.notBefore, notAfter: record.notAfter, isCA: record.isCA },
    ];
    const t = makeTestApp(metricsStore({ placements }).store, { now: NOW, deps: { metrics: { storeTtlMs: 0 } } });
    const nodes = async () => samplesOf(parseExposition((await scrape(t.app)).body), "x509_cert_not_after").flatMap((s) => (s.labels.node ? [s.labels.node] : []));
    assert.deepEqual(await nodes(), ["n1"]);
    t.deps.state.update({ leader: false });
    assert.deepEqual(await nodes(), []);
  });

  it("reports the store down, and still answers, when the store cannot be read", async () => {
    const t = makeTestApp(metricsStore({ fail: true }).store, { now: NOW });
    t.deps.state.update({ diagnosis: diagnosis(first) });
    const { res, body } = await scrape(t.app);
    assert.equal(res.status, 200);
    assert.deepEqual(samplesOf(parseExposition(body), "certdoctor_store_up").map((s) => s.value), [0]);
  });

  it("gives a node one agent series even when two agent ids reported for it", async () => {
    const t = makeTestApp(metricsStore({ agents: [{ node: "n1", lastReportAt: NOW - 5000, agentId: "a" }, { node: "n1", lastReportAt: NOW - 1000, agentId: "b" }] }).store, { now: NOW });
    const exp = parseExposition((await scrape(t.app)).body);
    assert.deepEqual(samplesOf(exp, "certdoctor_agent_last_report_age_seconds").map((s) => [s.labels.node, s.value]), [["n1", 1]]);
  });

  it("sends its cached gzip to a scraper that accepts gzip (Prometheus does): the same exposition, a fraction of the bytes", async () => {
    const t = makeTestApp(metricsStore().store, { now: NOW });
    t.deps.state.update({ diagnosis: diagnosis(first) });
    const plain = await scrape(t.app);
    const res = await t.app.request("/metrics", { headers: { authorization: `Bearer ${TEST_TOKEN}`, "accept-encoding": "gzip" } });
    assert.equal(res.headers.get("content-encoding"), "gzip");
    const zipped = Buffer.from(await res.arrayBuffer());
    assert.equal(Number(res.headers.get("content-length")), zipped.length);
    assert.equal(gunzipSync(zipped).toString("utf8"), plain.body);
    assert.ok(zipped.length * 3 < Buffer.byteLength(plain.body));
    assert.equal(plain.res.headers.get("content-encoding"), null);
    assert.match(res.headers.get("vary") ?? "", /Accept-Encoding/);
  });

  it("once scraped, renders a newly published state before the next scrape asks for it", async () => {
    const t = makeTestApp(metricsStore().store, { now: NOW });
    const metrics = new ServerMetrics({ ...t.deps, requireAuth: () => async (_c, next) => next() });
    t.deps.state.update({ diagnosis: diagnosis(first) });
    await tick();
    assert.equal(metrics.exporter.stats.renders, 0, "nothing rendered before anyone scrapes");
    await metrics.collect("text");
    assert.equal(metrics.exporter.stats.renders, 1);
    t.deps.state.update({ diagnosis: diagnosis(renewed) });
    await tick();
    assert.equal(metrics.exporter.stats.renders, 2, "rendered ahead");
    await metrics.collect("text");
    assert.equal(metrics.exporter.stats.renders, 2, "the scrape found it ready");
  });
});
