/**
 * `npm run bench [-- --sizes 1000,10000 --runs 3 --no-baseline]`; `npm run bench -- --endpoints` runs only
 * the endpoint-probing bench (bench/endpoints.ts), `-- --metrics` the /metrics scrape bench (bench/metrics.ts).
 * Generates (or reuses) the corpora, runs each scan in a fresh process, checks the scan found every
 * certificate and verified every issued one, times the Python baseline on the same tree, and prints
 * a Markdown table that is also written to bench/results.md.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { findBaseline, runBaseline, type BaselineAvailability, type BaselineRun } from "./baseline.js";
import { renderClusterResult, runClusterBench } from "./cluster.js";
import { COMMAND_HEADING, renderCommandResult, runCommandBench } from "./command.js";
import { ensureCorpus, type CorpusInfo } from "./corpus.js";
import { endpointHeading } from "./endpoint-report.js";
import { runEndpointBench } from "./endpoints.js";
import { METRICS_HEADING, runMetricsBench } from "./metrics.js";
import { FLEET_HEADING, runFleetBench } from "./fleet.js";
import { DEFAULT_CONCURRENCY, runServerBench, SERVER_HEADING } from "./server.js";
import { renderResults, type SizeResult } from "./report.js";
import { keepSections, replaceSection } from "./results-file.js";
import type { ScanOnceReport } from "./scan-once.js";
import { verifyCorpusSample } from "./verify-sample.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS_PATH = resolve(HERE, "..", "..", "bench", "results.md");

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function parseSizes(text: string): number[] {
  const sizes = text.split(",").map((s) => Number(s.trim().replace(/_/g, "")));
  if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`--sizes: expected integers >= 100, got "${text}"`);
  return sizes;
}

interface ScanRun {
  report: ScanOnceReport;
  processSeconds: number;
}

type ScanOutcome = { ok: true; run: ScanRun } | { ok: false; reason: string };

function runScanOnce(info: CorpusInfo): ScanOutcome {
  const started = performance.now();
  const out = spawnSync(process.execPath, [join(HERE, "scan-once.js"), info.dir, info.now], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  const processSeconds = (performance.now() - started) / 1000;
  if (out.status !== 0) return { ok: false, reason: out.stderr.trim().split("\n").slice(-3).join(" | ") || `exit ${out.status}` };
  return { ok: true, run: { report: JSON.parse(out.stdout) as ScanOnceReport, processSeconds } };
}

/** A benchmark that silently scans nothing is worthless: every run must see the whole corpus. */
function checkScan(info: CorpusInfo, r: ScanOnceReport): string[] {
  const problems: string[] = [];
  if (r.certificates !== info.certificates) problems.push(`found ${r.certificates} distinct certificates, expected ${info.certificates}`);
  const expectedIssued = info.leaves + info.cas / 2;
  if (r.issued !== expectedIssued) problems.push(`${r.issued} non-self-issued certificates, expected ${expectedIssued}`);
  if (r.issuedVerified !== r.issued) problems.push(`${r.issued - r.issuedVerified} issued certificates without a verified issuer`);
  return problems;
}

function checkBaseline(info: CorpusInfo, b: BaselineRun): string[] {
  // Without PyYAML the baseline skips YAML files by design; report.ts notes it and the counts differ.
  if (b.report.yamlSkipped > 0) return [];
  const problems: string[] = [];
  if (b.report.certificates !== info.certificates) problems.push(`python found ${b.report.certificates} certificates, expected ${info.certificates}`);
  if (b.report.unverified !== 0) problems.push(`python could not verify ${b.report.unverified} certificates`);
  return problems;
}

function pickMedian<T>(runs: T[], key: (t: T) => number): T {
  return [...runs].sort((a, b) => key(a) - key(b))[Math.floor((runs.length - 1) / 2)]!;
}

async function measureSize(
  size: number,
  runs: number,
  baseline: BaselineAvailability | undefined,
  problems: string[],
): Promise<SizeResult> {
  const info = await ensureCorpus(size, { log });
  const sample = verifyCorpusSample(info);
  if (sample.checked === 0 || sample.failures.length > 0) problems.push(...sample.failures.map((f) => `${size}: corpus sample: ${f}`));
  else log(`${size}: openssl verified ${sample.checked} sampled leaves`);

  const result: SizeResult = { info, scanRuns: [], baselineRuns: [] };
  // Interleaved, so a load spike from other processes on the box hits both sides alike.
  for (let i = 0; i < runs; i++) {
    if (result.scanError === undefined) {
      const outcome = runScanOnce(info);
      if (outcome.ok) {
        problems.push(...checkScan(info, outcome.run.report).map((p) => `${size}: certdoctor: ${p}`));
        result.scanRuns.push(outcome.run);
        log(`${size}: certdoctor run ${i + 1}: ${outcome.run.report.wallMs} ms, ${outcome.run.report.peakRssMiB} MiB`);
      } else {
        result.scanError = outcome.reason;
        problems.push(`${size}: certdoctor scan failed: ${outcome.reason}`);
      }
    }
    if (baseline?.ok) {
      const run = runBaseline(info.dir);
      problems.push(...checkBaseline(info, run).map((p) => `${size}: ${p}`));
      result.baselineRuns.push(run);
      log(`${size}: python run ${i + 1}: ${run.report.seconds} s, ${run.report.peakRssMiB} MiB`);
    }
  }
  if (result.scanRuns.length > 0) result.scan = pickMedian(result.scanRuns, (r) => r.report.wallMs);
  if (result.baselineRuns.length > 0) result.baseline = pickMedian(result.baselineRuns, (r) => r.report.seconds);
  return result;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "1000,10000,100000" },
      runs: { type: "string", default: "3" },
      "no-baseline": { type: "boolean", default: false },
      "generate-only": { type: "boolean", default: false },
      cluster: { type: "boolean", default: false },
      command: { type: "boolean", default: false },
      endpoints: { type: "boolean", default: false },
      "endpoint-count": { type: "string", default: "1000" },
      metrics: { type: "boolean", default: false },
      server: { type: "boolean", default: false },
      nodes: { type: "string", default: "5000" },
      "certs-per-node": { type: "string", default: "20" },
      concurrency: { type: "string", default: String(DEFAULT_CONCURRENCY) },
      fleet: { type: "boolean", default: false },
      agents: { type: "string", default: "1000,5000" },
      "fleet-seconds": { type: "string", default: "60" },
      "report-interval": { type: "string", default: "10" },
    },
  });
  if (values.cluster) {
    // `npm run bench -- --cluster`: only the live-cluster case (bench/cluster.ts), written to bench/results-cluster.md
    const result = await runClusterBench({ secrets: 20_000, withCerts: 10_000, namespaces: 200, runs: Number(values.runs), log });
    const text = renderClusterResult(result);
    writeFileSync(resolve(HERE, "..", "..", "bench", "results-cluster.md"), `# Cluster benchmark\n\n${text}`);
    process.stdout.write(text);
    return 0;
  }
  const sizes = parseSizes(values.sizes!);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, got "${values.runs}"`);
  const previous = existsSync(RESULTS_PATH) ? readFileSync(RESULTS_PATH, "utf8") : "";
  if (values.endpoints) {
    const endpointCount = Number(values["endpoint-count"]);
    if (!Number.isInteger(endpointCount) || endpointCount < 2 || endpointCount % 2 !== 0) throw new Error(`--endpoint-count: expected an even integer >= 2, got "${values["endpoint-count"]}"`);
    const { markdown, problems } = await runEndpointBench(runs, log, endpointCount);
    process.stdout.write(markdown);
    writeFileSync(RESULTS_PATH, replaceSection(previous || "# certdoctor benchmark\n", endpointHeading(endpointCount), markdown));
    log(`wrote the endpoint section of ${RESULTS_PATH}`);
    return problems.length === 0 ? 0 : 1;
  }
  if (values.command) {
    // `npm run bench -- --command [--sizes 20000]`: whole processes, certdoctor vs the Python script (bench/command.ts)
    const commandSizes = process.argv.includes("--sizes") ? sizes : [20_000];
    let text = previous || "# certdoctor benchmark\n";
    const problems: string[] = [];
    for (const size of commandSizes) {
      const info = await ensureCorpus(size, { log });
      const { result, problems: p } = await runCommandBench(info, runs, log);
      problems.push(...p.map((x) => `${size}: ${x}`));
      const markdown = renderCommandResult(result);
      process.stdout.write(markdown);
      text = replaceSection(text, `${COMMAND_HEADING} (${size.toLocaleString("en-US")} certificates`, markdown);
    }
    for (const p of problems) log(`PROBLEM: ${p}`);
    writeFileSync(RESULTS_PATH, text);
    log(`wrote the whole-command section of ${RESULTS_PATH}`);
    return problems.length === 0 ? 0 : 1;
  }
  if (values.server) {
    const { markdown, problems } = await runServerBench({ nodes: Number(values.nodes), certs: Number(values["certs-per-node"]), runs, concurrency: Number(values.concurrency), log });
    process.stdout.write(markdown);
    for (const p of problems) log(`PROBLEM: ${p}`);
    writeFileSync(RESULTS_PATH, replaceSection(previous || "# certdoctor benchmark\n", SERVER_HEADING, markdown));
    log(`wrote the server section of ${RESULTS_PATH}`);
    return problems.length === 0 ? 0 : 1;
  }
  if (values.fleet) {
    const agents = parseSizes(values.agents!);
    const { markdown, problems } = await runFleetBench({ agents, seconds: Number(values["fleet-seconds"]), intervalS: Number(values["report-interval"]), log });
    process.stdout.write(markdown);
    for (const p of problems) log(`PROBLEM: ${p}`);
    writeFileSync(RESULTS_PATH, replaceSection(previous || "# certdoctor benchmark\n", FLEET_HEADING, markdown));
    log(`wrote the fleet section of ${RESULTS_PATH}`);
    return problems.length === 0 ? 0 : 1;
  }
  if (values.metrics) {
    const metricsSizes = process.argv.includes("--sizes") ? sizes : [100_000];
    const { markdown, problems } = await runMetricsBench(metricsSizes, runs, log);
    process.stdout.write(markdown);
    writeFileSync(RESULTS_PATH, replaceSection(previous || "# certdoctor benchmark\n", METRICS_HEADING, markdown));
    log(`wrote the /metrics section of ${RESULTS_PATH}`);
    return problems.length === 0 ? 0 : 1;
  }
  if (values["generate-only"]) {
    for (const size of sizes) await ensureCorpus(size, { log });
    return 0;
  }
  const baseline = values["no-baseline"] ? undefined : findBaseline(log);
  if (baseline && !baseline.ok) log(`baseline unavailable: ${baseline.reason}`);

  const loadAtStart = loadavg()[0]!;
  const problems: string[] = [];
  const results: SizeResult[] = [];
  for (const size of sizes) results.push(await measureSize(size, runs, baseline, problems));

  const markdown = renderResults(results, { runs, loadAtStart, baseline, problems });
  process.stdout.write(markdown);
  // Every other bench's `## ` section (endpoints, /metrics, server, fleet, whole command, profiles) is kept.
  writeFileSync(RESULTS_PATH, keepSections(markdown, previous));
  log(`wrote ${RESULTS_PATH}`);
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[bench] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
