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
import { NOW } from "../test/support/fleet-report.js";
import type { IngestDone, IngestJob } from "./ingest-worker.js";

export const SERVER_HEADING = "## Server: agent ingestion and API";

const DAY = 86_400_000;
/** Reports in flight at once: a fleet's agents report independently, so the server sees many together. */
export const DEFAULT_CONCURRENCY = 16;

/** One round of every node's report, sent by the worker-thread agents (bench/ingest-worker.ts). */
function ingest(url: string, nodes: number, certs: number, sequence: number, concurrency: number): Promise<IngestDone> {
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
  /** 1-minute load average at the start and the end of the run. */
  load: [number, number];
}

export interface ServerBenchOptions {
  nodes: number;
  certs: number;
  /** Each backend is measured this many times on a fresh database; the table shows medians. */
  runs: number;
  concurrency: number;
  log: (l: string) => void;
}

async function measure(backend: string, store: Store, o: ServerBenchOptions): Promise<Row> {
  const load0 = loadavg()[0]!;
  const server = await startServer({ paths: [], sources: [], store, host: "127.0.0.1", port: 0, auth: noAuth, intervalMs: 3_600_000, retentionMs: 90 * DAY, warnDays: 30, critDays: 7, agentSilentAfterMs: 3_600_000, fixedNow: new Date(NOW), log: createLogger(() => undefined) });
  try {
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
    o.log(`${backend}: ingesting ${o.nodes} reports of ${o.certs} certificates (load ${load0.toFixed(2)})`);
    const a = await ingest(server.url, o.nodes, o.certs, 1, o.concurrency);
    o.log(`${backend}: first round ${a.seconds.toFixed(1)} s, ${a.changes} changes; second round`);
    const b = await ingest(server.url, o.nodes, o.certs, 2, o.concurrency);
    o.log(`${backend}: second round ${b.seconds.toFixed(1)} s, ${b.changes} changes; queries`);
    const findings = await p99(`${server.url}/api/v1/findings`);
    const timeline = await p99(`${server.url}/api/v1/timeline?location=${encodeURIComponent("file:/var/lib/kubelet/pki/cert-7.crt")}&node=node-00042`);
    clearInterval(sampler);
    const load1 = loadavg()[0]!;
    o.log(`${backend}: findings p99 ${findings.toFixed(1)} ms, timeline p99 ${timeline.toFixed(1)} ms (load ${load1.toFixed(2)})`);
    return { backend, first: a.seconds, firstChanges: a.changes, second: b.seconds, secondChanges: b.changes, findingsP99: findings, timelineP99: timeline, rssMiB: Math.max(peak, process.memoryUsage().rss) / 1048576, load: [load0, load1] };
  } finally {
    await server.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export async function runServerBench(o: ServerBenchOptions): Promise<{ markdown: string; problems: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-bench-server-"));
  const runs: Row[] = [];
  try {
    const pg = await startPostgres();
    try {
      for (let i = 0; i < o.runs; i++) {
        runs.push(await measure("SQLite", await openSqliteStore(join(dir, `bench-${i}.db`)), o));
        runs.push(await measure("PostgreSQL", await openPostgresStore(await pg.createDatabase()), o));
      }
    } finally {
      await pg.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const problems: string[] = [];
  const total = o.nodes * o.certs;
  for (const r of runs) {
    if (r.firstChanges !== total) problems.push(`${r.backend}: first round recorded ${r.firstChanges} changes, expected ${total}`);
    if (r.secondChanges !== 0) problems.push(`${r.backend}: a round with nothing changed recorded ${r.secondChanges} changes`);
  }
  const rows = ["SQLite", "PostgreSQL"].map((backend) => {
    const of = runs.filter((r) => r.backend === backend);
    const m = (f: (r: Row) => number) => median(of.map(f));
    const loads = of.flatMap((r) => r.load);
    return `| ${backend} | ${m((r) => r.first).toFixed(1)} s | ${m((r) => r.second).toFixed(1)} s (${(m((r) => r.second / r.first) * 100).toFixed(0)}%) | ${Math.max(...of.map((r) => r.secondChanges))} | ${m((r) => r.findingsP99).toFixed(1)} ms | ${m((r) => r.timelineP99).toFixed(1)} ms | ${Math.max(...of.map((r) => r.rssMiB)).toFixed(0)} MiB | ${of.map((r) => `${r.first.toFixed(1)}/${r.second.toFixed(1)}`).join(", ")} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} |`;
  });
  const lines = [
    SERVER_HEADING,
    "",
    `${o.nodes} agent reports of ${o.certs} certificates each (${total} placements; 1 shared CA, the rest unique), POSTed over loopback HTTP by ${o.concurrency} concurrent keep-alive clients in a worker thread (the agents) to the real server (parse, validate; reports arriving together are written in one transaction). Medians of ${o.runs} runs per store, each on a fresh database; the load column is the 1-minute load average at the start and end of the runs (2 cores shared with other work). RSS is client and server in one process (max over runs). Times are wall-clock of one round each.`,
    "",
    "| store | first round | second round (nothing changed) | changes written in 2nd | findings p99 | one location's timeline p99 | peak RSS | every run (1st/2nd s) | load |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ];
  return { markdown: `${lines.join("\n")}\n`, problems };
}
