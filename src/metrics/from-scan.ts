/** A MetricsState from one ScanResult: what `scan --format prometheus` and the agent expose. */
import type { ScanResult } from "../engine/types.js";
import { deriveSourceStatuses, type ScannedSources } from "./source-status.js";
import type { MetricsState } from "./state.js";

let nextVersion = 1;

export function stateFromScan(result: ScanResult, scanned: ScannedSources, version: string | number = nextVersion++): MetricsState {
  return {
    version,
    diagnosed: {
      inventory: result.inventory,
      findings: result.findings,
      issues: result.issues,
      evaluatedAt: result.evaluatedAt,
      durationMs: result.stats.durationMs,
    },
    sources: deriveSourceStatuses(result.issues, scanned),
  };
}
