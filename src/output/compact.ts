/**
 * One line per finding, worst first, for pasting into an incident channel:
 * `CRIT cert-expiring  Expires in 4 days: CN=kubernetes-admin  (cp-1/etc/kubernetes/admin.conf#users/kubernetes-admin +1)`.
 * Lines are not wrapped: a chat client wraps them itself.
 */
import type { ScanResult } from "../engine/types.js";
import type { Severity } from "../model/finding.js";
import type { ReportContext } from "./formats.js";
import { describeTarget, shortIso } from "./table.js";

const LABEL: Record<Severity, string> = { critical: "CRIT", warning: "WARN", info: "INFO" };

export function renderCompact(result: ScanResult, ctx: Pick<ReportContext, "cwd" | "target">): string {
  const shorten = (s: string) => (ctx.cwd && ctx.cwd !== "/" ? s.split(ctx.cwd.endsWith("/") ? ctx.cwd : `${ctx.cwd}/`).join("") : s);
  const counts = { critical: 0, warning: 0, info: 0 };
  for (const f of result.findings) counts[f.severity]++;
  const what = describeTarget(ctx.target, result.stats.files, ctx.cwd);
  const lines = [
    `certdoctor${what ? ` scanned ${what}` : ""}: ${counts.critical} critical, ${counts.warning} warning, ${counts.info} info at ${shortIso(result.evaluatedAt)}`,
  ];
  for (const f of result.findings) {
    const [first, ...rest] = f.locations;
    const where = first === undefined ? "" : `  (${shorten(first)}${rest.length > 0 ? ` +${rest.length}` : ""})`;
    lines.push(`${LABEL[f.severity]} ${f.rule}  ${f.title}${where}`);
  }
  if (result.findings.length === 0) lines.push("No problems found.");
  return lines.join("\n") + "\n";
}
