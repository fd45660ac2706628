/**
 * Query-string parsing for the API: every parameter a route accepts is named up front, anything else
 * (a typo, a parameter of another route) is a 400 naming it, and every value is checked: enumerations,
 * booleans, times (ISO-8601 or a duration back from now such as `24h`), page sizes and cursors.
 */
import type { Context } from "hono";
import { badQuery } from "./http.js";

export interface PageLimits {
  defaultPageSize: number;
  maxPageSize: number;
}

export const defaultPageLimits: PageLimits = { defaultPageSize: 100, maxPageSize: 1000 };

const MAX_PARAM_CHARS = 1024;

/** The route's query, checked against the parameters it accepts. Repeated parameters are joined with ",". */
export class Query {
  private readonly values = new Map<string, string>();

  constructor(c: Context, accepted: readonly string[]) {
    const url = new URL(c.req.url);
    for (const [name, value] of url.searchParams) {
      if (!accepted.includes(name)) badQuery(`unknown query parameter "${name.slice(0, 64)}" (accepted: ${accepted.join(", ") || "none"})`);
      if (value.length > MAX_PARAM_CHARS) badQuery(`query parameter "${name}" is longer than ${MAX_PARAM_CHARS} characters`);
      const prev = this.values.get(name);
      this.values.set(name, prev === undefined ? value : `${prev},${value}`);
    }
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined || v === "" ? undefined : v;
  }

  /** A comma-separated list of values from `allowed`. */
  list<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const items = v.split(",").filter((x) => x !== "");
    for (const x of items) if (!allowed.includes(x as T)) badQuery(`${name}: "${x.slice(0, 64)}" is not one of ${allowed.join(", ")}`);
    return items as T[];
  }

  /** A free-form comma-separated list (rule ids), each item bounded and printable. */
  words(name: string): string[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const items = v.split(",").filter((x) => x !== "");
    for (const x of items) if (!/^[\x21-\x7e]{1,128}$/.test(x)) badQuery(`${name}: "${x.slice(0, 64)}" is not a valid value`);
    return items;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!allowed.includes(v as T)) badQuery(`${name} must be one of ${allowed.join(", ")} (got "${v.slice(0, 64)}")`);
    return v as T;
  }

  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
    return badQuery(`${name} must be true or false (got "${v.slice(0, 64)}")`);
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) badQuery(`${name} must be a whole number from ${min} to ${max} (got "${v.slice(0, 64)}")`);
    return n;
  }

  /** ISO-8601 date/time, or a duration back from `now` (`90s`, `15m`, `24h`, `7d`); ms since the epoch. */
  time(name: string, now: number): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const t = parseTimeSpec(v, now);
    if (t === undefined) badQuery(`${name} must be an ISO-8601 time (2026-12-01T00:00:00Z) or a duration back from now (24h, 7d) (got "${v.slice(0, 64)}")`);
    return t;
  }

  limit(limits: PageLimits): number {
    return this.int("limit", 1, limits.maxPageSize) ?? limits.defaultPageSize;
  }

  cursor(): string | undefined {
    const v = this.string("cursor");
    // a keyset cursor holds its page's last sort key (a subject, say): src/store/sql/keyset.ts
    if (v !== undefined && !/^[A-Za-z0-9_-]{1,8192}$/.test(v)) badQuery("cursor is not one this server returned");
    return v;
  }
}

/** `24h`, `7d`, `30m`, `90s` back from `now`, or an ISO-8601 time; undefined when neither. */
export function parseTimeSpec(v: string, now: number): number | undefined {
  const rel = /^(\d{1,6})(s|m|h|d)$/.exec(v);
  if (rel) return now - Number(rel[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as "s" | "m" | "h" | "d"];
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}
