import type { ScanResult } from "../engine/types.js";
import type { Finding, Severity } from "../model/finding.js";
import { summarize } from "./json.js";

export interface TableOptions {
  width: number;
  color: boolean;
  /** Paths under this directory are shown relative to it (the report is for a person at that prompt). */
  cwd?: string;
}

const ORDER: Severity[] = ["critical", "warning", "info"];
const MARK: Record<Severity, string> = { critical: "✗", warning: "!", info: "i" };
const COLOR: Record<Severity, string> = { critical: "\x1b[31m", warning: "\x1b[33m", info: "\x1b[36m" };
const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";

/** Human report grouped by severity, wrapped to `width` columns (80 on a plain terminal). */
export function renderTable(result: ScanResult, opts: TableOptions): string {
  const paint = (code: string, s: string) => (opts.color ? `${code}${s}${RESET}` : s);
  const s = summarize(result);
  const lines: string[] = [];
  lines.push(
    paint(BOLD, "certdoctor") +
      ` — ${s.certificates} certificates, ${result.stats.keys} keys in ${result.stats.files} files; ` +
      `${s.critical} critical, ${s.warning} warning, ${s.info} info (evaluated at ${result.evaluatedAt.toISOString()})`,
  );
  const shorten = relativizer(opts.cwd);
  for (const severity of ORDER) {
    const group = result.findings.filter((f) => f.severity === severity).map(shorten);
    if (group.length === 0) continue;
    lines.push("", paint(COLOR[severity] + BOLD, `${severity.toUpperCase()} (${group.length})`));
    for (const f of group) lines.push(...renderFinding(f, opts, (x) => paint(COLOR[severity], x)));
  }
  if (result.findings.length === 0) lines.push("", "No problems found.");
  const notes = result.issues.filter((i) => !i.material);
  if (notes.length > 0) {
    lines.push("", `${notes.length} file${notes.length === 1 ? "" : "s"} skipped (not certificate material, too large or unreadable):`);
    for (const n of notes.slice(0, 10)) lines.push(...wrap(`${n.ref}: ${n.message}`, opts.width, "  ", "    "));
    if (notes.length > 10) lines.push(`  … and ${notes.length - 10} more (see --format json)`);
  }
  return lines.join("\n") + "\n";
}

function renderFinding(f: Finding, opts: TableOptions, paint: (s: string) => string): string[] {
  const out: string[] = [""];
  const prefix = `${MARK[f.severity]} ${f.rule}`;
  const header = wrap(`${prefix}  ${f.title}`, opts.width, "  ", "    ");
  header[0] = header[0]!.replace(prefix, paint(prefix));
  out.push(...header);
  out.push(...wrap(f.detail, opts.width, "    ", "    "));
  const [first, ...rest] = f.locations;
  if (first !== undefined) {
    out.push(`    where: ${first}`);
    for (const loc of rest.slice(0, 7)) out.push(`           ${loc}`);
    if (rest.length > 7) out.push(`           … and ${rest.length - 7} more`);
  }
  out.push(...wrap(f.remediation, opts.width, "    fix:   ", "           "));
  return out;
}

function relativizer(cwd: string | undefined): (f: Finding) => Finding {
  if (cwd === undefined || cwd === "/") return (f) => f;
  const prefix = cwd.endsWith("/") ? cwd : `${cwd}/`;
  const strip = (s: string) => s.split(prefix).join("");
  return (f) => ({ ...f, detail: strip(f.detail), remediation: strip(f.remediation), locations: f.locations.map(strip) });
}

/** Word-wraps `text`; words longer than a line (paths, refs) stay whole. */
export function wrap(text: string, width: number, firstIndent: string, indent: string): string[] {
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  // The first indent may carry a label ("fix:   "): the first word follows it directly.
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? "" : " ") + word;
    }
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines;
}
