import type { ScanResult } from "../engine/types.js";
import { renderMetrics } from "../metrics/exporter.js";
import { stateFromScan } from "../metrics/from-scan.js";
import type { MetricsOptions } from "../metrics/options.js";
import type { ScannedSources } from "../metrics/source-status.js";
import { emitReport } from "../output/emit.js";
import { toJsonReport } from "../output/json.js";
import { renderTable } from "../output/table.js";
import type { CliIO } from "./io.js";
import type { Format } from "./options.js";
import { packageVersion } from "./package-root.js";

/** What the Prometheus format needs besides the result: what was scanned and the metrics options. */
export interface MetricsReport {
  scanned: ScannedSources;
  options: MetricsOptions;
}

/** Renders the result and writes it to stdout or, atomically and keeping the previous one as .bak, to `output`. */
export function writeReport(result: ScanResult, format: Format, output: string | undefined, io: CliIO, metrics?: MetricsReport): void {
  let text: string;
  if (format === "json") text = JSON.stringify(toJsonReport(result), null, 2) + "\n";
  else if (format === "prometheus") text = renderPrometheus(result, metrics);
  else text = renderTable(result, { width: io.columns, color: output === undefined && io.color, cwd: io.cwd });
  emitReport(text, output, io.stdout);
}

/** The metrics exposition (text 0.0.4, as node_exporter's textfile collector reads it) of one scan, at its evaluation time. */
function renderPrometheus(result: ScanResult, metrics: MetricsReport | undefined): string {
  const state = stateFromScan(result, metrics?.scanned ?? { paths: [], sourceKinds: [] });
  const rendered = renderMetrics(state, { build: { version: packageVersion() }, ...(metrics ? { options: metrics.options } : {}) }, "text", result.evaluatedAt.getTime());
  return Buffer.concat(rendered.chunks).toString("utf8");
}
