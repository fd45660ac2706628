/**
 * `npm run bench -- --fleet [--agents 1000,5000] [--fleet-seconds 60] [--report-interval 10]`: issue 14's
 * fleet simulation. Real `certdoctor serve` processes (start-up included): one on SQLite, one and two
 * replicas sharing a throwaway PostgreSQL; N simulated node agents report to them over loopback HTTP
 * (agent N to replica N mod replicas), each on its own
 * schedule: its first report at a random point of the first interval, then one every interval ±10 %
 * (the agent's jitter), its sequence counting up and, in 1 % of reports, one certificate renewed.
 * Measured per run: reports answered per second, POST latency p50/p99/max for first reports (full
 * writes) and steady ones (mostly unchanged), serve's CPU time and peak RSS (/proc), and the database's
 * growth, extrapolated to one day at a 5-minute report interval. The interval is compressed (10 s
 * instead of the agents' 5 min) so that the offered rate of a big fleet is reached on loopback.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startPostgres } from "../test/support/postgres.js";
import { agentReport, reportPoster } from "../test/support/fleet-report.js";

export const FLEET_HEADING = "## Fleet simulation";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CERTS = 20;
const REAL_INTERVAL_S = 300;
const CLOCK_TICKS = 100;

export interface FleetOptions {
  agents: number[];
  seconds: number;
  intervalS: number;
  log: (l: string) => void;
}

interface Row {
  backend: string;
  agents: number;
  answered: number;
  refused: number;
  failed: number;
  perSecond: number;
  offeredPerSecond: number;
  first: Percentiles;
  steady: Percentiles;
  cpuS: number;
  rssMiB: number;
  startupMs: number;
  /** Database growth per steady report, from 1.5 intervals in to the end. */
  steadyBytesPerReport: number;
  load: [number, number];
}

interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function percentiles(ms: number[]): Percentiles {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(s.length * q) - 1)]!);
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s.length === 0 ? NaN : s[s.length - 1]! };
}

/** serve's user+system CPU seconds and peak RSS, from /proc. */
function processUsage(pid: number): { cpuS: number; peakRssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuS = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuS, peakRssMiB: Number(hwm?.[1] ?? 0) / 1024 };
}

function startServe(database: string): Promise<{ proc: ChildProcess; url: string; startupMs: number }> {
  const started = performance.now();
  const proc = spawn(process.execPath, [join(REPO, "bin/certdoctor.js"), "serve", "--database", database, "--no-auth", "--listen", "127.0.0.1:0", "--interval", "1h"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  // serve logs a line per stored report: drained, never kept
  proc.stderr!.on("data", (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  return new Promise((resolveStart, reject) => {
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /^Dashboard: (\S+)\/$/m.exec(out);
      if (m) resolveStart({ proc, url: m[1]!, startupMs: performance.now() - started });
    });
    proc.once("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((r) => {
    proc.once("exit", () => r());
    proc.kill("SIGTERM");
  });
}

/** Every agent on its own schedule for `seconds`; returns latencies by kind and the counts. */
async function runAgents(urls: readonly string[], agents: number, seconds: number, intervalS: number): Promise<{ first: number[]; steady: number[]; steadyDoneAt: number[]; lastFirstDoneAt: number; refused: number; failed: number; elapsedS: number }> {
  // agent N reports to replica N mod replicas (a Service spreads connections)
  const posters = urls.map((url) => reportPoster(url, Math.min(agents, 256)));
  const first: number[] = [];
  const steady: number[] = [];
  const steadyDoneAt: number[] = [];
  let lastFirstDoneAt = 0;
  let refused = 0;
  let failed = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const inFlight: Promise<void>[] = [];
  const agent = async (node: number) => {
    const poster = posters[node % posters.length]!;
    let sequence = 0;
    let generation = 0;
    let due = started + random() * intervalS * 1000;
    while (true) {
      const wait = due - performance.now();
      if (due >= end) return;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sequence++;
      if (sequence > 1 && random() < 0.01) generation++;
      try {
        const body = agentReport(node, CERTS, sequence, Date.now(), generation);
        // a keep-alive socket the server closed as idle (its 5 s timeout) fails on reuse: agents retry once
        let retried = false;
        const r = await poster.post(node, sequence, body).catch(() => {
          retried = true;
          return poster.post(node, sequence, body);
        });
        // a retried report the first attempt stored is a duplicate: stored all the same
        if (r.status !== 201 && !(retried && r.status === 409)) refused++;
        else if (sequence === 1) {
          first.push(r.ms);
          lastFirstDoneAt = performance.now() - started;
        }
        else {
          steady.push(r.ms);
          steadyDoneAt.push(performance.now() - started);
        }
      } catch {
        failed++;
      }
      due += intervalS * 1000 * (0.9 + 0.2 * random());
    }
  };
  for (let node = 0; node < agents; node++) inFlight.push(agent(node));
  await Promise.all(inFlight);
  for (const p of posters) p.close();
  return { first, steady, steadyDoneAt, lastFirstDoneAt, refused, failed, elapsedS: (performance.now() - started) / 1000 };
}

/** The database's size: SQLite's pages as of the last commit (WAL included), PostgreSQL's pg_database_size. */
async function databaseBytes(database: string): Promise<number> {
  if (!database.startsWith("postgres://")) {
    const { default: Driver } = await import("better-sqlite3");
    const db = new Driver(database, { readonly: true, fileMustExist: true });
    try {
      return Number(db.pragma("page_count", { simple: true })) * Number(db.pragma("page_size", { simple: true }));
    } finally {
      db.close();
    }
  }
  const { default: pg } = await import("pg");
  const c = new pg.Client({ connectionString: database });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>("SELECT pg_database_size(current_database()) AS n")).rows[0]!.n);
  } finally {
    await c.end();
  }
}

/** `replicas` serve processes on one database (PostgreSQL only for more than one), each with its share of the agents. */
async function simulate(backend: string, database: string, agents: number, replicas: number, o: FleetOptions): Promise<Row> {
  const load0 = loadavg()[0]!;
  const serves: Array<Awaited<ReturnType<typeof startServe>>> = [];
  try {
    for (let i = 0; i < replicas; i++) serves.push(await startServe(database));
    const usageOf = () => serves.map((sv) => processUsage(sv.proc.pid!));
    const before = usageOf();
    // the database's size once the first reports are in (1.5 intervals), to measure what steady reports add
    let mark: Promise<number> | undefined;
    const markMs = o.intervalS * 1500;
    const timer = setTimeout(() => (mark = databaseBytes(database)), markMs);
    const startupMs = Math.max(...serves.map((sv) => sv.startupMs));
    o.log(`${backend}: ${agents} agents every ${o.intervalS} s for ${o.seconds} s (serve up in ${startupMs.toFixed(0)} ms, load ${load0.toFixed(2)})`);
    const r = await runAgents(serves.map((sv) => sv.url), agents, o.seconds, o.intervalS);
    const after = usageOf();
    const usage = { cpuS: after.reduce((n, u, i) => n + u.cpuS - before[i]!.cpuS, 0), peakRssMiB: Math.max(...after.map((u) => u.peakRssMiB)) };
    clearTimeout(timer);
    const atMark = mark === undefined ? NaN : await mark;
    const steadyGrowth = (await databaseBytes(database)) - atMark;
    const steadyAfterMark = r.steadyDoneAt.filter((t) => t > markMs).length;
    const answered = r.first.length + r.steady.length;
    const row: Row = {
      backend,
      agents,
      answered,
      refused: r.refused,
      failed: r.failed,
      perSecond: answered / r.elapsedS,
      offeredPerSecond: agents / o.intervalS,
      first: percentiles(r.first),
      steady: percentiles(r.steady),
      cpuS: usage.cpuS,
      rssMiB: usage.peakRssMiB,
      startupMs,
      // unknown when first reports (full writes) were still being stored after the mark: a backlog
      steadyBytesPerReport: r.lastFirstDoneAt > markMs ? NaN : steadyGrowth / Math.max(1, steadyAfterMark),
      load: [load0, loadavg()[0]!],
    };
    o.log(`${backend}: ${answered} reports in ${r.elapsedS.toFixed(1)} s (${row.perSecond.toFixed(0)}/s), steady p50 ${row.steady.p50.toFixed(1)} ms p99 ${row.steady.p99.toFixed(1)} ms, first p99 ${row.first.p99.toFixed(0)} ms, CPU ${row.cpuS.toFixed(1)} s, RSS ${row.rssMiB.toFixed(0)} MiB`);
    return row;
  } finally {
    for (const sv of serves) await stop(sv.proc);
  }
}

const ms = (v: number) => (Number.isNaN(v) ? "–" : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);

export async function runFleetBench(o: FleetOptions): Promise<{ markdown: string; problems: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-bench-fleet-"));
  const rows: Row[] = [];
  try {
    const pg = await startPostgres();
    try {
      for (const agents of o.agents) {
        rows.push(await simulate("SQLite", join(dir, `fleet-${agents}.db`), agents, 1, o));
        rows.push(await simulate("PostgreSQL", await pg.createDatabase(), agents, 1, o));
        rows.push(await simulate("PostgreSQL, 2 replicas", await pg.createDatabase(), agents, 2, o));
      }
    } finally {
      await pg.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const problems = rows.filter((r) => r.failed > 0 || r.refused > 0).map((r) => `${r.backend} ${r.agents} agents: ${r.refused} refused, ${r.failed} failed`);
  const table = rows.map((r) => {
    // a steady report's growth times a day of every agent's reports at the real interval
    const perDayMiB = (r.steadyBytesPerReport * r.agents * (86_400 / REAL_INTERVAL_S)) / 1048576;
    return `| ${r.backend} | ${r.agents} | ${r.offeredPerSecond.toFixed(0)}/s | ${r.perSecond.toFixed(0)}/s | ${ms(r.steady.p50)} | ${ms(r.steady.p99)} | ${ms(r.steady.max)} | ${ms(r.first.p50)} / ${ms(r.first.p99)} | ${r.cpuS.toFixed(1)} s | ${r.rssMiB.toFixed(0)} MiB | ${r.startupMs.toFixed(0)} ms | ${Number.isFinite(perDayMiB) ? `${(r.steadyBytesPerReport / 1024).toFixed(2)} KiB (~${perDayMiB.toFixed(0)} MiB/day)` : "–"} | ${r.refused + r.failed} | ${r.load[0].toFixed(1)}–${r.load[1].toFixed(1)} |`;
  });
  const lines = [
    FLEET_HEADING,
    "",
    `Simulated node agents reporting to real \`certdoctor serve\` processes over loopback HTTP (one on SQLite; one, and two replicas sharing the database, on PostgreSQL — each replica gets every other agent), for ${o.seconds} s per run: each agent's first report (${CERTS} certificates, 2 findings) at a random point of the first interval, then one every ${o.intervalS} s ±10 % (the real agents' 5 minutes, compressed), 1 % of them with a renewed certificate, the rest unchanged. Latency is the POST's wall time as the agent sees it; CPU is serve's own summed over replicas and peak RSS the largest replica's (/proc; PostgreSQL's backends are not included); growth is the database's bytes per steady report (from 1.5 intervals in, when the first reports are stored, to the end — "–" when first reports were still being stored then, a backlog; SQLite page count, PostgreSQL pg_database_size), and per day multiplies it by every agent reporting every 5 minutes. Load is the 1-minute load average at the start and end of each run (2 cores shared with other work).`,
    "",
    "| store | agents | offered | answered | steady p50 | steady p99 | steady max | first report p50 / p99 | serve CPU | serve peak RSS | serve start-up | growth per steady report (per day) | refused+failed | load |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...table,
    "",
  ];
  return { markdown: `${lines.join("\n")}\n`, problems };
}
