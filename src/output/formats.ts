/**
 * Every report format, in one explicit list: its id (`--format`), the file extensions that select it
 * for `--output FILE`, and its renderer. Renderers are pure: the scan result and the report context in,
 * the whole text out.
 */
import type { ScanResult } from "../engine/types.js";
import { renderMetrics } from "../metrics/exporter.js";
import { stateFromScan } from "../metrics/from-scan.js";
import type { MetricsOptions } from "../metrics/options.js";
import type { Severity } from "../model/finding.js";
import type { OverviewFilter } from "./cert-overview.js";
import { renderCompact } from "./compact.js";
import { renderCsv } from "./csv.js";
import { renderHtml } from "./html.js";
import { jsonReportChunks } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import { renderOverviewTable } from "./overview-table.js";
import { renderSarif } from "./sarif.js";
import { renderTable } from "./table.js";

/** What the report covers, for its header: the paths and the other sources' own descriptions. */
export interface ScanTarget {
  paths: string[];
  /** Each non-file source's description. */
  sources: string[];
  /** Each non-file source's kind ("kube-api", "tls-endpoint"), for the metrics' source labels. */
  sourceKinds: string[];
}

export interface ReportContext {
  /** Terminal width for text formats. */
  width: number;
  color: boolean;
  /** Paths under this directory are shown relative to it in text formats. */
  cwd?: string;
  /** findings (default) or the expiry overview. */
  view: "findings" | "certs";
  /** One line per finding (text formats). */
  compact: boolean;
  overview: OverviewFilter;
  /** Findings at or above this severity fail (JUnit failures, SARIF error level mapping stays fixed). */
  failOn: Severity | "never";
  target: ScanTarget;
  /** certdoctor's version, for formats that name their producer (SARIF, JUnit, HTML, Prometheus build info). */
  toolVersion: string;
  /** Options of the Prometheus exposition (--metrics-config). */
  metrics?: MetricsOptions;
}

export interface ReportFormat {
  readonly id: string;
  /** Lowercase, with the dot; the longest match wins (".sarif.json" before ".json"). */
  readonly extensions: readonly string[];
  readonly description: string;
  /** Machine formats keep names exactly as OpenSSL's RFC 2253 form (`\C4\9F`); the rest show UTF-8 (display-text.ts). */
  readonly exactNames?: boolean;
  /** Text for a terminal: input strings are escaped and controls shown visibly (terminal-safe.ts, applied by cli/report.ts). */
  readonly terminal?: boolean;
  render(result: ScanResult, ctx: ReportContext): string;
  /** The same text in chunks, for formats whose reports can outgrow one string (written as they come). */
  renderChunks?(result: ScanResult, ctx: ReportContext): Iterable<string>;
}

export const reportFormats: readonly ReportFormat[] = [
  {
    id: "table",
    extensions: [".txt"],
    description: "human report for a terminal (findings, or the expiry overview with --view certs)",
    terminal: true,
    render: (result, ctx) =>
      ctx.view === "certs" ? renderOverviewTable(result, ctx) : ctx.compact ? renderCompact(result, ctx) : renderTable(result, { width: ctx.width, color: ctx.color, ...(ctx.cwd === undefined ? {} : { cwd: ctx.cwd }), target: ctx.target }),
  },
  {
    id: "json",
    extensions: [".json"],
    description: "the whole result, schemaVersion 1",
    exactNames: true,
    render: (result) => [...jsonReportChunks(result)].join(""),
    renderChunks: jsonReportChunks,
  },
  { id: "markdown", extensions: [".md", ".markdown"], description: "findings and the expiry overview as Markdown (incident notes, pull requests)", terminal: true, render: renderMarkdown },
  { id: "csv", extensions: [".csv"], description: "the expiry overview, one row per certificate (spreadsheets)", render: renderCsv },
  { id: "sarif", extensions: [".sarif", ".sarif.json"], description: "SARIF 2.1.0 findings with locations (code-scanning tools)", render: renderSarif },
  { id: "junit", extensions: [".xml", ".junit.xml"], description: "JUnit XML, one test case per rule and finding (CI test reports)", render: renderJunit },
  { id: "html", extensions: [".html", ".htm"], description: "a self-contained HTML report (no external requests)", render: renderHtml },
  { id: "prometheus", extensions: [".prom"], description: "the metrics exposition (text 0.0.4) for node_exporter's textfile collector", exactNames: true, render: renderPrometheus },
];

/** The metrics exposition of one scan at its evaluation time, as `/metrics` would serve it. */
function renderPrometheus(result: ScanResult, ctx: ReportContext): string {
  const state = stateFromScan(result, { paths: ctx.target.paths, sourceKinds: ctx.target.sourceKinds });
  const rendered = renderMetrics(state, { build: { version: ctx.toolVersion }, ...(ctx.metrics ? { options: ctx.metrics } : {}) }, "text", result.evaluatedAt.getTime());
  return Buffer.concat(rendered.chunks).toString("utf8");
}

export function findFormat(id: string): ReportFormat | undefined {
  return reportFormats.find((f) => f.id === id);
}

/** The format a file name asks for by its extension, if any. */
export function formatForFile(path: string): ReportFormat | undefined {
  const name = path.toLowerCase();
  let best: { format: ReportFormat; length: number } | undefined;
  for (const format of reportFormats) {
    for (const ext of format.extensions) {
      if (name.endsWith(ext) && (best === undefined || ext.length > best.length)) best = { format, length: ext.length };
    }
  }
  return best?.format;
}
