/**
 * The agent's report as the node names its files. In a pod the node's filesystem is mounted under `--root`
 * (`/host`), so the scan reads `/host/etc/kubernetes/pki/ca.crt`; the operator, the server's history and the
 * remediation commands (run on the node) need `/etc/kubernetes/pki/ca.crt`. The scan itself keeps host paths
 * (heal opens files by them); only what leaves the agent is turned into node paths: every ref of a kind that
 * names a path, and the report's prose (finding detail, remediation, note messages) where the root prefix
 * starts a path, and the metrics file's path labels. Process views (`process:COMM[PID]:/path`) already name
 * the path as the process sees it.
 */
import { defaultMetricsOptions, type MetricsOptions } from "../metrics/options.js";
import type { MetricsState } from "../metrics/state.js";
import type { Finding } from "../model/finding.js";
import { formatRef, parseRef } from "../model/ref.js";
import type { JsonReport } from "../output/json.js";
import { nodePathOf } from "./heal/guard.js";

const PATH_REF_KINDS = new Set(["file", "kubeconfig", "dir"]);

/** A copy of `report` with node paths; the scan's own objects are not touched. Identity when `root` is `/`. */
export function reportInNodePaths<T extends JsonReport>(report: T, root: string): T {
  const view = nodeView(root);
  if (view === undefined) return report;
  return {
    ...report,
    certificates: report.certificates.map((c) => ({ ...c, locations: c.locations.map(view.ref) })),
    findings: report.findings.map((f): Finding => ({ ...f, title: view.text(f.title), detail: view.text(f.detail), remediation: view.text(f.remediation), locations: f.locations.map(view.ref) })),
    keys: report.keys.map((k) => ({ ...k, location: view.ref(k.location) })),
    notes: report.notes.map((n) => ({ ...n, location: view.ref(n.location), message: view.text(n.message) })),
  };
}

/** Mappers from host paths under `root` to node paths, or undefined when there is nothing to map (root `/`). */
export function nodeView(root: string): { ref: (ref: string) => string; path: (path: string) => string; text: (text: string) => string } | undefined {
  const base = root.replace(/\/+$/, "");
  if (base === "") return undefined;
  const nodePath = (p: string) => (p === base ? "/" : nodePathOf(base, p));
  const path = (p: string) => nodePath(p) ?? p;
  // The root starts a path only after a delimiter (a ref's colon, a space, a quote…) and before a slash: /var/host/x stays.
  const inText = new RegExp(`(?<=^|[\\s:("'\`=,\\[])${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=/)`, "g");
  return {
    path,
    ref: (s) => {
      const ref = parseRef(s);
      if (ref === undefined || !PATH_REF_KINDS.has(ref.kind)) return s;
      const location = nodePath(ref.location);
      return location === undefined ? s : formatRef({ ...ref, location });
    },
    text: (t) => t.replace(inText, ""),
  };
}

/**
 * The metrics file's options and state with node paths: every file the agent scans lies under `root`, so trimming
 * the root's components first (before the user's own `trimPathComponents`) gives the node path, leading slash kept.
 */
export function metricsInNodePaths(options: MetricsOptions | undefined, root: string): MetricsOptions {
  const base = options ?? defaultMetricsOptions;
  const rootComponents = root.split("/").filter((c) => c !== "").length;
  return { ...base, trimPathComponents: base.trimPathComponents + rootComponents };
}

/** The metrics file's findings (their `ref` label) and file sources (`source_name`) with node paths. */
export function metricsStateInNodePaths(state: MetricsState, root: string): MetricsState {
  const view = nodeView(root);
  if (view === undefined) return state;
  return {
    ...state,
    diagnosed: { ...state.diagnosed, findings: state.diagnosed.findings.map((f) => ({ ...f, locations: f.locations.map(view.ref) })) },
    sources: state.sources.map((s) => (s.kind === "file" ? { ...s, name: view.path(s.name) } : s)),
  };
}
