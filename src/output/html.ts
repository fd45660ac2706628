/**
 * A self-contained HTML report: findings worst first, each with its explanation, locations and fix, then
 * the expiry overview. One file, inline CSS, no scripts, and a Content-Security-Policy that forbids
 * every external request, so it can be mailed or attached to a ticket and opened anywhere.
 */
import type { ScanResult } from "../engine/types.js";
import type { Finding, Severity } from "../model/finding.js";
import { buildOverview } from "./cert-overview.js";
import type { ReportContext } from "./formats.js";
import { summarize } from "./json.js";
import { formatExpiry, formatResidual } from "./overview-table.js";
import { describeTarget } from "./table.js";

const ORDER: Severity[] = ["critical", "warning", "info"];
const MARK: Record<Severity, string> = { critical: "✗ critical", warning: "! warning", info: "i info" };

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}
.finding{border-left:4px solid #888;padding:.25rem .75rem;margin:.75rem 0}
.critical{border-color:#b00020}.warning{border-color:#b26a00}.info{border-color:#00639b}
.sev{font-weight:600;text-transform:uppercase;font-size:.8rem}
code,.fix{font-family:ui-monospace,monospace;font-size:.85rem;overflow-wrap:anywhere}
.fix{background:#f4f4f4;padding:.5rem;white-space:pre-wrap}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.2rem .5rem;border-bottom:1px solid #e4e4e4;vertical-align:top}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e6e6e6}.fix{background:#222}th,td{border-color:#333}}`;

export function renderHtml(result: ScanResult, ctx: Pick<ReportContext, "view" | "overview" | "target" | "cwd" | "toolVersion">): string {
  const s = summarize(result);
  const what = describeTarget(ctx.target, result.stats.files, ctx.cwd);
  const body: string[] = [
    `<h1>certdoctor report</h1>`,
    `<p>${what ? `Scanned ${esc(what)}. ` : ""}${s.certificates} certificates; <strong>${s.critical} critical</strong>, ${s.warning} warning, ${s.info} info; evaluated at <time>${esc(result.evaluatedAt.toISOString())}</time>.</p>`,
  ];
  if (ctx.view !== "certs") {
    for (const severity of ORDER) {
      const group = result.findings.filter((f) => f.severity === severity);
      if (group.length === 0) continue;
      body.push(`<h2>${severity[0]!.toUpperCase()}${severity.slice(1)} (${group.length})</h2>`, ...group.map(renderFinding));
    }
    if (result.findings.length === 0) body.push(`<p>No problems found.</p>`);
  }
  body.push(renderOverview(result, ctx));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="certdoctor ${esc(ctx.toolVersion)}">
<title>certdoctor report — ${s.critical} critical, ${s.warning} warning</title>
<style>${STYLE}</style>
</head>
<body>
${body.join("\n")}
</body>
</html>
`;
}

function renderFinding(f: Finding): string {
  const where = f.locations.map((l) => `<li><code>${esc(l)}</code></li>`).join("");
  return `<section class="finding ${f.severity}">
<p><span class="sev">${MARK[f.severity]}</span> <code>${esc(f.rule)}</code> <strong>${esc(f.title)}</strong></p>
<p>${esc(f.detail)}</p>
<ul>${where}</ul>
<p class="fix">${esc(f.remediation)}</p>
</section>`;
}

function renderOverview(result: ScanResult, ctx: Pick<ReportContext, "overview">): string {
  const rows = buildOverview(result, ctx.overview);
  if (rows.length === 0) return `<h2>Expiry overview</h2>\n<p>No certificate matches.</p>`;
  const trs = rows.map(
    (r) =>
      `<tr><td>${esc(r.certificate)}</td><td>${esc(r.namespace ?? r.node ?? "-")}</td><td>${formatExpiry(r.notAfter)}</td><td>${formatResidual(r.residualMs)}</td><td>${esc(r.authority)}</td><td>${r.caKey}</td><td><code>${esc(r.location)}</code></td></tr>`,
  );
  return `<h2>Expiry overview</h2>
<table>
<thead><tr><th>Certificate</th><th>Node/namespace</th><th>Expires (UTC)</th><th>Residual</th><th>Certificate authority</th><th>CA key</th><th>Location</th></tr></thead>
<tbody>
${trs.join("\n")}
</tbody>
</table>`;
}

/** HTML-escapes text and shows control characters as \u{..}. */
function esc(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
