/**
 * deploy/prometheus/: the rules file is valid for promtool, every alert is fired and shown silent by a
 * `promtool test rules` case, every alert can fire on what certdoctor exports by default, the runbook links
 * resolve, the PrometheusRule is the rules file, and the certificate alerts select the right series of a
 * real exposition (certificates made by openssl, scanned, rendered, then evaluated by promtool).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dump, load } from "js-yaml";
import { scan } from "../src/engine/scan.js";
import { MetricsExporter } from "../src/metrics/exporter.js";
import { stateFromScan } from "../src/metrics/from-scan.js";
import { defaultMetricsOptions, parseMetricsOptions } from "../src/metrics/options.js";
import { PROMETHEUS_RULE_FILE, prometheusRuleOf, RULES_FILE } from "../src/metrics/prometheus-rule.js";
import { parseExposition, type Sample } from "./support/exposition.js";
import { familiesWritten } from "./support/families.js";
import { b64, FixedPki } from "./support/fixed-pki.js";
import { findRepoRoot } from "./support/fixtures.js";

const root = findRepoRoot();
const dir = join(root, "deploy", "prometheus");
const rulesText = readFileSync(join(root, RULES_FILE), "utf8");

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface PromtoolTest {
  name?: string;
  input_series: Array<{ series: string; values: string }>;
  alert_rule_test?: Array<{ alertname: string; eval_time: string; exp_alerts: unknown[] }>;
}

const alerts: AlertRule[] = (load(rulesText) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap((g) => g.rules);
const testFiles = readdirSync(join(dir, "tests")).filter((f) => f.endsWith(".test.yaml")).sort();
const tests: PromtoolTest[] = testFiles.flatMap((f) => (load(readFileSync(join(dir, "tests", f), "utf8")) as { tests: PromtoolTest[] }).tests);

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync("promtool", args, { cwd: dir, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const metricNames = (expr: string) => new Set([...expr.matchAll(/\b((?:x509|certdoctor)_[a-z0-9_]+)\b/g)].map((m) => m[1]!));
const seriesName = (series: string) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(series)![0];

/** Heading anchors of a Markdown file, as GitHub makes them. */
function anchors(file: string): Set<string> {
  const text = readFileSync(join(root, "docs", file), "utf8");
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-")));
}

describe("alert rules (deploy/prometheus)", () => {
  it("pass promtool check rules", () => {
    const r = promtool("check", "rules", "rules.yaml");
    assert.equal(r.status, 0, r.out);
  });

  for (const file of testFiles) {
    it(`pass promtool test rules ${file}`, () => {
      const r = promtool("test", "rules", join("tests", file));
      assert.equal(r.status, 0, r.out);
    });
  }

  for (const a of alerts) {
    it(`${a.alert}: fired by one promtool case and silent in another on series it reads`, () => {
      const cases = tests.flatMap((t) => (t.alert_rule_test ?? []).filter((c) => c.alertname === a.alert).map((c) => ({ t, c })));
      assert.ok(cases.some(({ c }) => c.exp_alerts.length > 0), "no case fires it");
      const reads = metricNames(a.expr);
      const silent = cases.filter(({ t, c }) => c.exp_alerts.length === 0 && t.input_series.some((s) => reads.has(seriesName(s.series))));
      assert.ok(silent.length > 0, "no case shows it silent on a series set that has its metrics");
    });
  }

  it("only read metrics certdoctor exports with its default options (no alert that can never fire)", () => {
    const exported = new Set(familiesWritten(defaultMetricsOptions));
    for (const a of alerts) for (const m of metricNames(a.expr)) assert.ok(exported.has(m), `${a.alert} reads ${m}, which is not exported by default`);
  });

  it("have a severity, a summary, a description and a runbook link that resolves", () => {
    const docs = { "rules.md": anchors("rules.md"), "metrics.md": anchors("metrics.md") };
    assert.equal(new Set(alerts.map((a) => a.alert)).size, alerts.length, "alert names are unique");
    for (const a of alerts) {
      assert.match(a.labels?.severity ?? "", /^(critical|warning|info)$/, a.alert);
      assert.ok(a.annotations?.summary && a.annotations.description, a.alert);
      const m = /^https:\/\/github\.com\/certdoctor\/certdoctor\/blob\/main\/docs\/(rules\.md|metrics\.md)#([a-z0-9-]+)$/.exec(a.annotations.runbook_url ?? "");
      assert.ok(m, `${a.alert}: runbook_url ${a.annotations.runbook_url}`);
      assert.ok(docs[m[1] as keyof typeof docs].has(m[2]!), `${a.alert}: docs/${m[1]} has no #${m[2]}`);
    }
  });

  it("keep the names of x509-certificate-exporter's chart alerts whose metrics certdoctor exports", () => {
    const names = new Set(alerts.map((a) => a.alert));
    for (const enix of ["SourceErrors", "SourceErrorsSustained", "SourceDown", "KeystorePassphraseFailures", "CertificateError", "CertificateRenewal", "CertificateExpiration", "CertificateNotYetValid", "CertificateCollision"]) {
      assert.ok(names.has(enix), enix);
    }
  });

  it("ship a PrometheusRule generated from the rules file (npm run deploy-rules)", () => {
    assert.equal(readFileSync(join(root, PROMETHEUS_RULE_FILE), "utf8"), prometheusRuleOf(rulesText));
    const manifest = load(readFileSync(join(root, PROMETHEUS_RULE_FILE), "utf8")) as { kind: string; spec: unknown };
    assert.equal(manifest.kind, "PrometheusRule");
    assert.deepEqual(manifest.spec, { groups: (load(rulesText) as { groups: unknown }).groups });
  });
});

describe("certificate alerts on a real exposition", () => {
  const NOW = Date.parse("2026-06-01T00:00:00Z");
  const DAY = 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  const pki = new FixedPki();
  let samples: Sample[] = [];
  const work = mkdtempSync(join(tmpdir(), "certdoctor-rules-"));

  before(async () => {
    pki.issue("ca", { subj: "/O=Certdoctor/CN=Rules CA", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true });
    const leaf = (name: string, cn: string, start: number, end: number) => pki.issue(name, { subj: `/CN=${cn}`, start: iso(start), end: iso(end), signer: "ca" });
    leaf("apiserver", "kube-apiserver", NOW - 300 * DAY, NOW + 20 * DAY);
    leaf("front-proxy", "front-proxy-client", NOW - 300 * DAY, NOW + 10 * DAY);
    leaf("old-apiserver", "kube-apiserver", NOW - 360 * DAY, NOW + 5 * DAY);
    leaf("etcd", "etcd-server", NOW - 400 * DAY, NOW - DAY);
    leaf("future", "future", NOW + DAY, NOW + 400 * DAY);
    leaf("web", "web.example", NOW - 60 * DAY, NOW + 25 * DAY);
    pki.put("etc/kubernetes/pki/ca.crt", pki.pem("ca"));
    pki.put("etc/kubernetes/pki/apiserver.crt", pki.pem("apiserver"));
    pki.put("etc/kubernetes/pki/front-proxy-client.crt", pki.pem("front-proxy"));
    pki.put("etc/kubernetes/pki/expired/apiserver.crt", pki.pem("old-apiserver"));
    pki.put("etc/kubernetes/pki/etcd/server.crt", pki.pem("etcd"));
    pki.put("certs/future.crt", pki.pem("future"));
    pki.put("certs/bad.pem", `${pki.pem("future")}-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n`);
    pki.put("dump/web.yaml", `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: web-tls\n  namespace: shop\ndata:\n  tls.crt: ${b64(pki.pem("web"))}\n  tls.key: ${b64(pki.keyPem("web"))}\n`);
    const result = await scan({ paths: [pki.tree], now: new Date(NOW), warnDays: 30, critDays: 7, workers: 0 });
    // Backups exported (in_use="false") to show the alerts leave them out by themselves.
    const exporter = new MetricsExporter({ build: { version: "t" }, options: parseMetricsOptions({ excludeBackups: false }) });
    const text = Buffer.concat(exporter.render(stateFromScan(result, { paths: [pki.tree], sourceKinds: [] }), "text", NOW).chunks).toString("utf8");
    samples = parseExposition(text).samples;
  });
  after(() => {
    pki.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const TIMESTAMPS = new Set(["x509_cert_not_after", "x509_cert_not_before", "certdoctor_last_scan_timestamp_seconds", "certdoctor_endpoint_cert_not_after_seconds"]);
  /** A sample's value with time shifted so that promtool's t=0 is the scan's now. */
  const shifted = (s: Sample) => (TIMESTAMPS.has(s.name) ? s.value - NOW / 1000 : s.value);
  const labelString = (name: string, labels: Record<string, string>) =>
    `${name}{${Object.entries(labels).filter(([, v]) => v !== "").map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
  const exprOf = (name: string) => alerts.find((a) => a.alert === name)!.expr;

  /** Evaluates an alert's expression by promtool at the scan's now; returns its exp_samples check result. */
  function evaluate(alert: string, expected: Array<{ labels: string; value: number }>): { status: number | null; out: string } {
    const file = join(work, `${alert}.test.yaml`);
    const input_series = samples.filter((s) => !/_(bucket|sum|count)$/.test(s.name)).map((s) => ({ series: labelString(s.name, s.labels), values: `${shifted(s)}x20` }));
    writeFileSync(file, dump({ rule_files: [], evaluation_interval: "1m", tests: [{ interval: "1m", input_series, promql_expr_test: [{ expr: exprOf(alert), eval_time: "0m", exp_samples: expected }] }] }, { lineWidth: -1 }));
    return promtool("test", "rules", file);
  }

  const certAt = (name: string, suffix: string) => {
    const s = samples.filter((x) => x.name === name && (x.labels.filepath?.endsWith(suffix) || x.labels.secret_name === suffix));
    assert.equal(s.length, 1, `${name} at ${suffix}`);
    return s[0]!;
  };
  const untilExpiry = (suffix: string) => {
    const s = certAt("x509_cert_not_after", suffix);
    return { labels: labelString("", s.labels), value: shifted(s) };
  };

  it("CertificateRenewal selects the certificates in use with less than 28 days left: not the backup, not the expired one", () => {
    const r = evaluate("CertificateRenewal", [untilExpiry("pki/apiserver.crt"), untilExpiry("pki/front-proxy-client.crt"), untilExpiry("web-tls")]);
    assert.equal(r.status, 0, r.out);
  });

  it("CertificateExpiration selects the one with less than 14 days left", () => {
    const r = evaluate("CertificateExpiration", [untilExpiry("pki/front-proxy-client.crt")]);
    assert.equal(r.status, 0, r.out);
  });

  it("CertificateNotYetValid selects the certificate valid from tomorrow, in both files that hold it", () => {
    const nb = samples.filter((s) => s.name === "x509_cert_not_before" && shifted(s) > 0);
    assert.deepEqual(nb.map((s) => s.labels.filename).sort(), ["bad.pem", "future.crt"]);
    const r = evaluate("CertificateNotYetValid", nb.map((s) => ({ labels: labelString("", s.labels), value: shifted(s) })));
    assert.equal(r.status, 0, r.out);
  });

  it("CertificateError selects the unparseable block", () => {
    const bad = samples.filter((s) => s.name === "x509_cert_error" && s.value === 1);
    assert.equal(bad.length, 1);
    assert.equal(bad[0]!.labels.filename, "bad.pem");
    const r = evaluate("CertificateError", [{ labels: labelString("x509_cert_error", bad[0]!.labels), value: 1 }]);
    assert.equal(r.status, 0, r.out);
  });

  it("CertificateExpired selects the expired etcd certificate in use, and nothing for the backup", () => {
    const f = samples.filter((s) => s.name === "certdoctor_finding_info" && s.labels.rule === "cert-expired");
    assert.equal(f.length, 1);
    assert.match(f[0]!.labels.ref!, /etcd\/server\.crt$/);
    const r = evaluate("CertificateExpired", [{ labels: labelString("certdoctor_finding_info", f[0]!.labels), value: 1 }]);
    assert.equal(r.status, 0, r.out);
  });
});

describe("Grafana dashboard (deploy/grafana)", () => {
  interface Panel {
    title: string;
    targets?: Array<{ expr: string }>;
  }
  const dashboard = JSON.parse(readFileSync(join(root, "deploy", "grafana", "certdoctor-dashboard.json"), "utf8")) as { panels: Panel[] };
  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it("has queries, and every one parses with promtool", () => {
    assert.ok(queries.length >= 8);
    const work = mkdtempSync(join(tmpdir(), "certdoctor-grafana-"));
    try {
      // promtool 2.42 has no `promql parse`: each query becomes a recording rule, which check rules parses.
      const file = join(work, "queries.yaml");
      writeFileSync(file, dump({ groups: [{ name: "grafana", rules: queries.map((q, i) => ({ record: `grafana:query_${i}`, expr: q.expr })) }] }, { lineWidth: -1 }));
      const r = promtool("check", "rules", file);
      assert.equal(r.status, 0, r.out);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("names only metrics certdoctor exports", () => {
    const exported = new Set(familiesWritten(parseMetricsOptions({ exposeRelative: true })));
    for (const q of queries) for (const m of metricNames(q.expr)) assert.ok(exported.has(m), `${q.panel}: ${m}`);
  });
});

describe("ServiceMonitor (deploy/prometheus/servicemonitor.yaml)", () => {
  it("scrapes /metrics of the namespace the PrometheusRule is in, with the token, within the scrape interval", () => {
    const sm = load(readFileSync(join(dir, "servicemonitor.yaml"), "utf8")) as {
      kind: string;
      metadata: { namespace: string };
      spec: { namespaceSelector: { matchNames: string[] }; endpoints: Array<{ path: string; scheme: string; interval: string; scrapeTimeout: string; authorization?: { type: string } }> };
    };
    const rule = load(readFileSync(join(root, PROMETHEUS_RULE_FILE), "utf8")) as { metadata: { namespace: string } };
    assert.equal(sm.kind, "ServiceMonitor");
    assert.equal(sm.metadata.namespace, rule.metadata.namespace);
    assert.deepEqual(sm.spec.namespaceSelector.matchNames, [sm.metadata.namespace]);
    const [ep] = sm.spec.endpoints;
    assert.ok(ep);
    assert.equal(ep.path, "/metrics");
    assert.equal(ep.scheme, "https");
    assert.equal(ep.authorization?.type, "Bearer");
    const secs = (d: string) => Number(/^(\d+)s$/.exec(d)![1]);
    assert.ok(secs(ep.scrapeTimeout) <= secs(ep.interval));
  });
});
