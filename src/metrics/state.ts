/**
 * What the exposition is rendered from: one diagnosed state (a scan result, or the server's current
 * view), the health of the sources that produced it, and what the server adds (agents, store). Types
 * only; producers are the CLI, the agent and the server.
 */
import type { Inventory } from "../inventory/inventory.js";
import type { Finding } from "../model/finding.js";
import type { ScanIssue } from "../model/issue.js";
import type { SourceStatus } from "./source-status.js";

/** The part of a ScanResult the metrics read. */
export interface DiagnosedState {
  inventory: Inventory;
  findings: readonly Finding[];
  issues: readonly ScanIssue[];
  evaluatedAt: Date;
  /** How long producing this state took (the scan), ms. */
  durationMs: number;
}

export interface AgentStatus {
  node: string;
  /** ms since the epoch of the last report received from this node's agent. */
  lastReportAt: number;
}

export interface StoreStatus {
  /** "sqlite" | "postgres". */
  backend: string;
  up: boolean;
}

export interface MetricsState {
  /** Identifies the state: the same version always carries the same data. */
  version: string | number;
  diagnosed: DiagnosedState;
  sources: readonly SourceStatus[];
  agents?: readonly AgentStatus[];
  store?: StoreStatus;
}

export interface BuildInfo {
  version: string;
  gitCommit?: string;
  built?: string;
}
