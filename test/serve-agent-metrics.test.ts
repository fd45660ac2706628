/**
 * Certificates reported by node agents appear in the server's /metrics, end to end over real sockets: the
 * real agent reports the same node tree from two nodes over HTTPS to a real server (SQLite store), and a
 * scrape shows every certificate once per node and location, labelled with its node and its file labels,
 * values from the certificate itself, promtool-clean, no collision; a location an agent stops reporting
 * loses its series at the next scrape.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startAgentServer } from "./support/agent-server.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import { runCli } from "./support/cli.js";
import { EndpointPki } from "./support/endpoint-pki.js";
import { parseExposition, promtoolCheckMetrics, samplesOf } from "./support/exposition.js";
import { eventually, http } from "./support/http.js";

const NOW = "2026-06-01T00:00:00Z";
const TOKEN = "serve-agent-metrics-token-0123456789";
const work = mkdtempSync(join(tmpdir(), "certdoctor-agent-metrics-"));
after(() => rmSync(work, { recursive: true, force: true }));

describe("certdoctor serve: certificates reported by node agents in /metrics", () => {
  it("one series per certificate per node and location, with the node and file labels; gone when no longer reported", async () => {
    const pki = new EndpointPki();
    pki.ca("server-ca", "/CN=agent-metrics-server-ca");
    pki.leaf("server", "server-ca", "/CN=certdoctor", "IP:127.0.0.1");
    pki.ca("cluster-ca", "/O=Example, Inc./CN=kubernetes");
    pki.leaf("apiserver", "cluster-ca", "/CN=kube-apiserver", "DNS:kubernetes,IP:10.96.0.1");
    const nodeRoot = join(work, "node-root");
    const pkiDir = join(nodeRoot, "etc/kubernetes/pki");
    mkdirSync(pkiDir, { recursive: true });
    cpSync(pki.path("cluster-ca.crt"), join(pkiDir, "ca.crt"));
    cpSync(pki.path("apiserver.crt"), join(pkiDir, "apiserver.crt"));
    cpSync(pki.path("apiserver.key"), join(pkiDir, "apiserver.key"));
    const tokenFile = join(work, "tokens");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    mkdirSync(join(work, "no-proc"), { recursive: true });
    const store = await openSqliteStore(join(work, "store.db"));
    const server = await startAgentServer({ store, tls: { cert: pki.read("server.crt"), key: pki.read("server.key") }, tokenFile, now: NOW, extra: { metrics: { build: { version: "test" }, storeTtlMs: 0 } } });
    const ca = pki.read("server-ca.crt");
    const agent = (node: string) =>
      runCli(["agent", "--root", nodeRoot, "--proc", join(work, "no-proc"), "--node-name", node, "--once", "--now", NOW, "--report-url", `${server.url}/api/v1/agent-reports`, "--ca-file", pki.path("server-ca.crt"), "--token-file", tokenFile, "--spool-dir", join(work, `spool-${node}`), "--max-attempts", "1"]);
    const scrape = async () => {
      const res = await http(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` }, ca });
      assert.equal(res.status, 200);
      return res.body;
    };
    const reportedSeries = (body: string) => samplesOf(parseExposition(body), "x509_cert_not_after").filter((s) => (s.labels.node ?? "") !== "");
    try {
      for (const node of ["worker-1", "worker-2"]) {
        const r = await agent(node);
        assert.equal(r.code, 0, r.err);
      }
      const body = await eventually(async () => {
        const b = await scrape();
        return reportedSeries(b).length === 4 ? b : undefined;
      }, 10_000, "both nodes' certificates");
      assert.equal(promtoolCheckMetrics(body), "");
      const series = reportedSeries(body);
      // Paths as the node names them: the agent's --root mount point is not part of them.
      assert.deepEqual(series.map((s) => `${s.labels.node} ${s.labels.filename} ${s.labels.filepath}`).sort(), [
        "worker-1 apiserver.crt /etc/kubernetes/pki/apiserver.crt",
        "worker-1 ca.crt /etc/kubernetes/pki/ca.crt",
        "worker-2 apiserver.crt /etc/kubernetes/pki/apiserver.crt",
        "worker-2 ca.crt /etc/kubernetes/pki/ca.crt",
      ]);
      const apiserver = new X509Certificate(pki.read("apiserver.crt"));
      for (const s of series.filter((x) => x.labels.filename === "apiserver.crt")) {
        assert.equal(s.value, Date.parse(apiserver.validTo) / 1000);
        assert.equal(s.labels.serial_number, BigInt(`0x${apiserver.serialNumber}`).toString());
        assert.equal(s.labels.subject_CN, "kube-apiserver");
        assert.equal(s.labels.issuer_O, "Example, Inc.");
        assert.equal(s.labels.issuer_CN, "kubernetes");
        assert.equal(s.labels.discriminator, "");
      }
      const exp = parseExposition(body);
      assert.equal(samplesOf(exp, "x509_cert_collision_total").reduce((n, s) => n + s.value, 0), 0);
      const info = samplesOf(exp, "certdoctor_cert_info").filter((s) => s.labels.node === "worker-2");
      assert.equal(info.length, 2);
      assert.deepEqual(new Set(info.map((s) => s.labels.in_use)), new Set(["true"]));

      // worker-2's apiserver certificate is gone from its disk: its series goes, worker-1's (last reported) stays.
      rmSync(join(pkiDir, "apiserver.crt"));
      rmSync(join(pkiDir, "apiserver.key"));
      const again = await agent("worker-2");
      assert.equal(again.code, 0, again.err);
      const later = await eventually(async () => {
        const b = await scrape();
        return reportedSeries(b).length === 3 ? b : undefined;
      }, 10_000, "worker-2's removed certificate's series gone");
      assert.deepEqual(reportedSeries(later).map((s) => `${s.labels.node} ${s.labels.filename}`).sort(), ["worker-1 apiserver.crt", "worker-1 ca.crt", "worker-2 ca.crt"]);
      assert.equal(promtoolCheckMetrics(later), "");
    } finally {
      await server.close();
      pki.cleanup();
    }
  });
});
