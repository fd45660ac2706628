/** Looking up, in a scan result, the findings a repair cares about by the node path of their file locations. */
import type { ScanResult } from "../../engine/types.js";
import type { Finding } from "../../model/finding.js";
import { parseRef, refPath } from "../../model/ref.js";
import { nodePathOf } from "./guard.js";

export interface FileFinding {
  finding: Finding;
  ref: string;
  nodePath: string;
}

/** Findings of `rule` located at a file whose node path `match`es. */
export function fileFindings(scan: ScanResult, root: string, rule: string, match: (nodePath: string) => boolean): FileFinding[] {
  const out: FileFinding[] = [];
  for (const finding of scan.findings) {
    if (finding.rule !== rule) continue;
    for (const ref of finding.locations) {
      const parsed = parseRef(ref);
      const path = parsed === undefined ? undefined : refPath(parsed);
      const nodePath = path === undefined ? undefined : nodePathOf(root, path);
      if (nodePath !== undefined && match(nodePath)) out.push({ finding, ref, nodePath });
    }
  }
  return out;
}

/** Rule ids reported at the file `nodePath` (any block). */
export function rulesAt(scan: ScanResult, root: string, nodePath: string): string[] {
  const rules = new Set<string>();
  for (const f of scan.findings) if (fileFindings({ ...scan, findings: [f] }, root, f.rule, (p) => p === nodePath).length > 0) rules.add(f.rule);
  return [...rules].sort();
}
