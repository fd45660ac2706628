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
  /** The scan's now; absent when there was no scan (a server replica that is not the leader, or before its first scan). */
  evaluatedAt?: Date;
  /** How long producing this state took (the scan), ms; absent when there was no scan. */
  durationMs?: number;
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

/**
 * A certificate location a node agent reported: the store's current placement of an `agent:<node>` scope
 * with its certificate's public facts (names in their display form only; times in ms since the epoch).
 */
export interface ReportedPlacement {
  ref: string;
  node: string;
  role?: string | null;
  backup: boolean;
  fingerprint: string;
  serialNumber: string;
  subject: string;
  issuer: string;
  notBefore: number;
  notAfter: number;
  isCA: boolean;
}

export interface MetricsState {
  /** Identifies the state: the same version always carries the same data. */
  version: string | number;
  /**
   * Identifies the scan behind `diagnosed` when several versions share one (the server's state also
   * changes with source progress): counters count a scan once and its series plan is reused. Defaults to `version`.
   */
  scanKey?: string | number;
  diagnosed: DiagnosedState;
  sources: readonly SourceStatus[];
  /**
   * Certificates the node agents reported, and a key that changes whenever they do: their series are planned
   * with the scan's (one plan per scan key and reported key), each location labelled with its node.
   */
  reported?: { key: string; placements: readonly ReportedPlacement[] };
  /** Agents and store health change without a new state version: they are rendered at every scrape. */
  agents?: readonly AgentStatus[];
  store?: StoreStatus;
}

export interface BuildInfo {
  version: string;
  gitCommit?: string;
  built?: string;
}
