/**
 * Certificates reported by node agents in the exposition: one series per certificate per node and location,
 * labelled with the node, the labels read from the names' display form equal to what the DER gives, and no
 * collision counted when every node holds the same CA at the same path.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { parseExposition, promtoolCheckMetrics, samplesOf } from "../../test/support/exposition.js";
import { FixedPki } from "../../test/support/fixed-pki.js";
import { scan } from "../engine/scan.js";
import type { ScanResult } from "../engine/types.js";
import type { CertRecord } from "../model/cert.js";
import { MetricsExporter } from "./exporter.js";
import type { MetricsState, ReportedPlacement } from "./state.js";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const pki = new FixedPki();
let result: ScanResult;
let ca: CertRecord;
let leaf: CertRecord;

before(async () => {
  pki.issue("ca", { subj: "/C=FR/ST=Île-de-France/O=Certdoctor, Inc./OU=PKI+OU=Nodes/CN=kubernetes", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true });
  pki.issue("kubelet", { subj: "/O=system:nodes/CN=system:node:worker-1", start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z", signer: "ca" });
  pki.put("etc/kubernetes/pki/ca.crt", pki.pem("ca"));
  pki.put("var/lib/kubelet/pki/kubelet.crt", pki.pem("kubelet"));
  result = await scan({ paths: [pki.tree], now: new Date(NOW), warnDays: 30, critDays: 7, workers: 0 });
  const bySubject = (cn: string) => result.inventory.certs.find((c) => c.record.subject.includes(cn))!.record;
  ca = bySubject("CN=kubernetes");
  leaf = bySubject("worker-1");
});
after(() => pki.cleanup());

function placement(record: CertRecord, node: string, ref: string, backup = false): ReportedPlacement {
  const { fingerprint, serialNumber, subject, issuer, notBefore, notAfter, isCA } = record;
  return { ref, node, backup, fingerprint, serialNumber, subject, issuer, notBefore, notAfter, isCA, role: isCA ? "cluster-ca" : null };
}

function state(placements: ReportedPlacement[], key = "r1"): MetricsState {
  return { version: 1, scanKey: "s1", diagnosed: { inventory: result.inventory, findings: [], issues: [], evaluatedAt: new Date(NOW), durationMs: 1 }, sources: [], reported: { key, placements } };
}

const text = (e: MetricsExporter, s: MetricsState) => Buffer.concat(e.render(s, "text", NOW).chunks).toString("utf8");

describe("certificates reported by node agents", () => {
  it("one series per certificate per node and location, with the node label and the scanned certificate's labels", () => {
    const reported = [
      placement(ca, "worker-1", "file:/etc/kubernetes/pki/ca.crt"),
      placement(ca, "worker-2", "file:/etc/kubernetes/pki/ca.crt"),
      placement(ca, "worker-2", "file:/etc/kubernetes/pki/ca-bundle.crt#1"),
      placement(leaf, "worker-1", "file:/var/lib/kubelet/pki/kubelet.crt"),
      placement(leaf, "worker-1", "file:/var/lib/kubelet/pki/kubelet.crt.bak", true),
    ];
    const exporter = new MetricsExporter({ build: { version: "t" } });
    const body = text(exporter, state(reported));
    assert.equal(promtoolCheckMetrics(body), "");
    const exp = parseExposition(body);
    const notAfter = samplesOf(exp, "x509_cert_not_after");
    const fromAgents = notAfter.filter((s) => s.labels.node !== undefined && s.labels.node !== "");
    assert.deepEqual(fromAgents.map((s) => `${s.labels.node} ${s.labels.filepath}`).sort(), [
      "worker-1 /etc/kubernetes/pki/ca.crt",
      "worker-1 /var/lib/kubelet/pki/kubelet.crt",
      "worker-2 /etc/kubernetes/pki/ca-bundle.crt",
      "worker-2 /etc/kubernetes/pki/ca.crt",
    ]);
    // The same CA at the same path on two nodes: two locations, no collision, no discriminator.
    assert.ok(fromAgents.every((s) => s.labels.discriminator === ""));
    assert.equal(samplesOf(exp, "x509_cert_collision_total").reduce((n, s) => n + s.value, 0), 0);
    // Labels read from the reported display form equal the scanned certificate's (read from its DER).
    const scanned = notAfter.find((s) => s.labels.filepath === `${pki.tree}/etc/kubernetes/pki/ca.crt`)!;
    const reportedCa = fromAgents.find((s) => s.labels.node === "worker-1" && s.labels.filename === "ca.crt")!;
    for (const [name, value] of Object.entries(scanned.labels)) if (name !== "filepath") assert.equal(reportedCa.labels[name], value, name);
    assert.equal(reportedCa.labels.issuer_O, "Certdoctor, Inc.");
    assert.equal(reportedCa.labels.subject_ST, "Île-de-France");
    assert.equal(reportedCa.value, ca.notAfter / 1000);
    // certdoctor_cert_info carries the node once (from the x509 labels), the fingerprint and the role.
    const info = samplesOf(exp, "certdoctor_cert_info").filter((s) => s.labels.node === "worker-2");
    assert.equal(info.length, 2);
    assert.ok(info.every((s) => s.labels.fingerprint === ca.fingerprint && s.labels.role === "cluster-ca"));
    assert.doesNotMatch(body, /node="[^"]*",[^}]*node="/);
  });

  it("a new report is a new plan; a location no longer reported loses its series", () => {
    const exporter = new MetricsExporter({ build: { version: "t" }, gzip: true });
    const s1 = state([placement(leaf, "worker-1", "file:/var/lib/kubelet/pki/kubelet.crt"), placement(ca, "worker-3", "file:/etc/kubernetes/pki/ca.crt")], "r1");
    const s2 = state([placement(leaf, "worker-1", "file:/var/lib/kubelet/pki/kubelet.crt")], "r2");
    const nodes = (s: MetricsState) => {
      const r = exporter.render(s, "text", NOW);
      const exp = parseExposition(gunzipSync(Buffer.concat(r.chunks)).toString("utf8"));
      return samplesOf(exp, "x509_cert_not_after").flatMap((x) => (x.labels.node ? [x.labels.node] : [])).sort();
    };
    assert.deepEqual(nodes(s1), ["worker-1", "worker-3"]);
    assert.deepEqual(nodes(s2), ["worker-1"]);
    assert.equal(exporter.stats.plans, 2);
  });
});
