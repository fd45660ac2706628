import { ErrorCode } from "../errors.js";
import type { ScanResult } from "../engine/types.js";
import { PAINT } from "./terminal-safe.js";
import type { Finding, Severity } from "../model/finding.js";
import type { ScanTarget } from "./formats.js";
import { summarize } from "./json.js";
import { wrap } from "./wrap.js";

export interface TableOptions {
  width: number;
  color: boolean;
  /** Paths under this directory are shown relative to it (the report is for a person at that prompt). */
  cwd?: string;
  /** What was scanned, named in the header. */
  target?: ScanTarget;
}

const ORDER: Severity[] = ["critical", "warning", "info"];
const MARK: Record<Severity, string> = { critical: "✗", warning: "!", info: "i" };
// Paint placeholders, turned into SGR codes after the report is made terminal-safe (terminal-safe.ts).
const COLOR: Record<Severity, string> = { critical: PAINT.red, warning: PAINT.yellow, info: PAINT.cyan };
const BOLD = PAINT.bold;
const RESET = PAINT.reset;

/** Human report grouped by severity, wrapped to `width` columns (80 on a plain terminal). */
export function renderTable(result: ScanResult, opts: TableOptions): string {
  const paint = (code: string, s: string) => (opts.color ? `${code}${s}${RESET}` : s);
  const lines = renderHeader(result, opts, paint);
  const shorten = relativizer(opts.cwd);
  for (const severity of ORDER) {
    const group = result.findings.filter((f) => f.severity === severity).map(shorten);
    if (group.length === 0) continue;
    lines.push("", paint(COLOR[severity] + BOLD, `${severity.toUpperCase()} (${group.length})`));
    for (const f of group) lines.push(...renderFinding(f, opts, (x) => paint(COLOR[severity], x)));
  }
  if (result.findings.length === 0) lines.push("", "No problems found.");
  const notMaterial = result.issues.filter((i) => i.code === ErrorCode.ERR_FILE_NOT_MATERIAL).length;
  const notes = result.issues.filter((i) => !i.material && i.code !== ErrorCode.ERR_FILE_NOT_MATERIAL);
  if (notMaterial > 0) {
    const files = notMaterial === 1 ? "1 file looks" : `${notMaterial.toLocaleString("en-US")} files look`;
    lines.push("", ...wrap(`${files} like certificate material but ${notMaterial === 1 ? "is" : "are"} not (PGP/SSH blocks, source code, binaries, non-YAML text); not findings, listed in --format json.`, opts.width, "", ""));
  }
  if (notes.length > 0) {
    lines.push("", `${notes.length} note${notes.length === 1 ? "" : "s"} (skipped: too large, unreadable, not descended into or not read):`);
    for (const n of notes.slice(0, 10)) lines.push(...wrap(`${n.ref}: ${n.message}`, opts.width, "  ", "    "));
    if (notes.length > 10) lines.push(`  … and ${notes.length - 10} more (see --format json)`);
  }
  return lines.join("\n") + "\n";
}

/** What was scanned, then the counts and the evaluation time, wrapped to the width. */
export function renderHeader(result: ScanResult, opts: TableOptions, paint: (code: string, s: string) => string = (_c, s) => s): string[] {
  const s = summarize(result);
  const files = result.stats.files;
  const what = describeTarget(opts.target, files, opts.cwd);
  const lines = wrap(`${what ? `scanned ${what}` : `${files} file${files === 1 ? "" : "s"}`}`, opts.width, "certdoctor: ", "            ");
  lines[0] = lines[0]!.replace("certdoctor", paint(BOLD, "certdoctor"));
  lines.push(
    ...wrap(
      `${s.certificates} certificate${s.certificates === 1 ? "" : "s"}, ${result.stats.keys} key${result.stats.keys === 1 ? "" : "s"}: ${s.critical} critical, ${s.warning} warning, ${s.info} info at ${shortIso(result.evaluatedAt)}`,
      opts.width,
      "",
      "  ",
    ),
  );
  return lines;
}

/** ISO 8601 without the zero seconds and milliseconds: "2026-12-01T00:00Z". */
export function shortIso(date: Date): string {
  return date.toISOString().replace(/:00\.000Z$/, "Z").replace(/\.000Z$/, "Z");
}

/** "demo/cluster (120 files), cluster https://10.0.0.1:6443 (context admin)". */
export function describeTarget(target: ScanTarget | undefined, files: number, cwd?: string): string {
  if (target === undefined) return "";
  const parts: string[] = [];
  if (target.paths.length > 0) {
    const shown = target.paths.slice(0, 3).map((p) => relativePath(p, cwd));
    const more = target.paths.length > 3 ? ` and ${target.paths.length - 3} more paths` : "";
    parts.push(`${shown.join(", ")}${more} (${files} file${files === 1 ? "" : "s"})`);
  }
  parts.push(...target.sources);
  return parts.join(", ");
}

function relativePath(path: string, cwd: string | undefined): string {
  if (cwd === undefined || cwd === "/") return path;
  const prefix = cwd.endsWith("/") ? cwd : `${cwd}/`;
  if (path === cwd) return ".";
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
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
