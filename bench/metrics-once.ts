/**
 * One measured /metrics run in a fresh process: `node --expose-gc dist/bench/metrics-once.js <tree> <nowIso>`.
 * Scans the tree, puts the result in a ServerState, serves the real app (SQLite store, loopback HTTP) and
 * scrapes it: cold and warm text, cold OpenMetrics, then 10 concurrent scrapes of a new state version
 * against one scrape of another (process CPU time says whether concurrent scrapes multiply the work), and
 * finally two rescans of the unchanged tree published while scraped: the first scrape(s) after each.
 * Prints one JSON line (MetricsOnceReport).
 */
import { request } from "node:http";
import { createGunzip } from "node:zlib";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { scan } from "../src/engine/scan.js";
import { createApp, defaultServerLimits } from "../src/server/app.js";
import { noAuth } from "../src/server/auth.js";
import { listen } from "../src/server/listen.js";
import { memoryLogger } from "../src/server/log.js";
import { routeModules } from "../src/server/routes.js";
import { ServerState } from "../src/server/state.js";
import { openSqliteStore } from "../src/store/sqlite.js";

export interface ScrapeResult {
  ms: number;
  /** Bytes on the wire (gzip, as Prometheus asks). */
  bytes: number;
  /** Bytes of the exposition text and its samples (counted when inflated). */
  rawBytes?: number;
  samples?: number;
  contentType: string;
}

export interface MetricsOnceReport {
  certificates: number;
  locations: number;
  scanMs: number;
  coldText: ScrapeResult;
  warmTextMs: number;
  coldOpenMetrics: ScrapeResult;
  /** Bytes retained after the cold text scrape (V8 heap + external memory such as Buffers, after GC). */
  retainedMiB: number;
  /** RSS right after the cold text scrape, before GC, minus RSS before it. */
  rssExtraMiB: number;
  /** One scrape of a fresh state version: wall and process CPU. */
  singleMs: number;
  singleCpuMs: number;
  /** Ten concurrent scrapes of another fresh version. */
  concurrentMs: number;
  concurrentCpuMs: number;
  /** The 10 concurrent answers and the single one have the same size (the same rendering). */
  concurrentBytesEqual: boolean;
  /**
   * A second scan of the same tree published while /metrics is being scraped (the server's steady state): the
   * first scrape sent right after the publish waits for the rendering made ahead, whose wall and CPU time this is.
   */
  rescanFirstMs: number;
  rescanCpuMs: number;
  /** Ten concurrent scrapes sent right after a third scan's publish. */
  rescanConcurrentMs: number;
  rescanConcurrentCpuMs: number;
  /** Load average (1 min) when the rescan was measured. */
  rescanLoad: number;
}

const OPENMETRICS = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const MiB = 1024 * 1024;

/** GET /metrics as Prometheus does (Accept, Accept-Encoding: gzip); `inflate` also counts the text's bytes and samples. */
function scrape(url: string, accept: string, inflate = false): Promise<ScrapeResult & { digest: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}/metrics`, { headers: { accept, "accept-encoding": "gzip" } }, (res) => {
      let bytes = 0;
      let rawBytes = 0;
      let samples = 0;
      let atLineStart = true;
      const gunzip = inflate ? createGunzip() : undefined;
      gunzip?.on("data", (chunk: Buffer) => {
        rawBytes += chunk.length;
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk[i]!;
          if (atLineStart && c !== 0x23 /* # */) samples++;
          atLineStart = c === 0x0a;
        }
      });
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        gunzip?.write(chunk);
      });
      res.on("end", () => {
        if (res.statusCode !== 200 || res.headers["content-encoding"] !== "gzip") return reject(new Error(`/metrics answered ${res.statusCode} ${res.headers["content-encoding"]}`));
        const done = () => resolve({ ms: performance.now() - started, bytes, contentType: String(res.headers["content-type"]), digest: String(bytes), ...(inflate ? { rawBytes, samples } : {}) });
        if (gunzip) gunzip.end(done);
        else done();
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function note(line: string): void {
  process.stderr.write(`[metrics-once ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
}

function retained(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external; // external includes arrayBuffers (Buffers)
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

async function main(): Promise<void> {
  const [dir, nowIso] = process.argv.slice(2);
  if (!dir || !nowIso) throw new Error("usage: metrics-once.js TREE NOW_ISO");
  if ((globalThis as { gc?: unknown }).gc === undefined) throw new Error("run with --expose-gc");
  const now = new Date(nowIso);
  const t0 = performance.now();
  const result = await scan({ paths: [dir], now, warnDays: 30, critDays: 7 });
  const scanMs = performance.now() - t0;
  const work = mkdtempSync(join(tmpdir(), "certdoctor-metrics-bench-"));
  const store = await openSqliteStore(join(work, "store.db"));
  const state = new ServerState([{ name: `path:${dir}`, kind: "file", ready: true, lastRunAt: now.getTime() }]);
  state.update({ diagnosis: { result, paths: [dir], sourceKinds: [] } });
  const app = createApp(
    { store, state, auth: noAuth, limits: defaultServerLimits, log: memoryLogger(), clock: () => now.getTime(), agentSilentAfterMs: 3 * 3_600_000, metrics: { public: true, build: { version: "bench" } } },
    routeModules,
  );
  const server = await listen(app, { host: "127.0.0.1", port: 0 });
  try {
    gc();
    const before = retained();
    const rssBefore = process.memoryUsage().rss;
    note(`scan ${Math.round(scanMs)} ms; cold text scrape`);
    const cold = await scrape(server.url, "*/*", true);
    note(`cold text ${Math.round(cold.ms)} ms`);
    const rssExtraMiB = (process.memoryUsage().rss - rssBefore) / MiB;
    gc();
    const retainedMiB = (retained() - before) / MiB;
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) warm.push((await scrape(server.url, "*/*")).ms);
    const om = await scrape(server.url, OPENMETRICS, true);
    note(`cold openmetrics ${Math.round(om.ms)} ms`);

    // A new version of the same scan (source progress changed): rendered again, not re-planned.
    const bump = () => state.updateSource(`path:${dir}`, { lastRunAt: Date.now() });
    bump();
    let cpu = process.cpuUsage();
    const single = await scrape(server.url, "*/*");
    note(`single ${Math.round(single.ms)} ms`);
    const singleCpuMs = cpuMs(cpu);
    bump();
    cpu = process.cpuUsage();
    const t1 = performance.now();
    const many = await Promise.all(Array.from({ length: 10 }, () => scrape(server.url, "*/*")));
    const concurrentMs = performance.now() - t1;
    const concurrentCpuMs = cpuMs(cpu);

    // A rescan (a new scan of the unchanged tree) published while Prometheus scrapes.
    const rescan = async () => {
      const again = await scan({ paths: [dir], now, warnDays: 30, critDays: 7 });
      gc();
      state.update({ diagnosis: { result: again, paths: [dir], sourceKinds: [] } });
    };
    await rescan();
    const rescanLoad = loadavg()[0]!;
    cpu = process.cpuUsage();
    const rescanFirst = await scrape(server.url, OPENMETRICS);
    const rescanCpuMs = cpuMs(cpu);
    note(`rescan first scrape ${Math.round(rescanFirst.ms)} ms`);
    await rescan();
    cpu = process.cpuUsage();
    const t2 = performance.now();
    await Promise.all(Array.from({ length: 10 }, () => scrape(server.url, OPENMETRICS)));
    const rescanConcurrentMs = performance.now() - t2;
    const rescanConcurrentCpuMs = cpuMs(cpu);

    const strip = ({ digest: _d, ...r }: ScrapeResult & { digest: string }): ScrapeResult => ({ ...r, ms: Math.round(r.ms) });
    const report: MetricsOnceReport = {
      certificates: result.certificates.length,
      locations: result.certificates.reduce((n, c) => n + c.locations.length, 0),
      scanMs: Math.round(scanMs),
      coldText: strip(cold),
      warmTextMs: Math.round(warm.sort((a, b) => a - b)[1]!),
      coldOpenMetrics: strip(om),
      retainedMiB: Math.round(retainedMiB * 10) / 10,
      rssExtraMiB: Math.round(rssExtraMiB * 10) / 10,
      singleMs: Math.round(single.ms),
      singleCpuMs: Math.round(singleCpuMs),
      concurrentMs: Math.round(concurrentMs),
      concurrentCpuMs: Math.round(concurrentCpuMs),
      concurrentBytesEqual: new Set([single, ...many].map((m) => m.digest)).size === 1,
      rescanFirstMs: Math.round(rescanFirst.ms),
      rescanCpuMs: Math.round(rescanCpuMs),
      rescanConcurrentMs: Math.round(rescanConcurrentMs),
      rescanConcurrentCpuMs: Math.round(rescanConcurrentCpuMs),
      rescanLoad: Math.round(rescanLoad * 100) / 100,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await server.close();
    await store.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
