import { readFileSync } from "node:fs";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { severityRank, type Severity } from "../model/finding.js";

export type FailOn = Severity | "never";
export type Format = "table" | "json";

export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `--now must be an ISO-8601 date or time, e.g. 2026-12-01T00:00:00Z (got "${value}")`);
  }
  return new Date(ms);
}

export function parseDays(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new CertdoctorError(ErrorCode.ERR_USAGE, `${flag} must be a non-negative number of days (got "${value}")`);
  return n;
}

export function parsePositiveInt(flag: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CertdoctorError(ErrorCode.ERR_USAGE, `${flag} must be a whole number >= ${min} (got "${value}")`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

/**
 * "90s", "15m", "12h", "30d", "2w", "1y", "500ms" or plain seconds, in ms; `bounds` (ms, inclusive)
 * default to "more than zero, at most ten years".
 */
export function parseDuration(flag: string, value: string, bounds: { min?: number; max?: number } = {}): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)?$/.exec(value.trim());
  const ms = m === null ? NaN : Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? "s"]!);
  const min = bounds.min ?? 1;
  const max = bounds.max ?? 10 * 365 * 86_400_000;
  if (!Number.isFinite(ms) || ms < min || ms > max) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `${flag} must be a duration such as 30s, 15m, 1h or 30d${ms < min || ms > max ? ` between ${formatBound(min)} and ${formatBound(max)}` : ""} (got "${value}")`);
  }
  return ms;
}

function formatBound(ms: number): string {
  for (const [unit, size] of [["y", DURATION_UNITS.y!], ["d", DURATION_UNITS.d!], ["h", DURATION_UNITS.h!], ["m", DURATION_UNITS.m!], ["s", DURATION_UNITS.s!]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function parseSeverity(flag: string, value: string): Severity {
  if (value in severityRank) return value as Severity;
  throw new CertdoctorError(ErrorCode.ERR_USAGE, `${flag} must be critical, warning or info (got "${value}")`);
}

export function parseFailOn(value: string): FailOn {
  if (value === "never" || value in severityRank) return value as FailOn;
  throw new CertdoctorError(ErrorCode.ERR_USAGE, `--fail-on must be critical, warning, info or never (got "${value}")`);
}

/** `--format` of `watch`: its JSON lines or a table. */
export function parseFormat(value: string | undefined, isTTY: boolean): Format {
  if (value === undefined) return isTTY ? "table" : "json";
  if (value === "table" || value === "json") return value;
  throw new CertdoctorError(ErrorCode.ERR_USAGE, `--format must be table or json (got "${value}")`);
}

/** One password per line; the file is read once and its contents never printed. */
export function readPasswordFile(path: string | undefined): string[] {
  if (path === undefined) return [];
  try {
    return readFileSync(path, "utf8")
      .split(/\r?\n/)
      .filter((line, i, all) => line.length > 0 || i < all.length - 1);
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, `cannot read --pkcs12-password-file ${path}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`, { cause: err });
  }
}

export function exitCodeFor(findings: Array<{ severity: Severity }>, failOn: FailOn): 0 | 1 {
  if (failOn === "never") return 0;
  return findings.some((f) => severityRank[f.severity] >= severityRank[failOn]) ? 1 : 0;
}
