/**
 * The expiry overview as CSV (RFC 4180: CRLF rows, fields quoted when they hold a comma, quote or line
 * break). Text that a spreadsheet would run as a formula (a leading =, +, -, @, tab or CR) is prefixed
 * with a single quote: certificate subjects and Secret names are attacker-chosen.
 */
import type { ScanResult } from "../engine/types.js";
import { buildOverview } from "./cert-overview.js";
import type { ReportContext } from "./formats.js";

export const CSV_COLUMNS = [
  "certificate",
  "subject",
  "node",
  "namespace",
  "location",
  "not_before",
  "not_after",
  "residual_seconds",
  "authority",
  "ca_key",
  "is_ca",
  "backup",
  "rules",
  "worst_severity",
  "fingerprint",
] as const;

export function renderCsv(result: ScanResult, ctx: Pick<ReportContext, "overview">): string {
  const rows = buildOverview(result, ctx.overview).map((r) => [
    neutraliseFormula(r.certificate),
    neutraliseFormula(r.subject),
    neutraliseFormula(r.node ?? ""),
    neutraliseFormula(r.namespace ?? ""),
    neutraliseFormula(r.location),
    new Date(r.notBefore).toISOString(),
    new Date(r.notAfter).toISOString(),
    String(Math.trunc(r.residualMs / 1000)),
    neutraliseFormula(r.authority),
    r.caKey,
    String(r.isCA),
    String(r.backup),
    neutraliseFormula(r.rules.join(" ")),
    r.worst ?? "",
    r.fingerprint,
  ]);
  return [CSV_COLUMNS as readonly string[], ...rows].map((row) => row.map(quote).join(",")).join("\r\n") + "\r\n";
}

/** Neutralises spreadsheet formulas in free text. */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}
