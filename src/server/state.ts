/**
 * The server's current state: the latest diagnosis of its own sources (the whole ScanResult, with its
 * Inventory), each source's progress, and a version that changes whenever any of it does. Readers —
 * `/metrics`, `/readyz`, the API's status — call `current()` and never trigger a scan; the scan loop is
 * the only writer. A replica that is not the leader has no scan of its own (`diagnosis` undefined) and
 * serves what the shared store holds.
 */
import type { ScanResult } from "../engine/types.js";

export interface SourceProgress {
  /** Stable id: `path:/abs/root`, `kube`, `endpoints`, `agents`. */
  name: string;
  kind: "file" | "kube-api" | "tls-endpoint";
  /** Completed at least one pass (readiness). */
  ready: boolean;
  /** ms since the epoch of the last completed pass. */
  lastRunAt?: number;
  /** Why the last pass failed, when it did. */
  lastError?: { code: string; message: string };
}

export interface Diagnosis {
  result: ScanResult;
  /** The roots given with --path, and the kinds of the further sources (for source-up metrics). */
  paths: readonly string[];
  sourceKinds: readonly string[];
  /** The store scan id it was recorded as, when the write succeeded. */
  scanId?: number;
}

export interface CurrentState {
  /** Increases by one on every update; the same version always carries the same data. */
  version: number;
  diagnosis?: Diagnosis;
  sources: readonly SourceProgress[];
  /** True while this process runs the scans (always, unless leader election says otherwise). */
  leader: boolean;
}

export class ServerState {
  private state: CurrentState;
  private readonly listeners = new Set<(s: CurrentState) => void>();

  constructor(sources: SourceProgress[] = [], leader = true) {
    this.state = { version: 0, sources, leader };
  }

  current(): CurrentState {
    return this.state;
  }

  /** Replaces parts of the state and bumps the version. */
  update(patch: Partial<Omit<CurrentState, "version">>): CurrentState {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
    for (const l of this.listeners) l(this.state);
    return this.state;
  }

  /** Updates one source's progress by name. */
  updateSource(name: string, patch: Partial<SourceProgress>): CurrentState {
    return this.update({ sources: this.state.sources.map((s) => (s.name === name ? { ...s, ...patch } : s)) });
  }

  /** Calls `listener` after every update; returns the unsubscribe function. */
  subscribe(listener: (s: CurrentState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
