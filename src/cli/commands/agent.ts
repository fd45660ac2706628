import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { Command } from "commander";
import { defaultRetryPolicy, type DeliveryTarget } from "../../agent/deliver.js";
import { runAgent } from "../../agent/run.js";
import { abortOnStopSignals } from "../../agent/stop-signals.js";
import type { SpoolLog } from "../../agent/spool.js";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { CliIO } from "../io.js";
import { exitCodeFor, parseDays, parseDuration, parseFailOn, parseNow, parsePositiveInt } from "../options.js";
import { packageVersion } from "../package-root.js";
import { readMetricsConfig } from "../../metrics/config-file.js";
import { applyV3MetricsFlags, V3_METRICS_FLAGS } from "../../metrics/v3-flags.js";
import { isStdoutOutput } from "../../output/emit.js";
import { Journal } from "../../agent/heal/journal.js";
import { readHealPolicy } from "../../agent/heal/policy.js";
import { undoAction } from "../../agent/heal/undo.js";
import type { HealOptions } from "../../agent/heal/cycle.js";

interface AgentFlags {
  root: string;
  proc: string;
  nodeName?: string;
  once?: boolean;
  interval: string;
  now?: string;
  warnDays: string;
  critDays: string;
  output?: string;
  reportUrl?: string;
  tokenFile?: string;
  clientCert?: string;
  clientKey?: string;
  caFile?: string;
  spoolDir: string;
  spoolMaxBytes: string;
  maxAttempts: string;
  retryBaseDelay: string;
  timeout: string;
  stopTimeout: string;
  processName: string[];
  metricsFile?: string;
  metricsConfig?: string;
  trimPathComponents?: string;
  exposeRelativeMetrics?: boolean;
  exposePerCertErrorMetrics?: boolean;
  exposeLabels?: string;
  failOn?: string;
  heal?: string;
  healDryRun?: boolean;
  healStateDir: string;
  undo?: string;
}

/** The agent's durations: more than zero, at most 30 days. */
const AGENT_DURATION = { min: 1, max: 30 * 86_400_000 };

function readPem(flag: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`, { cause: err });
  }
}

export function buildTarget(flags: AgentFlags, io: CliIO): DeliveryTarget | undefined {
  if (flags.reportUrl === undefined) {
    if (flags.tokenFile ?? flags.clientCert ?? flags.clientKey ?? flags.caFile) {
      throw new CertdoctorError(ErrorCode.ERR_USAGE, "--token-file, --client-cert, --client-key and --ca-file need --report-url");
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(flags.reportUrl);
  } catch {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `--report-url must be an https:// URL (got "${flags.reportUrl}")`);
  }
  if (url.protocol !== "https:") throw new CertdoctorError(ErrorCode.ERR_USAGE, "--report-url must use https:// (reports name every certificate on the node)");
  if (url.username !== "" || url.password !== "") throw new CertdoctorError(ErrorCode.ERR_USAGE, "--report-url must not carry credentials; use --token-file or --client-cert");
  if ((flags.clientCert === undefined) !== (flags.clientKey === undefined)) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--client-cert and --client-key go together");
  if (flags.output !== undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--output and --report-url exclude each other");
  const target: DeliveryTarget = {
    url,
    timeoutMs: parseDuration("--timeout", flags.timeout, AGENT_DURATION),
    userAgent: `certdoctor-agent/${packageVersion()}`,
  };
  const ca = readPem("--ca-file", flags.caFile && resolve(io.cwd, flags.caFile));
  const cert = readPem("--client-cert", flags.clientCert && resolve(io.cwd, flags.clientCert));
  const key = readPem("--client-key", flags.clientKey && resolve(io.cwd, flags.clientKey));
  if (ca) target.ca = ca;
  if (cert) target.cert = cert;
  if (key) target.key = key;
  if (flags.tokenFile !== undefined) {
    target.tokenFile = resolve(io.cwd, flags.tokenFile);
    readPem("--token-file", target.tokenFile); // fail at startup when it is missing; re-read at every request
  }
  return target;
}

function parseProcessNames(values: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const m = /^([A-Za-z0-9._-]{1,64})=([a-z0-9-]{1,64})$/.exec(v);
    if (m === null) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--process-name must be NAME=COMPONENT, e.g. my-proxy=kube-proxy (got "${v}")`);
    out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Structured log lines on stderr: one JSON object per event. Never carries certificate bodies, keys or tokens. */
export function jsonLog(io: CliIO): SpoolLog {
  return (level, msg, fields = {}) => io.stderr(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

export function registerAgent(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const cmd = program
    .command("agent")
    .description("node agent: scan this node's certificates and what its Kubernetes processes really read, and report (to --report-url with an on-disk spool, or to --output/stdout)")
    .option("--root <dir>", "the node's filesystem root", "/")
    .option("--proc <dir>", "the host's /proc (hostPID)", "/proc")
    .option("--node-name <name>", "node name in reports (default: $NODE_NAME, then the hostname)")
    .option("--once", "scan and deliver once, then exit")
    .option("--interval <duration>", "time between scans, e.g. 15m, 1h", "1h")
    .option("--now <iso8601>", "evaluate as if at this time (default: the clock at each scan)")
    .option("--warn-days <days>", "warn when a certificate expires within DAYS", "30")
    .option("--crit-days <days>", "critical when a certificate expires within DAYS", "7")
    .option("-o, --output <file>", "without --report-url: write each report to FILE (atomically) instead of stdout")
    .option("--report-url <url>", "POST reports here (https://; contract in docs/agent.md)")
    .option("--token-file <file>", "bearer token file, re-read for every request")
    .option("--client-cert <file>", "mTLS client certificate (PEM)")
    .option("--client-key <file>", "mTLS client key (PEM)")
    .option("--ca-file <file>", "CA bundle that verifies the central endpoint (default: system roots)")
    .option("--spool-dir <dir>", "undelivered reports wait here, in order", "/var/lib/certdoctor/spool")
    .option("--spool-max-bytes <bytes>", "bound on the spool; the oldest reports are dropped (and counted) beyond it", String(64 * 1024 * 1024))
    .option("--max-attempts <n>", "delivery attempts per report in one round before waiting for the next scan", String(defaultRetryPolicy.maxAttempts))
    .option("--retry-base-delay <duration>", "first retry delay; doubles per attempt with full jitter, capped at 60s", "1s")
    .option("--timeout <duration>", "per-request timeout", "30s")
    .option("--stop-timeout <duration>", "after SIGTERM/SIGINT, end anyway when still running after this long (a filesystem call that never returns: a hung mount)", "10s")
    .option("--metrics-file <file>", "rewrite FILE (atomically) with the metrics exposition after every scan, e.g. for node_exporter's textfile collector")
    .option("--metrics-config <file>", "metrics options (YAML/JSON, docs/metrics.md)")
    .option("--fail-on <level>", "with --once: exit 1 when the node's findings are at or above: critical, warning, info, never", "never")
    .option("--process-name <name=component>", "also treat processes named NAME as COMPONENT (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--heal <policy-file>", "after each scan, repair what POLICY (YAML) allows on this node, and report every action and refusal (docs/heal.md); off by default")
    .option("--heal-dry-run", "with --heal: check everything and report what would be repaired, writing nothing")
    .option("--heal-state-dir <dir>", "the heal journal (actions, daily limit, undo records)", "/var/lib/certdoctor/heal")
    .option("--undo <action-id>", "restore the files one heal action changed, from its backups, then exit");
  for (const [spec, help] of V3_METRICS_FLAGS) cmd.option(spec, help);
  cmd.action(async (flags: AgentFlags) => {
      if (flags.undo !== undefined) {
        undo(flags, io);
        return;
      }
      const heal = healOptions(flags, io);
      const failOn = parseFailOn(flags.failOn ?? "never");
      const target = buildTarget(flags, io);
      const baseDelayMs = parseDuration("--retry-base-delay", flags.retryBaseDelay, AGENT_DURATION);
      const controller = new AbortController();
      const log = jsonLog(io);
      const stopListening = abortOnStopSignals(controller, parseDuration("--stop-timeout", flags.stopTimeout, AGENT_DURATION), log);
      let summary: Awaited<ReturnType<typeof runAgent>>;
      try {
        summary = await runAgent(
          {
            root: resolve(io.cwd, flags.root),
            procDir: resolve(io.cwd, flags.proc),
            nodeName: flags.nodeName ?? process.env.NODE_NAME ?? hostname(),
            version: packageVersion(),
            ...(flags.now === undefined ? {} : { now: parseNow(flags.now) }),
            warnDays: parseDays("--warn-days", flags.warnDays),
            critDays: parseDays("--crit-days", flags.critDays),
            once: flags.once === true,
            intervalMs: parseDuration("--interval", flags.interval, AGENT_DURATION),
            ...(target ? { target } : {}),
            spoolDir: resolve(io.cwd, flags.spoolDir),
            spoolMaxBytes: parsePositiveInt("--spool-max-bytes", flags.spoolMaxBytes, 1024),
            retry: { maxAttempts: parsePositiveInt("--max-attempts", flags.maxAttempts, 1), baseDelayMs, maxDelayMs: Math.max(baseDelayMs, 60_000) },
            processNames: parseProcessNames(flags.processName),
            ...(isStdoutOutput(flags.output) ? {} : { output: resolve(io.cwd, flags.output!) }),
            ...(flags.metricsFile === undefined ? {} : { metricsFile: resolve(io.cwd, flags.metricsFile), metricsOptions: applyV3MetricsFlags(readMetricsConfig(flags.metricsConfig), flags) }),
            ...(heal === undefined ? {} : { heal }),
          },
          { log, stdout: io.stdout },
          controller.signal,
        );
      } finally {
        stopListening();
      }
      setExit(exitCodeFor(summary.lastFindings, failOn));
    });
}

function healOptions(flags: AgentFlags, io: CliIO): HealOptions | undefined {
  if (flags.heal === undefined) {
    if (flags.healDryRun) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--heal-dry-run needs --heal POLICY_FILE (the policy says which repairs to consider)");
    return undefined;
  }
  return { policy: readHealPolicy(resolve(io.cwd, flags.heal)), dryRun: flags.healDryRun === true, stateDir: resolve(io.cwd, flags.healStateDir) };
}

/** `agent --undo ID`: one action's files back from its backups; prints what was restored. */
function undo(flags: AgentFlags, io: CliIO): void {
  if (flags.heal !== undefined || flags.once) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--undo runs alone: give it with --root and --heal-state-dir only");
  const journal = Journal.open(resolve(io.cwd, flags.healStateDir));
  const now = flags.now === undefined ? new Date() : parseNow(flags.now);
  const { entry, restored } = undoAction(journal, resolve(io.cwd, flags.root), flags.undo!, now);
  io.stdout(`undid ${entry.id} (${entry.repair} on ${entry.target}): restored ${restored.join(", ")}\n`);
}
