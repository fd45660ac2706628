/**
 * `npm run bench -- --server [--nodes 5000] [--certs-per-node 20]`: the history store under a fleet's
 * agent reports, through the real server over loopback HTTP (parse, validate, one transaction per
 * report), on SQLite and on a throwaway PostgreSQL. Measures: ingesting every node's first report; a
 * second round of reports with nothing changed (must write no placement or change row); p99 of
 * `GET /api/v1/findings` and of the timeline of one location; the process's peak RSS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { noAuth } from "../src/server/auth.js";
import { createLogger } from "../src/server/log.js";
import { startServer } from "../src/server/run-server.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/types.js";
import { startPostgres } from "../test/support/postgres.js";
import { NOW } from "./fleet-report.js";
import type { IngestDone, IngestJob } from "./ingest-worker.js";

export const SERVER_HEADING = "## Server: agent ingestion and API";

const DAY = 86_400_000;
const CONCURRENCY = 4;

/** One round of every node's report, sent by the worker-thread agents (bench/ingest-worker.ts). */
function ingest(url: string, nodes: number, certs: number, sequence: number, concurrency = CONCURRENCY): Promise<IngestDone> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./ingest-worker.js", import.meta.url), { workerData: { url, nodes, certs, sequence, concurrency } satisfies IngestJob });
    worker.once("message", (done: IngestDone) => (done.refused.length > 0 ? reject(new Error(`reports refused: ${done.refused.slice(0, 3).join("; ")}`)) : resolve(done)));
    worker.once("error", reject);
  });
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
    `${nodes} agent reports of ${certs} certificates each (${total} placements; 1 shared CA, the rest unique), POSTed over loopback HTTP by ${CONCURRENCY} concurrent keep-alive clients in a worker thread (the agents) to the real server (parse, validate; reports arriving together are written in one transaction). Load average at start ${load.map((x) => x.toFixed(2)).join(", ")} (2 cores shared with other work). RSS is client and server in one process. Times are wall-clock of one round each.`,
    "",
    "| store | first round | second round (nothing changed) | rows written in 2nd | findings p99 | one location's timeline p99 | peak RSS |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.backend} | ${r.first.toFixed(1)} s | ${r.second.toFixed(1)} s (${((r.second / r.first) * 100).toFixed(0)}%) | ${r.secondChanges} changes | ${r.findingsP99.toFixed(1)} ms | ${r.timelineP99.toFixed(1)} ms | ${r.rssMiB.toFixed(0)} MiB |`),
    "",
  ];
  return { markdown: `${lines.join("\n")}\n`, problems };
}
