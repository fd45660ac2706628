/**
 * Sets of rows and lists of values passed as parameters, so that a statement's text is the same
 * whatever the number of rows: each backend prepares it once and a whole batch is one round trip.
 * SQLite reads one JSON parameter with `jsonb_each` (parsed once; `->>` on its binary rows is cheap); PostgreSQL unnests one typed array per column.
 *
 *   INSERT INTO t (a, b) SELECT v.a, v.b FROM ${table.sql}          -- rowsTable
 *   SELECT … WHERE fingerprint ${inList(…).sql}                      -- inList
 */
import type { Dialect, SqlPart } from "./db.js";

export type { SqlPart } from "./db.js";

export type ColumnType = "text" | "int";
export type Column = readonly [name: string, type: ColumnType];
type Value = string | number | null;

const PG_ARRAY: Record<ColumnType, string> = { text: "text[]", int: "bigint[]" };

/** `rows` (arrays in `columns` order) as a table aliased `v` with the columns' names. */
export function rowsTable(dialect: Dialect, columns: readonly Column[], rows: readonly (readonly Value[])[]): SqlPart {
  if (dialect === "sqlite") {
    const select = columns.map(([name], i) => `value->>${i} AS ${name}`).join(", ");
    return { sql: `(SELECT ${select} FROM jsonb_each(?)) AS v`, params: [JSON.stringify(rows)] };
  }
  return {
    sql: `unnest(${columns.map(([, type]) => `?::${PG_ARRAY[type]}`).join(", ")}) AS v(${columns.map(([name]) => name).join(", ")})`,
    params: columns.map((_, i) => rows.map((r) => r[i] ?? null)),
  };
}

/** `IN (values)` for one column, as the predicate's right-hand side. */
export function inList(dialect: Dialect, type: ColumnType, values: readonly Value[]): SqlPart {
  if (dialect === "sqlite") return { sql: "IN (SELECT value FROM jsonb_each(?))", params: [JSON.stringify(values)] };
  return { sql: `= ANY(?::${PG_ARRAY[type]})`, params: [values] };
}

/** `INSERT INTO table (columns) SELECT … FROM rowsTable` (plus `suffix`: ON CONFLICT, RETURNING). */
export function insertRows(dialect: Dialect, table: string, columns: readonly Column[], rows: readonly (readonly Value[])[], suffix = ""): SqlPart {
  const t = rowsTable(dialect, columns, rows);
  const names = columns.map(([name]) => name).join(", ");
  // `WHERE true`: SQLite's parser needs it between INSERT … SELECT and an upsert clause
  return { sql: `INSERT INTO ${table} (${names}) SELECT ${columns.map(([name]) => `v.${name}`).join(", ")} FROM ${t.sql} WHERE true ${suffix}`.trimEnd(), params: t.params };
}
