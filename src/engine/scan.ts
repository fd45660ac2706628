import { availableParallelism } from "node:os";
import { Inventory } from "../inventory/inventory.js";
import { InventoryBuilder, scopeRoots } from "../inventory/build.js";
import { applyVerification, planVerification } from "../inventory/trust-graph.js";
import type { RawItem } from "../model/items.js";
import type { ScanIssue } from "../model/issue.js";
import { defaultLimits, isScanIssue, type ReadContext, type Source } from "../model/scan.js";
import { severityRank, type Finding } from "../model/finding.js";
import { runRules } from "../rules/index.js";
import type { RuleContext } from "../rules/rule.js";
import { walkPaths, type FileEntry } from "../sources/file/walk.js";
import { ParseUnit } from "./parse-unit.js";
import { LocalBackend, WorkerBackend, type ParseBackend } from "./pool.js";
import type { ScanOptions, ScanResult } from "./types.js";

const BATCH_FILES = 64;
/** Below this many files, worker start-up (~0.1-0.2 s) costs more than it saves (1k-certificate bench corpus: 439 files). */
const WORKER_THRESHOLD_FILES = 1000;
const IN_FLIGHT_PER_UNIT = 8;
const SOURCE_CHUNK = 512;
/** Parse-unit id of the main thread's own unit (worker units are numbered from 0). */
const MAIN_UNIT = -1;

/** Scans the given paths and diagnoses what it finds. Throws only for unusable options (e.g. a missing root). */
export async function scan(options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const limits = { ...defaultLimits, ...options.limits };
  const ctx: ReadContext = { limits, pkcs12Passwords: options.pkcs12Passwords ?? [] };
  const builder = new InventoryBuilder(scopeRoots(options.paths, options.scopes));
  const mainUnit = new ParseUnit(ctx);

  let backend: ParseBackend | undefined;
  // A bounded window of batches in flight: results are folded in as they come, memory stays flat.
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let batch: FileEntry[] = [];
  let files = 0;
  const startBackend = (expectMany: boolean): ParseBackend => {
    const wanted = options.workers ?? (expectMany ? Math.min(availableParallelism(), 8) : 0);
    return wanted > 0 ? new WorkerBackend(ctx, wanted) : new LocalBackend(ctx);
  };
  const dispatch = async (entries: FileEntry[]) => {
    backend ??= startBackend(true);
    const done: Promise<void> = backend
      .parse(entries)
      .then(({ unit, result }) => builder.add(unit, result))
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
    if (inFlight.size >= backend.units * IN_FLIGHT_PER_UNIT) await Promise.race(inFlight);
  };

  try {
    let directory = "";
    const progress = options.onProgress;
    let directories = 0;
    const onDirectory =
      progress === undefined
        ? undefined
        : (dir: string) => {
            directory = dir;
            if ((++directories & 63) === 0) progress({ files, certificates: builder.entries.size, directory });
          };
    for await (const item of walkPaths(options.paths, ctx, options.walk, onDirectory)) {
      if (isScanIssue(item)) {
        builder.addIssue(item);
        continue;
      }
      files++;
      if (progress !== undefined && (files & 255) === 0) progress({ files, certificates: builder.entries.size, directory });
      batch.push(item);
      if (files >= WORKER_THRESHOLD_FILES && batch.length >= BATCH_FILES) {
        // The first dispatch carries every file walked so far: split it so both workers start at once.
        for (let i = 0; i < batch.length; i += BATCH_FILES) await dispatch(batch.slice(i, i + BATCH_FILES));
        batch = [];
      }
    }
    if (batch.length > 0) {
      backend ??= startBackend(false);
      await dispatch(batch);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    for (const source of options.sources ?? []) await readSource(source, ctx, mainUnit, builder);

    const plan = planVerification(builder.entries);
    await Promise.all(
      [...plan.byUnit].map(async ([unit, tasks]) => {
        const spkis = new Map(tasks.map((t) => [t.issuer, plan.spkis.get(t.issuer)!]));
        const verified = unit === MAIN_UNIT ? mainUnit.verify(tasks, spkis) : await backend!.verify(unit, tasks, spkis);
        applyVerification(builder.entries, tasks, verified);
      }),
    );
  } finally {
    mainUnit.release();
    await backend?.close();
  }

  const inventory = builder.finish();
  const ruleCtx: RuleContext = {
    now: options.now.getTime(),
    warnDays: options.warnDays,
    critDays: options.critDays,
    ...(options.absoluteThresholds ? { absoluteThresholds: true } : {}),
    maxChainLength: limits.maxChainLength,
  };
  const findings = sortFindings(runRules(inventory, ruleCtx));
  return {
    evaluatedAt: options.now,
    certificates: inventory.certs,
    keys: inventory.keys,
    csrs: inventory.csrs,
    kubeCsrs: inventory.kubeCsrs,
    endpoints: inventory.endpoints,
    findings,
    issues: inventory.issues,
    inventory,
    stats: {
      files,
      certificates: inventory.certs.length,
      keys: inventory.keys.length,
      durationMs: Math.round(performance.now() - started),
    },
  };
}

/** Parses what a non-file source yields, in chunks, on the main thread's own parse unit. */
async function readSource(source: Source, ctx: ReadContext, unit: ParseUnit, builder: InventoryBuilder): Promise<void> {
  let chunk: Array<RawItem | ScanIssue> = [];
  for await (const item of source.discover(ctx)) {
    chunk.push(item);
    if (chunk.length >= SOURCE_CHUNK) {
      builder.add(MAIN_UNIT, unit.parseItems(chunk));
      chunk = [];
    }
  }
  builder.add(MAIN_UNIT, unit.parseItems(chunk));
}

/**
 * Worst first: by severity, then by time to impact (broken now before anything that breaks later,
 * then the soonest), then by rule and location so the order is stable.
 */
export function sortFindings(findings: Finding[]): Finding[] {
  const impact = (f: Finding) => (f.breaksAt === undefined ? -Infinity : Date.parse(f.breaksAt));
  return findings.sort(
    (a, b) =>
      severityRank[b.severity] - severityRank[a.severity] ||
      impact(a) - impact(b) ||
      a.rule.localeCompare(b.rule) ||
      (a.locations[0] ?? "").localeCompare(b.locations[0] ?? ""),
  );
}

export { Inventory };
