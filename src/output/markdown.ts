/**
 * Findings (worst first) and the expiry overview as GitHub-flavoured Markdown, for incident notes and
 * pull requests. Every string from the input is escaped: Markdown syntax characters are backslashed,
 * control characters shown as \u{..} (a Secret name must not become a link, a table row or a heading).
 */
import type { ScanResult } from "../engine/types.js";
import type { Finding, Severity } from "../model/finding.js";
import { buildOverview } from "./cert-overview.js";
import type { ReportContext } from "./formats.js";
import { summarize } from "./json.js";
import { formatExpiry, formatResidual } from "./overview-table.js";
import { describeTarget } from "./table.js";

const ORDER: Severity[] = ["critical", "warning", "info"];

export function renderMarkdown(result: ScanResult, ctx: Pick<ReportContext, "view" | "overview" | "target" | "cwd">): string {
  const s = summarize(result);
  const what = describeTarget(ctx.target, result.stats.files, ctx.cwd);
  const out: string[] = [
    "# certdoctor report",
    "",
    `${what ? `Scanned ${escapeMarkdown(what)}. ` : ""}${s.certificates} certificates; **${s.critical} critical**, ${s.warning} warning, ${s.info} info; evaluated at ${result.evaluatedAt.toISOString()}.`,
  ];
  if (ctx.view !== "certs") {
    for (const severity of ORDER) {
      const group = result.findings.filter((f) => f.severity === severity);
      if (group.length === 0) continue;
      out.push("", `## ${severity[0]!.toUpperCase()}${severity.slice(1)} (${group.length})`);
      for (const f of group) out.push(...renderFinding(f));
    }
    if (result.findings.length === 0) out.push("", "No problems found.");
  }
  out.push(...renderOverview(result, ctx));
  return out.join("\n") + "\n";
}

function renderFinding(f: Finding): string[] {
  const lines = ["", `### \`${f.rule}\` ${escapeMarkdown(f.title)}`, "", escapeMarkdown(f.detail), ""];
  for (const loc of f.locations.slice(0, 20)) lines.push(`- ${code(loc)}`);
  if (f.locations.length > 20) lines.push(`- … and ${f.locations.length - 20} more`);
  lines.push("", `**Fix:** ${escapeMarkdown(f.remediation)}`);
  return lines;
}

function renderOverview(result: ScanResult, ctx: Pick<ReportContext, "overview">): string[] {
  const rows = buildOverview(result, ctx.overview);
  const out = ["", "## Expiry overview", ""];
  if (rows.length === 0) return [...out, "No certificate matches."];
  out.push("| Certificate | Node/namespace | Expires (UTC) | Residual | Certificate authority | CA key |", "| --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    out.push(`| ${escapeMarkdown(r.certificate)} | ${escapeMarkdown(r.namespace ?? r.node ?? "-")} | ${formatExpiry(r.notAfter)} | ${formatResidual(r.residualMs)} | ${escapeMarkdown(r.authority)} | ${r.caKey} |`);
  }
  return out;
}

/** Backslash-escapes Markdown syntax and shows control characters and line breaks as \u{XX}. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~]/g, "\\$&")
    .replace(/^(#|\+|-)/, "\\$1")
    .replace(/^(\d+)\./, "$1\\.")
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** An inline code span that no backtick in the value can close early. */
function code(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
  const fence = "`".repeat(Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return `${fence}${fence.length > 1 ? " " : ""}${clean}${fence.length > 1 ? " " : ""}${fence}`;
}
