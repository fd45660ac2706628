import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { FixedPki } from "../../test/support/fixed-pki.js";
import { parseExposition, promtoolCheckMetrics, samplesOf, type Exposition } from "../../test/support/exposition.js";
import { scan } from "../engine/scan.js";
import { MetricsExporter } from "./exporter.js";
import { stateFromScan } from "./from-scan.js";
import { parseMetricsOptions, type MetricsOptions } from "./options.js";
import type { MetricsState } from "./state.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const pki = new FixedPki();
after(() => pki.cleanup());

pki.issue("ca", { subj: "/O=Certdoctor/CN=Lifecycle CA", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true });
for (const [name, start, end] of [
  ["kubelet-2025", "2025-06-01T00:00:00Z", "2026-06-01T00:00:00Z"],
  ["kubelet-2026", "2026-05-01T00:00:00Z", "2027-05-01T00:00:00Z"],
  ["apiserver-old", "2025-06-10T00:00:00Z", "2026-06-10T00:00:00Z"],
  ["apiserver-new", "2026-05-30T00:00:00Z", "2027-05-30T00:00:00Z"],
] as const) {
  pki.issue(name, { subj: name.startsWith("kubelet") ? "/O=system:nodes/CN=system:node:worker-1" : "/CN=kube-apiserver", start, end, signer: "ca" });
}

async function stateOf(version: number, now = NOW): Promise<MetricsState> {
  const result = await scan({ paths: [pki.tree], now, warnDays: 30, critDays: 7, workers: 0 });
  return stateFromScan(result, { paths: [pki.tree], sourceKinds: [] }, version);
}

function text(exporter: MetricsExporter, state: MetricsState, now = NOW.getTime()): string {
  return Buffer.concat(exporter.render(state, "text", now).chunks).toString("utf8");
}

function serialsAt(exp: Exposition, suffix: string): string[] {
  return samplesOf(exp, "x509_cert_not_after").filter((s) => s.labels.filepath!.endsWith(suffix)).map((s) => s.labels.serial_number!);
}

const serialOf = (name: string) => BigInt(`0x${pki.fields(name).serialHex}`).toString();
const KUBELET_DIR = "var/lib/kubelet/pki";

describe("series follow the state", () => {
  it("drops a renewed certificate's old series and shows the new one on the next collection", async () => {
    pki.put("etc/kubernetes/pki/apiserver.crt", pki.pem("apiserver-old"));
    const exporter = new MetricsExporter({ build: { version: "t" } });
    const before = parseExposition(text(exporter, await stateOf(1)));
    assert.deepEqual(serialsAt(before, "/apiserver.crt"), [serialOf("apiserver-old")]);
    pki.put("etc/kubernetes/pki/apiserver.crt", pki.pem("apiserver-new"));
    const later = text(exporter, await stateOf(2));
    assert.deepEqual(serialsAt(parseExposition(later), "/apiserver.crt"), [serialOf("apiserver-new")]);
    assert.doesNotMatch(later, new RegExp(serialOf("apiserver-old")));
    assert.equal(promtoolCheckMetrics(later), "");
    pki.remove("etc");
  });

  it("follows kubelet's symlink rotation: kubelet-client-current.pem shows the new certificate, the superseded file has no series", async () => {
    pki.put(`${KUBELET_DIR}/kubelet-client-2025-06-01-00-00-00.pem`, pki.pem("kubelet-2025") + pki.keyPem("kubelet-2025"));
    pki.link(`${KUBELET_DIR}/kubelet-client-current.pem`, "kubelet-client-2025-06-01-00-00-00.pem");
    const exporter = new MetricsExporter({ build: { version: "t" } });
    const first = parseExposition(text(exporter, await stateOf(1, new Date("2026-04-01T00:00:00Z")), Date.parse("2026-04-01T00:00:00Z")));
    assert.deepEqual(serialsAt(first, "/kubelet-client-current.pem"), [serialOf("kubelet-2025")]);

    pki.put(`${KUBELET_DIR}/kubelet-client-2026-05-01-00-00-00.pem`, pki.pem("kubelet-2026") + pki.keyPem("kubelet-2026"));
    pki.link(`${KUBELET_DIR}/kubelet-client-current.pem`, "kubelet-client-2026-05-01-00-00-00.pem");
    const second = parseExposition(text(exporter, await stateOf(2)));
    assert.deepEqual(serialsAt(second, "/kubelet-client-current.pem"), [serialOf("kubelet-2026")]);
    assert.deepEqual(serialsAt(second, "/kubelet-client-2026-05-01-00-00-00.pem"), [serialOf("kubelet-2026")]);
    // The 2025 rotation expired today and nothing uses it: no series, so no alert keeps firing for it.
    assert.deepEqual(serialsAt(second, "/kubelet-client-2025-06-01-00-00-00.pem"), []);
    assert.equal(samplesOf(second, "x509_cert_expired").filter((s) => s.value === 1).length, 0);

    const withBackups = new MetricsExporter({ build: { version: "t" }, options: parseMetricsOptions({ excludeBackups: false }) });
    const all = parseExposition(text(withBackups, await stateOf(3)));
    const old = samplesOf(all, "certdoctor_cert_info").filter((s) => s.labels.filepath!.endsWith("/kubelet-client-2025-06-01-00-00-00.pem"));
    assert.deepEqual(old.map((s) => s.labels.in_use), ["false"]);
    pki.remove("var");
  });
});

describe("one rendering per state version", () => {
  it("renders a version once for any number of scrapes, again when a notAfter passes, and re-plans only on a new version", async () => {
    pki.put("certs/a.crt", pki.pem("apiserver-old")); // notAfter 2026-06-10
    const exporter = new MetricsExporter({ build: { version: "t" } });
    const state = await stateOf(7);
    const t0 = NOW.getTime();
    const outs = Array.from({ length: 10 }, () => text(exporter, state, t0 + 1000));
    assert.equal(new Set(outs).size, 1);
    assert.deepEqual(exporter.stats, { plans: 1, renders: 1, certRenders: 1, reusedPieces: 0 });
    const expiredAt = (out: string) => samplesOf(parseExposition(out), "x509_cert_expired").find((s) => s.labels.filename === "a.crt")!.value;
    assert.equal(expiredAt(outs[0]!), 0);
    const later = text(exporter, state, Date.parse("2026-06-10T00:00:01Z"));
    assert.equal(expiredAt(later), 1);
    assert.deepEqual(exporter.stats, { plans: 1, renders: 2, certRenders: 2, reusedPieces: 0 });
    text(exporter, await stateOf(8), Date.parse("2026-06-10T00:00:02Z"));
    assert.deepEqual(exporter.stats, { plans: 2, renders: 3, certRenders: 3, reusedPieces: 0 });
    pki.remove("certs");
  });

  it("a new version of the same scan (source progress) renders only the small families again, with the same certificate series", async () => {
    pki.put("certs/a.crt", pki.pem("apiserver-old"));
    const exporter = new MetricsExporter({ build: { version: "t" } });
    const first = await stateOf(1);
    const t = NOW.getTime();
    const before = text(exporter, first, t);
    const progressed: MetricsState = { ...first, version: 2, scanKey: first.version, sources: first.sources.map((s) => ({ ...s, up: false })) };
    const after = text(exporter, progressed, t);
    assert.deepEqual(exporter.stats, { plans: 1, renders: 2, certRenders: 1, reusedPieces: 0 });
    const certSeries = (out: string) => samplesOf(parseExposition(out), "x509_cert_not_after").map((s) => JSON.stringify(s));
    assert.deepEqual(certSeries(after), certSeries(before));
    assert.ok(certSeries(after).length > 0);
    assert.deepEqual(samplesOf(parseExposition(after), "x509_source_up").map((s) => s.value), first.sources.map(() => 0), "the new version's own families are rendered");
    assert.equal(promtoolCheckMetrics(after), "");
    pki.remove("certs");
  });

  it("counts a state's scan and errors once however often it is scraped", async () => {
    pki.put("certs/bad.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    const exporter = new MetricsExporter({ build: { version: "t" } });
    const state = await stateOf(1);
    for (let i = 0; i < 3; i++) text(exporter, state);
    const exp = parseExposition(text(exporter, await stateOf(2)));
    const bad = samplesOf(exp, "x509_source_errors_total").filter((s) => s.value > 0);
    assert.deepEqual(bad.map((s) => [s.labels.reason, s.value]), [["bad_der", 2]]);
    assert.equal(samplesOf(exp, "certdoctor_scan_duration_seconds_count")[0]!.value, 2);
    pki.remove("certs");
  });
});

describe("options", () => {
  async function exposition(options: Partial<MetricsOptions> | Record<string, unknown>): Promise<Exposition> {
    const exporter = new MetricsExporter({ build: { version: "t" }, options: parseMetricsOptions(options) });
    const out = text(exporter, await stateOf(1));
    assert.equal(promtoolCheckMetrics(out), "");
    return parseExposition(out);
  }

  it("leafOnly, trimPathComponents, subject/issuer field selection, relative metrics", async () => {
    pki.put("srv/pki/ca.crt", pki.pem("ca"));
    pki.put("srv/pki/leaf.crt", pki.pem("apiserver-new"));
    const exp = await exposition({ leafOnly: true, trimPathComponents: pki.tree.split("/").length, exposeSubjectFields: ["CN"], exposeIssuerFields: ["O", "CN"], exposeRelative: true });
    const samples = samplesOf(exp, "x509_cert_not_after");
    assert.deepEqual(samples.map((s) => s.labels.filepath), ["/pki/leaf.crt"]);
    const keys = Object.keys(samples[0]!.labels);
    assert.deepEqual(keys.filter((k) => k.startsWith("subject_") || k.startsWith("issuer_")), ["issuer_O", "issuer_CN", "subject_CN"]);
    const f = pki.fields("apiserver-new");
    assert.equal(samplesOf(exp, "x509_cert_expires_in_seconds")[0]!.value, (f.notAfter - NOW.getTime()) / 1000);
    assert.equal(samplesOf(exp, "x509_cert_valid_since_seconds")[0]!.value, (NOW.getTime() - f.notBefore) / 1000);
  });

  it("emitEmptyLabels: false leaves empty slots out; Prometheus sees the same series", async () => {
    const full = await exposition({});
    const lean = await exposition({ emitEmptyLabels: false });
    const norm = (e: Exposition) =>
      samplesOf(e, "x509_cert_not_after").map((s) => JSON.stringify(Object.entries(s.labels).filter(([, v]) => v !== "").sort())).sort();
    assert.deepEqual(norm(lean), norm(full));
    assert.ok(samplesOf(lean, "x509_cert_not_after").every((s) => Object.values(s.labels).every((v) => v !== "")));
  });

  it("caps the per-certificate series, keeps the soonest expiry and counts what was dropped", async () => {
    const exp = await exposition({ maxSeries: 5 }); // 5 series per certificate with the defaults: one certificate
    const kept = samplesOf(exp, "x509_cert_not_after");
    assert.equal(kept.length, 1);
    assert.equal(kept[0]!.labels.subject_CN, "kube-apiserver");
    assert.equal(samplesOf(exp, "certdoctor_metrics_dropped_series_total")[0]!.value, 5);
    pki.remove("srv");
  });

  it("refuses unknown keys and bad values as config errors", () => {
    assert.throws(() => parseMetricsOptions({ exposeRelatve: true }), { code: "ERR_CONFIG_INVALID" });
    assert.throws(() => parseMetricsOptions({ trimPathComponents: -1 }), { code: "ERR_CONFIG_INVALID" });
    assert.throws(() => parseMetricsOptions({ exposeSubjectFields: ["CN", "SERIAL"] }), { code: "ERR_CONFIG_INVALID" });
    assert.throws(() => parseMetricsOptions({ collisionDiscriminator: "never" }), { code: "ERR_CONFIG_INVALID" });
    assert.throws(() => parseMetricsOptions({ maxSeries: 0 }), { code: "ERR_CONFIG_INVALID" });
    assert.throws(() => parseMetricsOptions([]), { code: "ERR_CONFIG_INVALID" });
    assert.deepEqual(parseMetricsOptions({ exposeSubjectFields: [] }).subjectFields, ["C", "ST", "L", "O", "OU", "CN"]);
  });
});

describe("a rescan reuses the unchanged part of the last rendering (gzip, as the server keeps it)", () => {
  const FILES = 1500; // several segments of about 256 entries
  const gunzipped = (r: { chunks: Buffer[] }) => gunzipSync(Buffer.concat(r.chunks)).toString("utf8");
  // A fresh exporter has counted fewer scans; the per-certificate families must be the same byte for byte.
  const certFamilies = (text: string) => text.split("\n").filter((l) => /^(# (HELP|TYPE) )?(x509_cert_|certdoctor_cert_info)/.test(l)).join("\n");

  it("renders exactly what a fresh exporter renders, after one certificate changed and after a notAfter passed, reusing most pieces", async () => {
    for (let i = 0; i < FILES; i++) pki.put(`many/f${String(i).padStart(4, "0")}.crt`, pki.pem(i % 2 === 0 ? "apiserver-new" : "kubelet-2026"));
    const exporter = new MetricsExporter({ build: { version: "t" }, gzip: true });
    const t = NOW.getTime();
    exporter.render(await stateOf(1), "text", t);
    assert.equal(exporter.stats.reusedPieces, 0);

    pki.put("many/f0700.crt", pki.pem("apiserver-old")); // notAfter 2026-06-10
    const second = await stateOf(2);
    const reused = gunzipped(exporter.render(second, "text", t));
    const fresh = gunzipped(new MetricsExporter({ build: { version: "t" }, gzip: true }).render(second, "text", t));
    assert.equal(certFamilies(reused), certFamilies(fresh));
    assert.ok(certFamilies(reused).length > 100_000);
    assert.ok(exporter.stats.reusedPieces > 0, "unchanged segments are reused");
    assert.match(reused, new RegExp(`filename="f0700.crt"[^}]*serial_number="${serialOf("apiserver-old")}"`));
    const before = exporter.stats.reusedPieces;

    const later = Date.parse("2026-06-10T00:00:01Z"); // f0700's certificate has just expired
    const expired = gunzipped(exporter.render(second, "text", later));
    assert.equal(certFamilies(expired), certFamilies(gunzipped(new MetricsExporter({ build: { version: "t" }, gzip: true }).render(second, "text", later))));
    assert.ok(exporter.stats.reusedPieces > before, "only the pieces whose values moved are rendered again");
    const f0700 = samplesOf(parseExposition(expired), "x509_cert_expired").filter((s) => s.labels.filename === "f0700.crt");
    assert.deepEqual(f0700.map((s) => s.value), [1]);
    assert.equal(promtoolCheckMetrics(expired), "");
    pki.remove("many");
  });
});
