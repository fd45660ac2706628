import { scan } from "../../src/engine/scan.js";
import type { ScanOptions, ScanResult } from "../../src/engine/types.js";
import type { Finding } from "../../src/model/finding.js";
import { fixtureNow, fixturePath } from "./fixtures.js";

/** Scans committed fixture folders at the fixtures' reference time, on the main thread. */
export function scanFixtures(parts: string[][], options: Partial<ScanOptions> = {}): Promise<ScanResult> {
  return scan({
    paths: parts.map((p) => fixturePath(...p)),
    now: fixtureNow,
    warnDays: 30,
    critDays: 7,
    workers: 0,
    ...options,
  });
}

export function findingsOf(result: ScanResult, rule: string): Finding[] {
  return result.findings.filter((f) => f.rule === rule);
}

/** "rule:severity" for every finding, sorted: compact to assert on. */
export function ruleSeverities(result: ScanResult): string[] {
  return result.findings.map((f) => `${f.rule}:${f.severity}`).sort();
}
