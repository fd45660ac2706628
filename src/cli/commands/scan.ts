import { resolve } from "node:path";
import type { Command } from "commander";
import { scan } from "../../engine/scan.js";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { Source } from "../../model/scan.js";
import type { CliIO } from "../io.js";
import { sourceOptionGroups } from "../source-options.js";
import { exitCodeFor, parseDays, parseFailOn, parseFormat, parseNow, parsePositiveInt, readPasswordFile } from "../options.js";
import { writeReport } from "../report.js";
import { readMetricsConfig } from "../../metrics/config-file.js";

export interface ReportFlags {
  format?: string;
  output?: string;
  now?: string;
  warnDays: string;
  critDays: string;
  failOn: string;
  pkcs12PasswordFile?: string;
  workers?: string;
  maxFileSize?: string;
  metricsConfig?: string;
}

/** Options shared by `scan` and `demo`. */
export function addReportOptions(cmd: Command, defaultFailOn = "critical"): Command {
  return cmd
    .option("--format <format>", "table, json or prometheus (metrics exposition; default: table on a terminal, json otherwise)")
    .option("-o, --output <file>", "write the report to FILE (atomically) instead of stdout")
    .option("--now <iso8601>", "evaluate as if at this time, e.g. 2027-01-01T00:00:00Z")
    .option("--warn-days <days>", "warn when a certificate expires within DAYS", "30")
    .option("--crit-days <days>", "critical when a certificate expires within DAYS", "7")
    .option("--fail-on <level>", "exit 1 when a finding is at or above: critical, warning, info, never", defaultFailOn)
    .option("--pkcs12-password-file <file>", "passwords to try on PKCS#12 bundles, one per line")
    .option("--workers <n>", "parse worker threads (default: one per core for large scans, 0: main thread only)")
    .option("--max-file-size <bytes>", "skip files larger than this (default 16 MiB)")
    .option("--metrics-config <file>", "metrics options for --format prometheus (YAML/JSON, docs/metrics.md)");
}

export async function runScanReport(
  paths: string[],
  flags: ReportFlags,
  io: CliIO,
  defaultFormat?: "table",
  sources: Source[] = [],
): Promise<number> {
  const failOn = parseFailOn(flags.failOn);
  const format = parseFormat(flags.format ?? defaultFormat, io.isTTY, true);
  const metricsOptions = readMetricsConfig(flags.metricsConfig);
  const limits = flags.maxFileSize === undefined ? undefined : { maxFileBytes: parsePositiveInt("--max-file-size", flags.maxFileSize, 1) };
  const result = await scan({
    paths,
    sources,
    now: parseNow(flags.now),
    warnDays: parseDays("--warn-days", flags.warnDays),
    critDays: parseDays("--crit-days", flags.critDays),
    pkcs12Passwords: readPasswordFile(flags.pkcs12PasswordFile),
    ...(limits ? { limits } : {}),
    ...(flags.workers === undefined ? {} : { workers: parsePositiveInt("--workers", flags.workers) }),
  });
  writeReport(result, format, flags.output, io, { scanned: { paths, sourceKinds: sources.map((s) => s.kind) }, options: metricsOptions });
  return exitCodeFor(result.findings, failOn);
}

export function registerScan(program: Command, io: CliIO, setExit: (code: number) => void): void {
  let cmd = program
    .command("scan")
    .description("scan files and directories (node filesystems, kubeconfigs, Kubernetes manifests) and diagnose what breaks")
    .argument("[paths...]", "files or directories to scan")
    .option("-p, --path <path>", "file or directory to scan (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[]);
  for (const group of sourceOptionGroups) cmd = group.addOptions(cmd);
  addReportOptions(cmd).action(async (positional: string[], flags: ReportFlags & { path: string[] }) => {
    const paths = [...flags.path, ...positional].map((p) => resolve(io.cwd, p));
    const sources: Source[] = [];
    for (const group of sourceOptionGroups) sources.push(...(await group.buildSources(flags as unknown as Record<string, unknown>, io)));
    if (paths.length === 0 && sources.length === 0) throw new CertdoctorError(ErrorCode.ERR_USAGE, "nothing to scan: give at least one --path");
    setExit(await runScanReport(paths, flags, io, undefined, sources));
  });
}
