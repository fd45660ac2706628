/** Markdown rendering of bench results (bench/results.md). */
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import type { BaselineAvailability, BaselineRun } from "./baseline.js";
import type { CorpusInfo } from "./corpus.js";
import type { ScanOnceReport } from "./scan-once.js";

export interface SizeResult {
  info: CorpusInfo;
  scanRuns: Array<{ report: ScanOnceReport; processSeconds: number }>;
  baselineRuns: BaselineRun[];
  /** Median run by scan wall time. */
  scan?: { report: ScanOnceReport; processSeconds: number };
  scanError?: string;
  /** Median run by Python's own timing. */
  baseline?: BaselineRun;
}

export interface RenderOptions {
  runs: number;
  /** 1-minute load average when the bench started; other processes on the box inflate the times. */
  loadAtStart: number;
  baseline: BaselineAvailability | undefined;
  problems: string[];
}

/** Targets for the 100,000-certificate corpus. */
export const TARGETS = { wallSeconds: 4, peakRssMiB: 600, speedUp: 3 } as const;

function formatSeconds(s: number | undefined): string {
  return s === undefined ? "—" : s.toFixed(s < 10 ? 2 : 1);
}

function formatInt(n: number): string {
  return n.toLocaleString("en-US");
}

function renderRow(r: SizeResult): string {
  const scanS = r.scan ? r.scan.report.wallMs / 1000 : undefined;
  const pyS = r.baseline?.report.seconds;
  const cells = [
    formatInt(r.info.certificates),
    formatInt(r.info.files),
    formatInt(r.info.occurrences),
    r.scan ? formatSeconds(scanS) : `n/a (${r.scanError ? "scan failed" : "not run"})`,
    formatSeconds(r.scan?.processSeconds),
    scanS ? formatInt(Math.round(r.info.certificates / scanS)) : "—",
    r.scan ? String(Math.round(Math.max(...r.scanRuns.map((x) => x.report.peakRssMiB)))) : "—",
    formatSeconds(pyS),
    r.baseline ? String(Math.round(r.baseline.report.peakRssMiB)) : "—",
    scanS && pyS ? `${(pyS / scanS).toFixed(1)}x` : "—",
  ];
  return `| ${cells.join(" | ")} |`;
}

function renderTargets(results: SizeResult[]): string[] {
  const big = results.find((r) => r.info.certificates === 100_000);
  if (!big?.scan) return ["- 100,000-certificate targets: not measured in this run."];
  const wall = big.scan.report.wallMs / 1000;
  const rss = Math.max(...big.scanRuns.map((x) => x.report.peakRssMiB));
  const mark = (ok: boolean) => (ok ? "met" : "MISSED");
  const lines = [
    `- wall < ${TARGETS.wallSeconds} s: ${wall.toFixed(2)} s — ${mark(wall < TARGETS.wallSeconds)}`,
    `- peak RSS < ${TARGETS.peakRssMiB} MiB: ${Math.round(rss)} MiB — ${mark(rss < TARGETS.peakRssMiB)}`,
  ];
  if (big.baseline) {
    const speedUp = big.baseline.report.seconds / wall;
    lines.push(`- ≥ ${TARGETS.speedUp}x faster than Python: ${speedUp.toFixed(1)}x — ${mark(speedUp >= TARGETS.speedUp)}`);
  }
  return lines;
}

export function renderResults(results: SizeResult[], options: RenderOptions): string {
  const baselineNote = !options.baseline
    ? "not run (--no-baseline)"
    : options.baseline.ok
      ? `${options.baseline.python}, cryptography ${options.baseline.cryptography}, YAML via ${results[0]?.baseline?.report.yaml ?? "?"}`
      : `unavailable: ${options.baseline.reason}`;
  const lines = [
    "# certdoctor benchmark",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}. Median of ${options.runs} runs; each scan in a fresh process.`,
    `Python baseline: ${baselineNote}.`,
    `1-minute load average: ${options.loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end ` +
      `(above ${availableParallelism()} means other processes competed for the cores and inflated the times).`,
    "",
    "| size | files | occurrences | wall s | process s | certs/s | peak RSS MiB | python s | python RSS MiB | speed-up |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...results.map(renderRow),
    "",
    "- size: distinct certificates (leaves + 8 CAs); occurrences: every certificate in every file (CAs repeat in bundles and Secrets).",
    "- wall s: the `scan()` call including parsing, chain verification and rules; process s adds Node start-up and module loading.",
    "- python s: `bench/baseline.py`'s own timing of walk + parse + verify (interpreter start excluded, like wall s); speed-up = python s / wall s.",
    "- peak RSS: `maxRSS` of the scanning process (worst of the runs); worker threads share it.",
    "",
    "Targets (100,000 certificates, 2 cores):",
    "",
    ...renderTargets(results),
  ];
  const skipped = results.filter((r) => (r.baseline?.report.yamlSkipped ?? 0) > 0);
  if (skipped.length > 0) {
    lines.push("", `Note: PyYAML is missing, so the Python baseline skipped YAML manifests (${skipped
      .map((r) => `${r.baseline!.report.yamlSkipped} files at ${formatInt(r.info.certificates)}`)
      .join(", ")}) and did less work than certdoctor.`);
  }
  if (options.problems.length > 0) {
    lines.push("", "Problems (the bench exits non-zero):", "", ...options.problems.map((p) => `- ${p}`));
  }
  return `${lines.join("\n")}\n`;
}
