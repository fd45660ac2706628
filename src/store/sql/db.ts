/**
 * The little SQL surface both backends offer the shared store code: `all` (rows), `run` (affected
 * rows), transactions, and a dialect name for the few places the SQL differs. Statements use `?`
 * placeholders; the PostgreSQL adapter numbers them. Integers come back as JS numbers (ms timestamps
 * fit in 2^53), booleans are stored as 0/1 and lists as JSON text in both backends.
 */
export type Dialect = "sqlite" | "postgres";
/** A value, or (PostgreSQL arrays, see bulk.ts) a list of values. */
export type Param = string | number | null | readonly (string | number | null)[];
export type Row = Record<string, unknown>;

export interface QueryOptions {
  /**
   * The statement's text is fixed (bulk.ts parameters, no inlined lists): PostgreSQL keeps it prepared
   * on the connection. SQLite caches every statement anyway.
   */
  prepare?: boolean;
}

/** A statement and its parameters. */
export interface SqlPart {
  sql: string;
  params: Param[];
}

export interface SqlConn {
  readonly dialect: Dialect;
  all<T = Row>(sql: string, params?: readonly Param[], options?: QueryOptions): Promise<T[]>;
  run(sql: string, params?: readonly Param[], options?: QueryOptions): Promise<number>;
  /**
   * Runs `parts` and returns the rows of the last one. On PostgreSQL they are one statement (all but the
   * last as data-modifying WITH parts): one round trip, one snapshot — so no part may read or change
   * rows another part writes, nor depend on the order they run in. SQLite runs them in order.
   */
  together<T = Row>(parts: readonly SqlPart[], options?: QueryOptions): Promise<T[]>;
}

export interface SqlDb extends SqlConn {
  /** Runs `fn` in one transaction on the writer connection; rolls back when it throws. */
  transaction<T>(fn: (tx: SqlConn) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Runs `fn` over `values` in chunks small enough for an `IN (?, ...)` list. */
export async function inChunks<T>(values: readonly Param[], fn: (placeholders: string, chunk: Param[]) => Promise<T[]>, size = 500): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += size) {
    const chunk = values.slice(i, i + size);
    out.push(...(await fn(chunk.map(() => "?").join(","), chunk)));
  }
  return out;
}

/** `?,?,?` for a list of n parameters. */
export function marks(n: number): string {
  return Array.from({ length: n }, () => "?").join(",");
}

export const bool = (b: boolean | undefined): number => (b ? 1 : 0);
export const isTrue = (v: unknown): boolean => v === 1 || v === true || v === "1";
export const iso = (ms: unknown): string => new Date(Number(ms)).toISOString();
export const isoOrNull = (ms: unknown): string | null => (ms === null || ms === undefined ? null : iso(ms));
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined || v === "" ? null : String(v));

export function jsonList(v: unknown): string[] {
  if (typeof v !== "string" || v === "") return [];
  const parsed: unknown = JSON.parse(v);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}


