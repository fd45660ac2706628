/**
 * `npm run bench -- --metrics [--runs N] [--sizes 100000]`: GET /metrics on the real server app for the
 * bench corpus (issue 10's target: 100,000 certificate locations, one scrape under 1 s and 150 MiB extra,
 * 10 concurrent scrapes not multiplying the work). Each run is `metrics-once.ts` in a fresh process, with
 * enix's empty label slots written (the default) and left out (`emitEmptyLabels: false` is not exposed by
 * the bench process; the text sizes show the difference). Writes the `## /metrics` section of results.md.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureCorpus } from "./corpus.js";
import type { MetricsOnceReport } from "./metrics-once.js";

export const METRICS_HEADING = "## /metrics scrape";
const HERE = dirname(fileURLToPath(import.meta.url));

function runOnce(dir: string, now: string): MetricsOnceReport | string {
  const out = spawnSync(process.execPath, ["--expose-gc", join(HERE, "metrics-once.js"), dir, now], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (out.status !== 0) return out.stderr.trim().split("\n").slice(-3).join(" | ") || `exit ${out.status}`;
  return JSON.parse(out.stdout) as MetricsOnceReport;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export async function runMetricsBench(sizes: number[], runs: number, log: (line: string) => void): Promise<{ markdown: string; problems: string[] }> {
  const problems: string[] = [];
  const rows: string[] = [];
  const runsLog: string[] = [];
  const load = loadavg()[0]!;
  for (const size of sizes) {
    const info = await ensureCorpus(size, { log });
    const reports: MetricsOnceReport[] = [];
    for (let i = 0; i < runs; i++) {
      log(`/metrics ${size}: run ${i + 1}/${runs}`);
      const r = runOnce(info.dir, info.now);
      if (typeof r === "string") problems.push(`${size}: ${r}`);
      else reports.push(r);
    }
    if (reports.length === 0) continue;
    const r = reports.sort((a, b) => a.singleMs - b.singleMs)[Math.floor(reports.length / 2)]!;
    if (r.certificates !== info.certificates) problems.push(`${size}: the scan found ${r.certificates} certificates, expected ${info.certificates}`);
    if (!r.concurrentBytesEqual) problems.push(`${size}: concurrent scrapes got different answers`);
    rows.push(
      `| ${r.certificates.toLocaleString("en")} | ${r.locations.toLocaleString("en")} | ${(r.coldText.samples ?? 0).toLocaleString("en")} | ${mb(r.coldText.rawBytes ?? 0)} / ${mb(r.coldText.bytes)} | ${s(r.coldText.ms)} | ${s(r.rescanFirstMs)} (${s(r.rescanCpuMs)} CPU, load ${r.rescanLoad}) | ${s(r.rescanConcurrentMs)} (${s(r.rescanConcurrentCpuMs)} CPU) | ${s(r.singleMs)} (${s(r.singleCpuMs)} CPU) | ${r.warmTextMs} ms | ${s(r.concurrentMs)} (${s(r.concurrentCpuMs)} CPU vs ${s(r.singleCpuMs)} for one) | ${r.retainedMiB} MiB | ${r.rssExtraMiB} MiB |`,
    );
    runsLog.push(...reports.map((x) => `cold ${s(x.coldText.ms)}, after a rescan ${s(x.rescanFirstMs)} (${s(x.rescanCpuMs)} CPU, load ${x.rescanLoad}), new state ${s(x.singleMs)}`));
  }
  const markdown = `${METRICS_HEADING}

\`npm run bench -- --metrics\`: the server app (SQLite store, loopback HTTP) holding one scan of the bench corpus;
scrapes send Prometheus's \`Accept\` and \`Accept-Encoding: gzip\`. Median of ${runs} run(s); load average at start ${load.toFixed(2)} (2 cores).

| Certificates | Locations | Samples | Text / gzip | First scrape, cold (plan + render) | First scrape after a rescan | 10 concurrent after a rescan | New state of the same scan | Cached | 10 concurrent, new state | Retained after | RSS growth |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

"Cold" is the first scrape of the process's first scan: nothing planned or rendered before it. "After a
rescan": a second scan of the unchanged tree is published while /metrics is being scraped (the server's steady
state) and a scrape is sent at once; it waits for the rendering the server starts ahead, which plans the new
scan and reuses the last rendering's unchanged segments (per-run CPU is the process's, rendering and serving).
"New state of the same scan": a source's progress changed, the per-certificate families are shared. "Cached" is
every other scrape. "Retained" is heap + external memory kept after the first scrape (GC'd): the plan and the
gzip rendering. Runs: ${runsLog.join("; ")}.

Peer: x509-certificate-exporter (enix, commit 5381261) was not measured: its go.mod asks for Go 1.26 and a
module download, and this machine has Go 1.19.8 (\`go build\` stops at "invalid go version '1.26.0'") and
no module cache, so it does not build offline.
${problems.length > 0 ? `\n**Problems:** ${problems.join("; ")}\n` : ""}`;
  return { markdown, problems };
}
