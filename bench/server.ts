/**
 * `npm run bench -- --server [--nodes 5000] [--certs-per-node 20]`: the history store under a fleet's
 * agent reports, through the real server over loopback HTTP (parse, validate, one transaction per
 * report), on SQLite and on a throwaway PostgreSQL. Measures: ingesting every node's first report; a
 * second round of reports with nothing changed (must write no placement or change row); p99 of
 * `GET /api/v1/findings` and of the timeline of one location; the process's peak RSS.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { noAuth } from "../src/server/auth.js";
import { createLogger } from "../src/server/log.js";
import { startServer } from "../src/server/run-server.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/types.js";
import { startPostgres } from "../test/support/postgres.js";

export const SERVER_HEADING = "## Server: agent ingestion and API";

const NOW = Date.parse("2026-12-01T00:00:00Z");
const DAY = 86_400_000;
const hex = (s: string) => createHash("sha256").update(s).digest("hex");

function report(node: number, certs: number, sequence: number): string {
  const name = `node-${String(node).padStart(5, "0")}`;
  const ca = hex("fleet-ca");
  const certificates: Array<Record<string, unknown> & { fingerprint: string; subject: string; locations: string[] }> = [
    { fingerprint: ca, subject: "CN=kubernetes", issuer: "CN=kubernetes", serialNumber: "01", notBefore: new Date(NOW - 300 * DAY).toISOString(), notAfter: new Date(NOW + 3000 * DAY).toISOString(), isCA: true, keyType: "EC", keySize: 256, signatureAlgorithm: "ecdsa-with-SHA256", dnsNames: [], ipAddresses: [], issuers: [], locations: ["file:/etc/kubernetes/pki/ca.crt"], role: "cluster CA" },
  ];
  for (let i = 1; i < certs; i++) {
    const notAfter = NOW + ((node * 7 + i * 13) % 400) * DAY;
    certificates.push({ fingerprint: hex(`${name}/${i}`), subject: `CN=${name}-cert-${i}`, issuer: "CN=kubernetes", serialNumber: String(i), notBefore: new Date(NOW - 30 * DAY).toISOString(), notAfter: new Date(notAfter).toISOString(), isCA: false, keyType: "EC", keySize: 256, signatureAlgorithm: "ecdsa-with-SHA256", dnsNames: [name], ipAddresses: [], issuers: [ca], locations: [`file:/var/lib/kubelet/pki/cert-${i}.crt`], role: "kubelet client" });
  }
  const soon = certificates[1]!;
  const findings = [
    { rule: "cert-expiring", severity: "warning", title: `${soon.subject} expires soon`, detail: "d", remediation: "r", certificates: [soon.fingerprint], locations: soon.locations },
    { rule: "weak-crypto", severity: "info", title: "weak", detail: "d", remediation: "r", certificates: [certificates[2]!.fingerprint], locations: certificates[2]!.locations },
  ];
  return JSON.stringify({ schemaVersion: 1, evaluatedAt: new Date(NOW).toISOString(), certificates, findings, keys: [], notes: [], agent: { nodeName: name, agentVersion: "0.1.0", agentId: `00000000-0000-4000-8000-${String(node).padStart(12, "0")}`, sequence, scannedAt: new Date(NOW).toISOString(), scanDurationMs: 40 } });
}

async function post(url: string, body: string): Promise<number> {
  const agent = (JSON.parse(body) as { agent: { agentId: string; sequence: number } }).agent;
  const res = await fetch(`${url}/api/v1/agent-reports`, { method: "POST", body, headers: { "content-type": "application/json", "idempotency-key": `${agent.agentId}:${agent.sequence}` } });
  const out = (await res.json()) as { changes?: number };
  if (res.status !== 201) throw new Error(`report refused: ${res.status} ${JSON.stringify(out)}`);
  return out.changes ?? 0;
}

async function ingest(url: string, nodes: number, certs: number, sequence: number, concurrency = 4): Promise<{ seconds: number; changes: number }> {
  const started = performance.now();
  let next = 0;
  let changes = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < nodes) {
        const c = await post(url, report(next++, certs, sequence));
        changes += c;
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, changes };
}

async function p99(url: string, runs = 200): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)]!;
}

interface Row {
  backend: string;
  first: number;
  firstChanges: number;
  second: number;
  secondChanges: number;
  findingsP99: number;
  timelineP99: number;
  rssMiB: number;
}

async function measure(backend: string, store: Store, nodes: number, certs: number, log: (l: string) => void): Promise<Row> {
  const server = await startServer({ paths: [], sources: [], store, host: "127.0.0.1", port: 0, auth: noAuth, intervalMs: 3_600_000, retentionMs: 90 * DAY, warnDays: 30, critDays: 7, agentSilentAfterMs: 3_600_000, fixedNow: new Date(NOW), log: createLogger(() => undefined) });
  try {
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
    log(`${backend}: ingesting ${nodes} reports of ${certs} certificates`);
    const a = await ingest(server.url, nodes, certs, 1);
    log(`${backend}: first round ${a.seconds.toFixed(1)} s, ${a.changes} changes; second round`);
    const b = await ingest(server.url, nodes, certs, 2);
    log(`${backend}: second round ${b.seconds.toFixed(1)} s, ${b.changes} changes; queries`);
    const findings = await p99(`${server.url}/api/v1/findings`);
    const timeline = await p99(`${server.url}/api/v1/timeline?location=${encodeURIComponent("file:/var/lib/kubelet/pki/cert-7.crt")}&node=node-00042`);
    clearInterval(sampler);
    return { backend, first: a.seconds, firstChanges: a.changes, second: b.seconds, secondChanges: b.changes, findingsP99: findings, timelineP99: timeline, rssMiB: Math.max(peak, process.memoryUsage().rss) / 1048576 };
  } finally {
    await server.close();
  }
}

export async function runServerBench(nodes: number, certs: number, log: (l: string) => void): Promise<{ markdown: string; problems: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-bench-server-"));
  const rows: Row[] = [];
  const load = loadavg();
  try {
    rows.push(await measure("SQLite", await openSqliteStore(join(dir, "bench.db")), nodes, certs, log));
    const pg = await startPostgres();
    try {
      rows.push(await measure("PostgreSQL", await openPostgresStore(await pg.createDatabase()), nodes, certs, log));
    } finally {
      await pg.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const problems: string[] = [];
  const total = nodes * certs;
  for (const r of rows) {
    if (r.firstChanges !== total) problems.push(`${r.backend}: first round recorded ${r.firstChanges} changes, expected ${total}`);
    if (r.secondChanges !== 0) problems.push(`${r.backend}: a round with nothing changed recorded ${r.secondChanges} changes`);
  }
  const lines = [
    SERVER_HEADING,
    "",
    `${nodes} agent reports of ${certs} certificates each (${total} placements; 1 shared CA, the rest unique), POSTed over loopback HTTP by 4 concurrent clients to the real server (parse, validate, one transaction per report). Load average at start ${load.map((x) => x.toFixed(2)).join(", ")} (2 cores shared with other work). RSS is client and server in one process.`,
    "",
    "| store | first round | second round (nothing changed) | rows written in 2nd | findings p99 | one location's timeline p99 | peak RSS |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.backend} | ${r.first.toFixed(1)} s | ${r.second.toFixed(1)} s (${((r.second / r.first) * 100).toFixed(0)}%) | ${r.secondChanges} changes | ${r.findingsP99.toFixed(1)} ms | ${r.timelineP99.toFixed(1)} ms | ${r.rssMiB.toFixed(0)} MiB |`),
    "",
  ];
  return { markdown: `${lines.join("\n")}\n`, problems };
}
