import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { scan } from "../engine/scan.js";
import { ErrorCode } from "../errors.js";
import { fileRef, formatRef } from "../model/ref.js";
import type { ScanResult } from "../engine/types.js";
import type { ScannedSources } from "../metrics/source-status.js";
import { toJsonReport, type JsonReport } from "../output/json.js";
import { detectNodePaths, isUnder } from "./node-paths.js";
import { reportInNodePaths } from "./node-view.js";
import { findKubeProcesses } from "./proc.js";
import { processSource, viewProcesses, type ProcessView } from "./process-source.js";
import type { Source } from "../model/scan.js";
import type { HealReport } from "./heal/types.js";

export interface NodeScanOptions {
  /** The node's filesystem root as the agent sees it ("/" in production, the hostPath mount point in a pod); the report names paths as the node does, without it. */
  root: string;
  /** The host's /proc (hostPID). */
  procDir: string;
  now: Date;
  warnDays: number;
  critDays: number;
  nodeName: string;
  version: string;
  /** Further process names to treat as a component, e.g. a renamed binary: name -> component. */
  processNames?: ReadonlyMap<string, string>;
  /** Further sources scanned with the node (the heal policy's CloudCore endpoint). */
  extraSources?: Source[];
}

export interface AgentProcess {
  pid: number;
  comm: string;
  component: string;
  files: Array<{ path: string; via: string }>;
}

/** What `certdoctor agent` adds to the JSON report (schemaVersion 1, additive). */
export interface AgentMeta {
  nodeName: string;
  agentVersion: string;
  scannedAt: string;
  scanDurationMs: number;
  root: string;
  /** Distributions recognised in the scanned files (kubeadm, k3s, kops, kubeedge ...). */
  layouts: string[];
  /** Layout roots found under the node root, e.g. /etc/kubernetes. */
  roots: string[];
  processes: AgentProcess[];
  /** Set when the report is queued for delivery. */
  agentId?: string;
  sequence?: number;
  spool?: { dropped: number };
  /** `--heal`: what the repairs found, checked, changed and verified on this cycle (docs/heal.md). */
  heal?: HealReport;
}

export type AgentReport = JsonReport & { agent: AgentMeta };

export interface NodeScan {
  report: AgentReport;
  result: ScanResult;
  /** What was read, for the metrics' per-source series: the layout roots found and the process views. */
  scanned: ScannedSources;
}

/** One scan of the node: its layout roots, the files its Kubernetes processes use, and those files as each process sees them. */
export async function scanNode(options: NodeScanOptions): Promise<NodeScan> {
  const started = performance.now();
  const root = resolve(options.root);
  const detected = detectNodePaths(root);
  const { processes, stuck } = await findKubeProcesses(options.procDir, options.processNames);
  const views = viewProcesses(options.procDir, processes);
  const paths = [...detected.paths, ...nodeCounterparts(root, views, detected.paths)];
  const result = await scan({
    paths,
    nodeRoot: root,
    sources: [processSource(options.procDir, views), ...(options.extraSources ?? [])],
    now: options.now,
    warnDays: options.warnDays,
    critDays: options.critDays,
    // A node holds tens of files: worker threads would cost more memory than they save time.
    workers: 0,
  });
  for (const path of stuck) {
    result.issues.push({ code: ErrorCode.ERR_PROC_UNREADABLE, ref: formatRef(fileRef(path)), message: "did not answer in time (a process blocked on a hung mount?); that process was skipped this cycle", material: false });
  }
  // One node: its locations are the scanned node itself (node ""), as with --root /, not the mount point's path
  // the layouts took for a node prefix (what the metrics file's node labels show). The rules have run already.
  for (const c of result.certificates) for (const l of c.locations) l.node = "";
  for (const k of result.keys) k.location.node = "";
  const layouts = new Set<string>();
  for (const c of result.certificates) for (const l of c.locations) if (l.distribution !== undefined) layouts.add(l.distribution);
  const report: AgentReport = {
    ...reportInNodePaths(toJsonReport(result), root),
    agent: {
      nodeName: options.nodeName,
      agentVersion: options.version,
      scannedAt: options.now.toISOString(),
      scanDurationMs: Math.round(performance.now() - started),
      root,
      layouts: [...layouts].sort(),
      roots: detected.roots,
      processes: views.map(describeView),
    },
  };
  return { report, result, scanned: { paths: detected.roots.map((r) => join(root, r)), sourceKinds: ["process"] } };
}

/** The node's own copy of every file a process uses, when it exists and the layout scan does not already cover it. */
function nodeCounterparts(root: string, views: ProcessView[], scanned: string[]): string[] {
  const out = new Set<string>();
  for (const view of views) {
    for (const file of view.files) {
      const nodePath = join(root, file.path);
      if (scanned.some((dir) => isUnder(nodePath, dir)) || out.has(nodePath)) continue;
      try {
        if (statSync(nodePath).isFile()) out.add(nodePath);
      } catch {
        // no node counterpart: the process holds it only in its own view
      }
    }
  }
  return [...out].sort();
}

function describeView(view: ProcessView): AgentProcess {
  return { pid: view.process.pid, comm: view.process.comm, component: view.process.component, files: view.files.map((f) => ({ path: f.path, via: f.via })) };
}
