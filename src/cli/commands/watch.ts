/**
 * `certdoctor watch`: list-then-watch the cluster (plus any --path files), re-diagnose on every change
 * (debounced) and print the findings that appeared or cleared — JSON lines with --format json. Stops
 * cleanly on SIGINT/SIGTERM, after --max-duration seconds, or after the first diagnosis with --once.
 */
import { setMaxListeners } from "node:events";
import { resolve } from "node:path";
import type { Command } from "commander";
import { scan } from "../../engine/scan.js";
import type { ScanResult } from "../../engine/types.js";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { Finding } from "../../model/finding.js";
import { defaultLimits, type ReadContext } from "../../model/scan.js";
import { summarize } from "../../output/json.js";
import type { KubeReflector, ReflectorStats } from "../../sources/kubernetes/reflector.js";
import type { CliIO } from "../io.js";
import { addKubeOptions, buildKubeSources, preflightSources, type KubeFlags } from "../options-kube.js";
import { exitCodeFor, parseDays, parseFailOn, parseFormat, parseNow, parsePositiveInt } from "../options.js";

export interface WatchFlags extends KubeFlags {
  path: string[];
  format?: string;
  now?: string;
  warnDays: string;
  critDays: string;
  maxDuration?: string;
  once?: boolean;
  debounceMs: string;
  failOn?: string;
}

/** Identity of a finding across diagnoses: rule, where, which certificates (titles change with time). */
export function findingKey(f: Finding): string {
  return `${f.rule}\u0000${f.locations.join("\u0001")}\u0000${f.certificates.join("\u0001")}`;
}

export interface FindingDiff {
  appeared: Finding[];
  cleared: Finding[];
}

export function diffFindings(before: Map<string, Finding>, after: Finding[]): FindingDiff {
  const next = new Map(after.map((f) => [findingKey(f), f]));
  return {
    appeared: after.filter((f) => !before.has(findingKey(f))),
    cleared: [...before].filter(([k]) => !next.has(k)).map(([, f]) => f),
  };
}

export async function runWatch(flags: WatchFlags, io: CliIO, stopSignal?: AbortSignal): Promise<number> {
  const format = parseFormat(flags.format, io.isTTY);
  const failOn = parseFailOn(flags.failOn ?? "never");
  const warnDays = parseDays("--warn-days", flags.warnDays);
  const critDays = parseDays("--crit-days", flags.critDays);
  const fixedNow = flags.now === undefined ? undefined : parseNow(flags.now);
  const debounceMs = parsePositiveInt("--debounce-ms", flags.debounceMs);
  const maxMs = flags.maxDuration === undefined ? undefined : parsePositiveInt("--max-duration", flags.maxDuration, 1) * 1000;
  const paths = flags.path.map((p) => resolve(io.cwd, p));
  const sources = await buildKubeSources(flags, io);
  if (sources.length === 0) throw new CertdoctorError(ErrorCode.ERR_USAGE, "watch needs a cluster: --kube, --kubeconfig FILE or --in-cluster");
  await preflightSources(sources, flags);

  const stop = new AbortController();
  // one listener per watched stream and per request in flight
  setMaxListeners(256, stop.signal);
  const onSignal = () => {
    stop.abort();
    wake?.();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  stopSignal?.addEventListener("abort", onSignal, { once: true });
  const timer = maxMs === undefined ? undefined : setTimeout(onSignal, maxMs);

  let wake: (() => void) | undefined;
  let dirty = false;
  const onChange = () => {
    dirty = true;
    wake?.();
  };
  const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [], signal: stop.signal };
  const reflectors: KubeReflector[] = sources.map((s) => s.reflect(ctx, onChange));
  // A config problem (e.g. 401: rejected credentials) ends the watch and is rethrown below.
  let fatal: unknown;
  const running = Promise.all(reflectors.map((r) => r.run(stop.signal))).catch((err: unknown) => {
    fatal ??= err;
    onSignal();
  });
  const emit = (line: Record<string, unknown>) => {
    if (format === "json") io.stdout(`${JSON.stringify(line)}\n`);
  };
  const waitForChange = async () => {
    while (!stop.signal.aborted && !dirty) {
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = undefined;
    }
  };

  let known = new Map<string, Finding>();
  let diagnoses = 0;
  try {
    for (let round = 0; !stop.signal.aborted && round < Number.MAX_SAFE_INTEGER; round++) {
      await waitForChange();
      if (stop.signal.aborted) break;
      if (!reflectors.every((r) => r.synced)) {
        dirty = false;
        continue;
      }
      // debounce: let a burst of events settle into one diagnosis
      await new Promise((r) => setTimeout(r, debounceMs));
      dirty = false;
      const result: ScanResult = await scan({ paths, sources: reflectors.map((r) => r.snapshot()), now: fixedNow ?? new Date(), warnDays, critDays, workers: 0 });
      const diff = diffFindings(known, result.findings);
      known = new Map(result.findings.map((f) => [findingKey(f), f]));
      diagnoses++;
      printDiff(diff, result, diagnoses === 1, format, io, emit);
      if (flags.once) break;
    }
  } finally {
    stop.abort();
    if (timer) clearTimeout(timer);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await running;
    const stats = reflectors.map((r) => r.stats);
    emit({ type: "stopped", diagnoses, lists: sum(stats, "lists"), watches: sum(stats, "watches"), relists410: sum(stats, "relists410"), reconnects: sum(stats, "reconnects") });
    if (format !== "json") io.stderr(`certdoctor watch: stopped after ${diagnoses} diagnoses\n`);
  }
  if (fatal !== undefined) throw fatal;
  return exitCodeFor([...known.values()], failOn);
}

function sum(xs: ReflectorStats[], k: keyof ReflectorStats): number {
  return xs.reduce((a, x) => a + x[k], 0);
}

function printDiff(diff: FindingDiff, result: ScanResult, first: boolean, format: string, io: CliIO, emit: (l: Record<string, unknown>) => void): void {
  const at = result.evaluatedAt.toISOString();
  for (const f of diff.appeared) emit({ type: "appeared", at, finding: f });
  for (const f of diff.cleared) emit({ type: "cleared", at, finding: f });
  emit({ type: first ? "synced" : "diagnosed", at, summary: summarize(result) });
  if (format === "json") return;
  const s = summarize(result);
  if (first) io.stdout(`${at} synced: ${s.certificates} certificates; ${s.critical} critical, ${s.warning} warning, ${s.info} info\n`);
  for (const f of diff.appeared) io.stdout(`${at} + ${f.severity.toUpperCase()} ${f.rule} ${f.title}\n    where: ${f.locations.join(", ")}\n`);
  for (const f of diff.cleared) io.stdout(`${at} - cleared ${f.rule} ${f.title}\n`);
}

export function registerWatch(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const cmd = program
    .command("watch")
    .description("watch a live cluster (list-then-watch) and print findings as they appear and clear")
    .option("-p, --path <path>", "also scan this file or directory on every diagnosis (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[]);
  addKubeOptions(cmd)
    .option("--format <format>", "table or json (JSON lines; default: table on a terminal, json otherwise)")
    .option("--now <iso8601>", "evaluate every diagnosis as if at this time")
    .option("--warn-days <days>", "warn when a certificate expires within DAYS", "30")
    .option("--crit-days <days>", "critical when a certificate expires within DAYS", "7")
    .option("--max-duration <seconds>", "stop after this many seconds")
    .option("--once", "stop after the first complete diagnosis")
    .option("--debounce-ms <ms>", "wait this long after a change before re-diagnosing", "500")
    .option("--fail-on <level>", "when it stops, exit 1 if open findings are at or above: critical, warning, info, never", "never")
    .action(async (flags: WatchFlags) => {
      setExit(await runWatch(flags, io));
    });
}
