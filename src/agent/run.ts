import type { Severity } from "../model/finding.js";
import { setTimeout as delay } from "node:timers/promises";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { writeFileAtomicAsync } from "../fs/write-atomic.js";
import { MetricsExporter } from "../metrics/exporter.js";
import { stateFromScan } from "../metrics/from-scan.js";
import type { MetricsOptions } from "../metrics/options.js";
import type { MetricsState } from "../metrics/state.js";
import { emitReport } from "../output/emit.js";
import { flushSpool, type DeliveryTarget, type RetryPolicy } from "./deliver.js";
import { scanNode, type AgentReport, type NodeScanOptions } from "./scan-node.js";
import { Spool, type SpoolLog } from "./spool.js";
import { isAbortError } from "../fs/private-dir.js";
import { metricsInNodePaths, metricsStateInNodePaths } from "./node-view.js";
import { healCycle, openHeal, type HealOptions } from "./heal/cycle.js";

export interface AgentOptions extends Omit<NodeScanOptions, "now"> {
  /** Evaluation time pinned for every cycle (tests, "what breaks in 30 days"); default: the clock at each scan. */
  now?: Date;
  once: boolean;
  intervalMs: number;
  /** Deliver to the central side; without it, reports go to `output` or stdout. */
  target?: DeliveryTarget;
  spoolDir: string;
  spoolMaxBytes: number;
  /** Bound on one filesystem call in the spool (default 30 s, tests shorten it). */
  spoolCallTimeoutMs?: number;
  retry: RetryPolicy;
  output?: string;
  /** Stop after this many cycles (tests); default: until the signal aborts. */
  maxCycles?: number;
  /** Rewrite this file with the metrics exposition after every scan (node_exporter textfile collector). */
  metricsFile?: string;
  metricsOptions?: MetricsOptions;
  /** `--heal POLICY`: repair what the policy allows after each scan (docs/heal.md). */
  heal?: HealOptions;
}

export interface AgentIO {
  log: SpoolLog;
  stdout: (text: string) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface AgentRunSummary {
  cycles: number;
  delivered: number;
  pending: number;
  /** The last scan's findings (their severities decide `agent --once --fail-on`). */
  lastFindings: Array<{ severity: Severity }>;
}

/** The agent's loop: scan the node, queue the report, deliver what is queued in order; then wait `intervalMs`. */
export async function runAgent(options: AgentOptions, io: AgentIO, signal?: AbortSignal): Promise<AgentRunSummary> {
  const sleep = io.sleep ?? abortableSleep;
  const summary: AgentRunSummary = { cycles: 0, delivered: 0, pending: 0, lastFindings: [] };
  let spool: Spool | undefined;
  try {
    spool = options.target === undefined ? undefined : await Spool.open(options.spoolDir, options.spoolMaxBytes, io.log, { signal, ...(options.spoolCallTimeoutMs === undefined ? {} : { callTimeoutMs: options.spoolCallTimeoutMs }) });
  } catch (err) {
    if (isAbortError(err)) return summary; // SIGTERM during start-up
    throw err;
  }
  const maxCycles = options.once ? 1 : (options.maxCycles ?? Number.POSITIVE_INFINITY);
  // One exporter for the agent's life, so its counters (source errors, scan durations) accumulate.
  const metrics = options.metricsFile === undefined ? undefined : new MetricsExporter({ build: { version: options.version }, options: metricsInNodePaths(options.metricsOptions, options.root) });
  const heal = options.heal === undefined ? undefined : openHeal(options.heal);
  while (summary.cycles < maxCycles && !isAborted(signal)) {
    if (summary.cycles > 0) await sleep(options.intervalMs, signal);
    if (isAborted(signal)) break;
    summary.cycles++;
    const now = options.now ?? new Date();
    let scanOnce = () => scanNode({ ...options, now });
    if (heal !== undefined) scanOnce = heal.scanWith(options, now);
    let { report, result, scanned } = await scanOnce();
    if (heal !== undefined) ({ report, result, scanned } = await healCycle(heal, { report, result, scanned }, now, scanOnce, io.log));
    summary.lastFindings = result.findings;
    if (metrics !== undefined) await writeMetricsFile(metrics, metricsStateInNodePaths(stateFromScan(result, scanned, summary.cycles), options.root), options.metricsFile!, result.evaluatedAt.getTime(), io);
    io.log("info", "node scanned", {
      certificates: report.summary.certificates,
      critical: report.summary.critical,
      warning: report.summary.warning,
      processes: report.agent.processes.length,
      durationMs: report.agent.scanDurationMs,
    });
    if (spool === undefined || options.target === undefined) {
      writeOutput(report, options.output, io);
      continue;
    }
    try {
      summary.pending = await queueAndDeliver(spool, report, options, io, summary, (ms) => sleep(ms, signal), signal);
    } catch (err) {
      if (isAbortError(err)) break;
      if (!(err instanceof CertdoctorError) || err.code !== ErrorCode.ERR_SPOOL_UNAVAILABLE || options.once) throw err;
      // A stuck spool costs this cycle's report, not the agent: it keeps scanning (metrics file, heal) and tries again.
      io.log("warn", "spool unavailable: delivery waits for the next cycle", { code: err.code, reason: err.message });
    }
  }
  return summary;
}

/** Queues this cycle's report and delivers what waits, in order; returns how many stay spooled. */
async function queueAndDeliver(spool: Spool, report: AgentReport, options: AgentOptions, io: AgentIO, summary: AgentRunSummary, sleep: (ms: number) => Promise<void>, signal: AbortSignal | undefined): Promise<number> {
  const target = options.target!;
  const flush = () => flushSpool(spool, target, options.retry, io.log, sleep, signal);
  // Deliver what waits first, so a link that came back never costs a spooled report to the bound.
  let flushed = (await spool.pending()).length > 0 ? await flush() : { delivered: 0, rejected: 0, remaining: 0 };
  summary.delivered += flushed.delivered;
  await spool.enqueue((sequence, agentId, dropped) => JSON.stringify({ ...report, agent: { ...report.agent, agentId, sequence, spool: { dropped } } }));
  if (flushed.remaining === 0) {
    flushed = await flush();
    summary.delivered += flushed.delivered;
  } else {
    flushed = { ...flushed, remaining: flushed.remaining + 1 };
  }
  if (options.once && flushed.remaining > 0) {
    throw new CertdoctorError(
      ErrorCode.ERR_DELIVERY_FAILED,
      `report not delivered to ${target.url.origin} (${flushed.failure ?? "failed"}); ${flushed.remaining} report(s) stay in ${options.spoolDir} and are sent first on the next run`,
    );
  }
  return flushed.remaining;
}

/** The exposition, replaced atomically so the textfile collector never reads half a file; a failed write is logged, the agent goes on. */
async function writeMetricsFile(metrics: MetricsExporter, state: MetricsState, path: string, now: number, io: AgentIO): Promise<void> {
  try {
    await writeFileAtomicAsync(path, Buffer.concat(metrics.render(state, "text", now).chunks));
  } catch (err) {
    io.log("warn", "metrics file not written", { path, code: (err as NodeJS.ErrnoException).code ?? "write failed" });
  }
}

function writeOutput(report: AgentReport, output: string | undefined, io: AgentIO): void {
  emitReport(JSON.stringify(report, null, 2) + "\n", output, io.stdout);
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch {
    // aborted: the loop checks the signal
  }
}
