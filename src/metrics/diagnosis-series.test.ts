/**
 * certdoctor's diagnosis series from real scans: the oldest pending CSR per signer and node (enix #504),
 * CA divergence per layout CA identity, and per-endpoint state (up, served-vs-stored, served notAfter)
 * against loopback TLS servers.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { kubeletServingCsr } from "../../test/kube-api/seed.js";
import { EndpointPki, scanWithEndpoints } from "../../test/support/endpoint-pki.js";
import { parseExposition, promtoolCheckMetrics, samplesOf, type Exposition } from "../../test/support/exposition.js";
import { FixedPki } from "../../test/support/fixed-pki.js";
import { fixtureNow, fixturePath } from "../../test/support/fixtures.js";
import { scanObjects } from "../../test/support/kube-scan.js";
import { startTlsServer, type LoopbackServer } from "../../test/support/tls-servers.js";
import { scan } from "../engine/scan.js";
import type { ScanResult } from "../engine/types.js";
import { renderMetrics } from "./exporter.js";
import { stateFromScan } from "./from-scan.js";

function exposition(result: ScanResult, now: number, paths: string[] = [], sourceKinds: string[] = []): Exposition {
  const text = Buffer.concat(renderMetrics(stateFromScan(result, { paths, sourceKinds }), { build: { version: "t" } }, "text", now).chunks).toString("utf8");
  assert.equal(promtoolCheckMetrics(text), "");
  return parseExposition(text);
}

describe("certdoctor_csr_pending_seconds", () => {
  const REQ = readFileSync(fixturePath("keys", "request.csr"), "utf8");
  const NOW = fixtureNow.getTime();
  const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();
  const approved = [{ type: "Approved", status: "True", reason: "AutoApproved", lastUpdateTime: ago(1) }];
  const denied = [{ type: "Denied", status: "True", reason: "Nope", lastUpdateTime: ago(1) }];

  it("gives the age of the oldest undecided CSR per signer and requesting node; decided ones do not count", async () => {
    const clientCsr = { ...kubeletServingCsr("client-1", "w", REQ, ago(30)), spec: { request: Buffer.from(REQ).toString("base64"), signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"], username: "alice" } };
    const result = await scanObjects([
      kubeletServingCsr("a-1", "worker-1", REQ, ago(90)),
      kubeletServingCsr("a-2", "worker-1", REQ, ago(20)),
      kubeletServingCsr("b-1", "worker-2", REQ, ago(300), approved),
      kubeletServingCsr("b-2", "worker-2", REQ, ago(10)),
      kubeletServingCsr("c-1", "worker-3", REQ, ago(500), denied),
      clientCsr,
    ]);
    const got = samplesOf(exposition(result, NOW), "certdoctor_csr_pending_seconds").map((s) => [s.labels.signer, s.labels.node, s.value]);
    assert.deepEqual(got.sort(), [
      ["kubernetes.io/kube-apiserver-client", "", 1800],
      ["kubernetes.io/kubelet-serving", "worker-1", 5400],
      ["kubernetes.io/kubelet-serving", "worker-2", 600],
    ]);
  });

  it("is an age at scrape time, not at scan time", async () => {
    const result = await scanObjects([kubeletServingCsr("a-1", "worker-1", REQ, ago(90))]);
    const later = samplesOf(exposition(result, NOW + 3_600_000), "certdoctor_csr_pending_seconds");
    assert.deepEqual(later.map((s) => s.value), [9000]);
  });
});

describe("certdoctor_ca_divergence", () => {
  const pki = new FixedPki();
  after(() => pki.cleanup());

  it("counts the distinct keys of one layout CA identity across nodes: 2 when one node holds another CA", async () => {
    for (const name of ["ca-a", "ca-b"]) pki.issue(name, { subj: "/CN=kubernetes", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true });
    pki.issue("etcd-ca", { subj: "/CN=etcd-ca", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true });
    for (const [node, ca] of [["cp-1", "ca-a"], ["cp-2", "ca-a"], ["cp-3", "ca-b"]] as const) {
      pki.put(`${node}/etc/kubernetes/pki/ca.crt`, pki.pem(ca));
      pki.put(`${node}/etc/kubernetes/pki/etcd/ca.crt`, pki.pem("etcd-ca"));
    }
    const result = await scan({ paths: [pki.tree], now: fixtureNow, warnDays: 30, critDays: 7, workers: 0 });
    const series = new Map(samplesOf(exposition(result, fixtureNow.getTime(), [pki.tree]), "certdoctor_ca_divergence").map((s) => [s.labels.ca_identity, s.value]));
    const diverged = [...series].filter(([, n]) => n > 1);
    assert.equal(diverged.length, 1, JSON.stringify([...series]));
    assert.equal(diverged[0]![1], 2);
    assert.ok([...series.values()].includes(1), "the etcd CA, the same everywhere, is 1");
    assert.ok(result.findings.some((f) => f.rule === "ca-divergence" && f.severity === "critical"));
  });
});

describe("certdoctor_endpoint_*", () => {
  const pki = new EndpointPki();
  const servers: LoopbackServer[] = [];
  const SAN = "DNS:localhost,IP:127.0.0.1";
  before(() => {
    pki.ca("ca", "/CN=metrics-endpoint-ca");
    pki.leaf("a", "ca", "/CN=kube-apiserver", SAN, "2025-06-20T00:00:00Z", "2026-06-20T00:00:00Z");
    pki.leaf("b", "ca", "/CN=kube-apiserver", SAN, "2026-05-20T00:00:00Z", "2027-05-20T00:00:00Z");
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    pki.cleanup();
  });

  it("says which endpoint is up, which serves an older certificate than the one stored, and the served notAfter", async () => {
    const stale = await startTlsServer({ key: pki.read("a.key"), cert: pki.read("a.crt") });
    const current = await startTlsServer({ key: pki.read("b.key"), cert: pki.read("b.crt") });
    servers.push(stale, current);
    const closed = await startTlsServer({ key: pki.read("b.key"), cert: pki.read("b.crt") });
    const closedPort = closed.port;
    await closed.close();
    const stored = pki.write("node/b.crt", pki.read("b.crt"));
    const result = await scanWithEndpoints([stored], [stale, current, { host: "127.0.0.1", port: closedPort }].map((s) => ({ host: s.host, port: s.port, sni: "localhost" })));
    const exp = exposition(result, fixtureNow.getTime(), [stored], ["tls-endpoint"]);
    const by = (name: string) => new Map(samplesOf(exp, name).map((s) => [Number(s.labels.endpoint!.split(":").pop()), s.value]));
    assert.deepEqual(by("certdoctor_endpoint_up"), new Map([[stale.port, 1], [current.port, 1], [closedPort, 0]]));
    assert.deepEqual(by("certdoctor_endpoint_served_stale"), new Map([[stale.port, 1], [current.port, 0], [closedPort, 0]]));
    assert.deepEqual(by("certdoctor_endpoint_cert_not_after_seconds"), new Map([[stale.port, Date.parse("2026-06-20T00:00:00Z") / 1000], [current.port, Date.parse("2027-05-20T00:00:00Z") / 1000]]));
    assert.ok(samplesOf(exp, "certdoctor_endpoint_up").every((s) => s.labels.server_name === "localhost"));
  });
});
