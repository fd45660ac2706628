/**
 * `--rule`, `--severity`, `--node` and `--namespace` narrow what a report shows: the findings here, the
 * expiry overview in its own builder. A finding is kept when its rule and severity match and, for
 * --node/--namespace, when one of its locations lies on that node or in one of those namespaces.
 */
import type { ScanResult } from "../engine/types.js";
import { severityRank, type Finding } from "../model/finding.js";
import { isNode, type OverviewFilter } from "../output/cert-overview.js";
import { parseRef } from "../model/ref.js";

export interface ReportFilter {
  overview: OverviewFilter;
}

export function filterFindings(result: ScanResult, filter: ReportFilter): ScanResult {
  const f = filter.overview;
  if (f.rule === undefined && f.severity === undefined && f.node === undefined && f.namespaces === undefined) return result;
  const nodeOf = f.node === undefined ? undefined : nodesByRef(result);
  const keep = (finding: Finding) =>
    (f.rule === undefined || finding.rule === f.rule) &&
    (f.severity === undefined || severityRank[finding.severity] >= severityRank[f.severity]) &&
    (f.node === undefined || finding.locations.some((ref) => isNode(nodeOf!.get(ref), f.node!))) &&
    (f.namespaces === undefined || finding.locations.some((ref) => f.namespaces!.includes(parseRef(ref)?.namespace ?? "\0")));
  return { ...result, findings: result.findings.filter(keep) };
}

function nodesByRef(result: ScanResult): Map<string, string> {
  const map = new Map<string, string>();
  for (const cert of result.certificates) for (const loc of cert.locations) if (loc.node) map.set(loc.ref, loc.node);
  for (const key of result.keys) if (key.location.node) map.set(key.location.ref, key.location.node);
  return map;
}
