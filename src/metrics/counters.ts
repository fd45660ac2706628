/**
 * The exposition's counters and its one histogram, accumulated over the states a process has seen:
 * source errors by reason, collisions, series dropped by the cap, scan issues by code, scan durations.
 * Each state version is counted once however often it is scraped. Every series is created at 0 up front
 * (enix's BundleReasons pre-init), so `increase()` works from the first error on.
 */
import { SCAN_ISSUE_CODES } from "../errors.js";
import type { SeriesPlan } from "./cert-series.js";
import type { X509SourceKind } from "./ref-labels.js";
import { SOURCE_REASONS, type SourceStatus } from "./source-status.js";
import type { MetricsState } from "./state.js";

export const X509_SOURCE_KINDS: readonly X509SourceKind[] = ["file", "kubeconfig", "kube-secret", "kube-configmap", "kube-cabundle"];

/** Scan-duration buckets, seconds: node scans take milliseconds, 100k-certificate trees several seconds. */
export const SCAN_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

export interface SourceErrorSeries {
  kind: string;
  name: string;
  reason: string;
  value: number;
}

export class MetricsCounters {
  readonly sourceErrors = new Map<string, SourceErrorSeries>();
  readonly collisions = new Map<X509SourceKind, number>(X509_SOURCE_KINDS.map((k) => [k, 0]));
  readonly scanIssues = new Map<string, number>(SCAN_ISSUE_CODES.map((c) => [c, 0]));
  readonly scanBuckets: number[] = SCAN_DURATION_BUCKETS.map(() => 0);
  droppedSeries = 0;
  scanCount = 0;
  scanSeconds = 0;
  private readonly seenStates = new Set<string | number>();
  private readonly seenPlans = new Set<string | number>();

  /** Counts a state's scan (duration, issues, source errors) once per scan key. */
  observeState(scanKey: string | number, state: MetricsState): void {
    if (this.seenStates.has(scanKey)) return;
    remember(this.seenStates, scanKey);
    const ms = state.diagnosed.durationMs;
    if (ms !== undefined) {
      const seconds = ms / 1000;
      this.scanCount++;
      this.scanSeconds += seconds;
      SCAN_DURATION_BUCKETS.forEach((le, i) => {
        if (seconds <= le) this.scanBuckets[i]!++;
      });
    }
    for (const issue of state.diagnosed.issues) this.scanIssues.set(issue.code, (this.scanIssues.get(issue.code) ?? 0) + 1);
    for (const source of state.sources) this.observeSource(source);
  }

  /** Counts a plan's collisions and dropped series once per scan key (enix counts them at every collection). */
  observePlan(scanKey: string | number, plan: SeriesPlan): void {
    if (this.seenPlans.has(scanKey)) return;
    remember(this.seenPlans, scanKey);
    for (const [kind, n] of plan.collisions) this.collisions.set(kind, (this.collisions.get(kind) ?? 0) + n);
    this.droppedSeries += plan.droppedSeries;
  }

  private observeSource(source: SourceStatus): void {
    for (const reason of SOURCE_REASONS) this.sourceError(source.kind, source.name, reason);
    for (const [reason, n] of source.errors) this.sourceError(source.kind, source.name, reason).value += n;
  }

  private sourceError(kind: string, name: string, reason: string): SourceErrorSeries {
    const key = `${kind}\0${name}\0${reason}`;
    let s = this.sourceErrors.get(key);
    if (s === undefined) this.sourceErrors.set(key, (s = { kind, name, reason, value: 0 }));
    return s;
  }
}

/** Versions remembered to count each state once; a bounded window is enough (versions only move forward). */
const REMEMBERED_VERSIONS = 64;

function remember(set: Set<string | number>, version: string | number): void {
  set.add(version);
  if (set.size > REMEMBERED_VERSIONS) set.delete(set.values().next().value!);
}
