/**
 * `scan()`: sources -> parse -> inventory -> trust graph -> rules -> ScanResult. Orchestration only: how
 * sources reach the parse units (file batches on workers, other sources on the main thread) is
 * parse-units.ts; what a file holds is the file source's. Never throws on data.
 */
import { Inventory } from "../inventory/inventory.js";
import { InventoryBuilder, scopeRoots } from "../inventory/build.js";
import { planVerification } from "../inventory/trust-graph.js";
import { defaultLimits, type ReadContext, type Source } from "../model/scan.js";
import { severityRank, type Finding } from "../model/finding.js";
import { runRules } from "../rules/index.js";
import type { RuleContext } from "../rules/rule.js";
import { confineTo } from "../fs/confine.js";
import { createKdfBudget } from "../pki/kdf-budget.js";
import { sources as registry } from "../sources/index.js";
import { ParseUnits } from "./parse-units.js";
import { progressHooks } from "./progress.js";
import type { ScanOptions, ScanResult } from "./types.js";

/** Scans the given paths and sources and diagnoses what it finds. Throws only for unusable options (e.g. a missing root). */
export async function scan(options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const limits = { ...defaultLimits, ...options.limits };
  const confine = confineTo(options.paths, { ...(options.nodeRoot === undefined ? {} : { nodeRoot: options.nodeRoot }), ...(options.followSymlinksOut ? { followSymlinksOut: true } : {}) });
  const ctx: ReadContext = { limits, pkcs12Passwords: options.pkcs12Passwords ?? [], confine, kdfBudget: createKdfBudget(limits.maxKdfIterationsPerScan) };
  const builder = new InventoryBuilder(scopeRoots(options.paths, options.scopes));
  const progress = progressHooks(options.onProgress, () => ({ files: units.files, certificates: builder.entries.size }));
  const units = new ParseUnits(ctx, builder, options.workers, progress?.onFile);
  const files = registry.file.make(options.paths, { ...(options.walk === undefined ? {} : { filter: options.walk }), ...(progress === undefined ? {} : { onDirectory: progress.onDirectory }) });
  const sources: Source[] = [...(options.paths.length > 0 ? [files] : []), ...(options.sources ?? [])];
  try {
    for (const source of sources) await units.read(source);
    await units.verify(planVerification(builder.entries));
  } finally {
    await units.close();
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
      files: units.files,
      certificates: inventory.certs.length,
      keys: inventory.keys.length,
      durationMs: Math.round(performance.now() - started),
    },
  };
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
