import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { scan } from "../../engine/scan.js";
import type { ScanProgress } from "../../engine/types.js";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { Source } from "../../model/scan.js";
import type { OverviewFilter } from "../../output/cert-overview.js";
import { reportFormats, type ReportContext } from "../../output/formats.js";
import { describeTarget } from "../../output/table.js";
import type { CliIO } from "../io.js";
import { ProgressLine } from "../progress.js";
import { preflightSources } from "../options-kube.js";
import { sourceOptionGroups } from "../source-options.js";
import { exitCodeFor, parseDays, parseDuration, parseFailOn, parseNow, parsePositiveInt, parseSeverity, readPasswordFile } from "../options.js";
import { packageVersion } from "../package-root.js";
import { readMetricsConfig } from "../../metrics/config-file.js";
import { applyV3MetricsFlags, V3_METRICS_FLAGS } from "../../metrics/v3-flags.js";
import { chooseFormat, writeReport } from "../report.js";
import { filterFindings, type ReportFilter } from "../report-filter.js";

export interface ReportFlags {
  format?: string;
  output?: string;
  now?: string;
  warnDays: string;
  critDays: string;
  absoluteThresholds?: boolean;
  failOn: string;
  pkcs12PasswordFile?: string;
  workers?: string;
  maxFileSize?: string;
  view?: string;
  compact?: boolean;
  expiringWithin?: string;
  node?: string;
  rule?: string;
  severity?: string;
  all?: boolean;
  allowEmpty?: boolean;
  metricsConfig?: string;
  trimPathComponents?: string;
  exposeRelativeMetrics?: boolean;
  exposePerCertErrorMetrics?: boolean;
  exposeLabels?: string;
  /** From the Kubernetes flags where the command has them; also filters what a dump shows. */
  namespace?: string[];
  kubeTimeout?: string;
  exclude?: string[];
  oneFileSystem?: boolean;
  followSymlinksOut?: boolean;
  quiet?: boolean;
}

/** Options shared by `scan`, `certs` and `demo`. */
export function addReportOptions(cmd: Command, defaultFailOn: string): Command {
  cmd
    .option("--format <format>", `${reportFormats.map((f) => f.id).join(", ")} (default: from the --output extension; else table on a terminal, json otherwise)`)
    .option("-o, --output <file>", "write the report to FILE (atomically) instead of stdout; its extension picks the format")
    .option("--view <view>", "findings, or certs: the expiry overview of every certificate in use")
    .option("--compact", "one line per finding (for pasting into an incident channel)")
    .option("--now <iso8601>", "evaluate as if at this time, e.g. 2027-01-01T00:00:00Z")
    .option("--warn-days <days>", "warn when a certificate expires within DAYS, or within a third of its lifetime if that is shorter", "30")
    .option("--crit-days <days>", "critical when it expires within DAYS, or within a tenth of its lifetime if that is shorter", "7")
    .option("--absolute-thresholds", "use --warn-days/--crit-days as they are, also for short-lived certificates")
    .option("--fail-on <level>", "exit 1 when a reported finding is at or above: critical, warning, info, never", defaultFailOn)
    .option("--expiring-within <duration>", "only certificates expiring within DURATION, e.g. 30d, 12h (expired ones included)")
    .option("--node <name>", "only what lives on this node (its folder in a dump, e.g. cp-1)")
    .option("--rule <id>", "only findings of this rule (and, in the overview, the certificates they are about)")
    .option("--severity <level>", "only findings at or above this level: critical, warning, info")
    .option("--all", "overview: also list backups and operating-system trust-store roots")
    .option("--allow-empty", "exit 0 even when no certificate was found at all (default: exit 2)")
    .option("--pkcs12-password-file <file>", "passwords to try on PKCS#12 bundles, one per line")
    .option("--workers <n>", "parse worker threads (default for large scans: one per core but one, the main thread parsing beside them; 0: main thread only)")
    .option("--max-file-size <bytes>", "skip files larger than this (default 16 MiB)")
    .option("--exclude <glob>", "leave out matching files and directories (repeatable): a name (*.py, node_modules), or a path, absolute or relative to the scanned root (var/log/**)", collect, [])
    .option("--follow-symlinks-out", "follow symlinks that lead out of the scanned paths (default: noted, not followed)")
    .option("--one-file-system", "do not descend into other mounted filesystems (kernel pseudo-filesystems such as /proc, /sys, /dev are never descended unless named)")
    .option("-q, --quiet", "no progress line on stderr (shown on a terminal when a scan takes longer than a second)")
    .option("--metrics-config <file>", "metrics options for --format prometheus (YAML/JSON, docs/metrics.md)");
  for (const [spec, help] of V3_METRICS_FLAGS) cmd.option(spec, help);
  return cmd;
}

export interface ScanReportOptions {
  /** The default view (`certs` for the `certs` command). */
  view?: "findings" | "certs";
  /** Cluster scope names by root (`--path NAME=DIR`). */
  scopes?: Record<string, string>;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const SCOPE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * `--path NAME=DIR` names the cluster DIR belongs to; a path that exists as given (even with an `=`)
 * is taken literally.
 */
export function parseNamedPath(value: string, cwd: string): { path: string; scope?: string } {
  const eq = value.indexOf("=");
  const literal = resolve(cwd, value);
  if (eq <= 0 || existsSync(literal)) return { path: literal };
  const name = value.slice(0, eq);
  if (!SCOPE_NAME.test(name)) return { path: literal };
  return { path: resolve(cwd, value.slice(eq + 1)), scope: name };
}

export async function runScanReport(paths: string[], flags: ReportFlags, io: CliIO, sources: Source[] = [], options: ScanReportOptions = {}): Promise<number> {
  const failOn = parseFailOn(flags.failOn);
  const format = chooseFormat(flags.format, flags.output, io.isTTY);
  const view = parseView(flags.view ?? options.view ?? "findings");
  const filter = parseFilter(flags);
  const limits = flags.maxFileSize === undefined ? undefined : { maxFileBytes: parsePositiveInt("--max-file-size", flags.maxFileSize, 1) };
  const now = parseNow(flags.now);
  const target = { paths, sources: sources.map((s) => s.describe?.() ?? s.kind), sourceKinds: sources.map((s) => s.kind) };
  const metrics = applyV3MetricsFlags(readMetricsConfig(flags.metricsConfig), flags);
  const progress = io.progress !== undefined && flags.quiet !== true ? new ProgressLine(io.progress, io.columns) : undefined;
  const walk = { ...(flags.exclude !== undefined && flags.exclude.length > 0 ? { exclude: flags.exclude } : {}), ...(flags.oneFileSystem ? { oneFileSystem: true } : {}) };
  const result = await scan({
    paths,
    ...(options.scopes !== undefined && Object.keys(options.scopes).length > 0 ? { scopes: options.scopes } : {}),
    sources,
    now,
    warnDays: parseDays("--warn-days", flags.warnDays),
    critDays: parseDays("--crit-days", flags.critDays),
    ...(flags.absoluteThresholds ? { absoluteThresholds: true } : {}),
    ...(flags.followSymlinksOut ? { followSymlinksOut: true } : {}),
    pkcs12Passwords: readPasswordFile(flags.pkcs12PasswordFile),
    ...(limits ? { limits } : {}),
    ...(flags.workers === undefined ? {} : { workers: parsePositiveInt("--workers", flags.workers) }),
    walk,
    ...(progress ? { onProgress: (p: ScanProgress) => progress.update(p) } : {}),
  }).finally(() => progress?.clear());
  const reported = filterFindings(result, filter);
  const ctx: ReportContext = {
    width: io.columns,
    color: io.color,
    cwd: io.cwd,
    view,
    compact: flags.compact === true,
    overview: filter.overview,
    failOn,
    target,
    toolVersion: packageVersion(),
    metrics,
  };
  writeReport(reported, format, ctx, flags.output, io);
  const unreachable = result.endpoints.filter((e) => e.error !== undefined);
  if (result.endpoints.length > 0 && unreachable.length === result.endpoints.length && sources.some((s) => s.kind === "tls-endpoint")) {
    const codes = [...new Set(unreachable.map((e) => e.error!.code))].join(", ");
    throw new CertdoctorError(ErrorCode.ERR_SOURCE_UNAVAILABLE, `none of the ${unreachable.length} endpoints answered with TLS (${codes})`);
  }
  if (result.certificates.length === 0 && flags.allowEmpty !== true) {
    throw new CertdoctorError(ErrorCode.ERR_SCAN_EMPTY, `no certificate found in ${describeTarget(target, result.stats.files, io.cwd) || "the given inputs"} (--allow-empty if that is expected)`);
  }
  return exitCodeFor(reported.findings, failOn);
}

function parseView(value: string): "findings" | "certs" {
  if (value === "findings" || value === "certs") return value;
  throw new CertdoctorError(ErrorCode.ERR_USAGE, `--view must be findings or certs (got "${value}")`);
}

function parseFilter(flags: ReportFlags): ReportFilter {
  const namespaces = (flags.namespace ?? []).flatMap((n) => n.split(",")).map((n) => n.trim()).filter((n) => n !== "");
  const severity = flags.severity === undefined ? undefined : parseSeverity("--severity", flags.severity);
  const overview: OverviewFilter = {
    ...(flags.expiringWithin === undefined ? {} : { expiringWithinMs: parseDuration("--expiring-within", flags.expiringWithin, { min: 0 }) }),
    ...(flags.node === undefined ? {} : { node: flags.node }),
    ...(namespaces.length > 0 ? { namespaces } : {}),
    ...(flags.rule === undefined ? {} : { rule: flags.rule }),
    ...(severity === undefined ? {} : { severity }),
    ...(flags.all ? { all: true } : {}),
  };
  return { overview };
}

export function registerScan(program: Command, io: CliIO, setExit: (code: number) => void): void {
  registerScanLike(program, io, setExit, "scan", "scan files and directories (node filesystems, kubeconfigs, Kubernetes manifests) and diagnose what breaks", {});
  registerScanLike(program, io, setExit, "certs", "the expiry overview: every certificate in use, soonest expiry first (like kubeadm certs check-expiration, for the whole cluster)", { view: "certs" });
}

function registerScanLike(program: Command, io: CliIO, setExit: (code: number) => void, name: string, description: string, options: ScanReportOptions): void {
  let cmd = program
    .command(name)
    .description(description)
    .argument("[paths...]", "files or directories to scan")
    .option("-p, --path <[name=]path>", "file or directory to scan (repeatable); NAME=DIR puts DIR in cluster NAME, so findings never cross clusters", (v: string, acc: string[]) => [...acc, v], [] as string[]);
  for (const group of sourceOptionGroups) cmd = group.addOptions(cmd);
  addReportOptions(cmd, options.view === "certs" ? "never" : "critical").action(async (positional: string[], flags: ReportFlags & { path: string[] }) => {
    const named = flags.path.map((p) => parseNamedPath(p, io.cwd));
    const paths = [...named.map((n) => n.path), ...positional.map((p) => resolve(io.cwd, p))];
    const scopes: Record<string, string> = {};
    for (const n of named) if (n.scope !== undefined) scopes[n.path] = n.scope;
    const sources: Source[] = [];
    for (const group of sourceOptionGroups) sources.push(...(await group.buildSources({ ...(flags as unknown as Record<string, unknown>), hasPaths: paths.length > 0 }, io)));
    if (paths.length === 0 && sources.length === 0) throw new CertdoctorError(ErrorCode.ERR_USAGE, "nothing to scan: give at least one --path");
    await preflightSources(sources, flags);
    setExit(await runScanReport(paths, flags, io, sources, { ...options, scopes }));
  });
}
