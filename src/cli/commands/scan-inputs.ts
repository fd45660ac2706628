/**
 * The inputs of `scan` (paths, --path NAME=DIR and the source flags: --kube, endpoints, discovery) for
 * commands that start from a scan — `plan` and `rotation` — and the rescan command line they print.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { scan } from "../../engine/scan.js";
import type { ScanResult } from "../../engine/types.js";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { Source } from "../../model/scan.js";
import type { CliIO } from "../io.js";
import { preflightSources } from "../options-kube.js";
import { parseDays, parseNow, readPasswordFile } from "../options.js";
import { sourceOptionGroups } from "../source-options.js";
import { parseNamedPath } from "./scan.js";

export interface ScanInputFlags {
  path: string[];
  now?: string;
  warnDays: string;
  critDays: string;
  pkcs12PasswordFile?: string;
  kubeTimeout?: string;
  [flag: string]: unknown;
}

/** Adds the scan inputs to `cmd`: positional paths, --path, the source groups, --now and the thresholds. */
export function addScanInputs(cmd: Command): Command {
  let c = cmd
    .argument("[paths...]", "files or directories to scan")
    .option("-p, --path <[name=]path>", "file or directory to scan (repeatable); NAME=DIR puts DIR in cluster NAME", (v: string, acc: string[]) => [...acc, v], [] as string[]);
  for (const group of sourceOptionGroups) c = group.addOptions(c);
  return c
    .option("--now <iso8601>", "evaluate as if at this time, e.g. 2027-01-01T00:00:00Z")
    .option("--warn-days <days>", "warn when a certificate expires within DAYS", "30")
    .option("--crit-days <days>", "critical when it expires within DAYS", "7")
    .option("--pkcs12-password-file <file>", "passwords to try on PKCS#12 bundles, one per line");
}

/** Runs the scan the flags describe. Throws ERR_USAGE when there is nothing to scan. */
export async function scanFromInputs(positional: string[], flags: ScanInputFlags, io: CliIO): Promise<ScanResult> {
  const named = flags.path.map((p) => parseNamedPath(p, io.cwd));
  const paths = [...named.map((n) => n.path), ...positional.map((p) => resolve(io.cwd, p))];
  const scopes: Record<string, string> = {};
  for (const n of named) if (n.scope !== undefined) scopes[n.path] = n.scope;
  const sources: Source[] = [];
  for (const group of sourceOptionGroups) sources.push(...(await group.buildSources({ ...flags, hasPaths: paths.length > 0 }, io)));
  if (paths.length === 0 && sources.length === 0) throw new CertdoctorError(ErrorCode.ERR_USAGE, "nothing to scan: give at least one path or --path, or --kube");
  await preflightSources(sources, flags);
  return scan({
    paths,
    ...(Object.keys(scopes).length > 0 ? { scopes } : {}),
    sources,
    now: parseNow(flags.now),
    warnDays: parseDays("--warn-days", flags.warnDays),
    critDays: parseDays("--crit-days", flags.critDays),
    pkcs12Passwords: readPasswordFile(flags.pkcs12PasswordFile),
  });
}

/** `certdoctor scan` with the same inputs, as the user typed them (no file contents, no credentials). */
export function rescanCommand(positional: string[], flags: ScanInputFlags): string {
  const words = ["certdoctor", "scan", ...flags.path.map((p) => `--path ${shellWord(p)}`), ...positional.map(shellWord)];
  for (const flag of ["kube", "inCluster"] as const) if (flags[flag] === true) words.push(flag === "kube" ? "--kube" : "--in-cluster");
  for (const [flag, name] of [["kubeconfig", "--kubeconfig"], ["context", "--context"]] as const) {
    const v = flags[flag];
    if (typeof v === "string") words.push(`${name} ${shellWord(v)}`);
  }
  const ns = flags.namespace;
  if (Array.isArray(ns) && ns.length > 0) words.push(`--namespace ${shellWord(ns.join(","))}`);
  if (flags.now !== undefined) words.push(`--now ${shellWord(flags.now)}`);
  return words.join(" ");
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
