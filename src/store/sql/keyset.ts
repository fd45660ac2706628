/**
 * Keyset paging: a page's cursor holds the sort key of its last row, and the next page is the rows
 * after it in the same order (`WHERE (k1, k2, …) > (v1, v2, …)` spelled out for mixed directions and
 * NULLs sorted last). Unlike an offset, a row stored or resolved between two requests neither repeats
 * an item on the next page nor skips one, and a deep page costs what the first does. The last key of
 * every order is unique (a row id or fingerprint), so the order is total.
 *
 * The cursor is base64url JSON `[order, [values]]`, opaque to clients; one made for another order, or
 * not made here, is a 400.
 */
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { Param, Row } from "./db.js";

export interface SortKey {
  /** An SQL expression over the query's tables. */
  expr: string;
  type: "int" | "text";
  desc?: boolean;
  /** The expression can be NULL: NULLs sort after every value, in either direction. */
  nullable?: boolean;
}

export interface KeysetOrder {
  /** Names the order in cursors: a cursor of one order is refused by another. */
  name: string;
  keys: readonly SortKey[];
}

type KeyValue = string | number | null;

/** Longest cursor accepted (a sort key holds at most a subject or a ref, both bounded by the store). */
const MAX_CURSOR_CHARS = 8192;

const invalid = () => new CertdoctorError(ErrorCode.ERR_QUERY_INVALID, "cursor is not one this server returned for this order");

/** The selected key columns (`k0`, `k1`, …) to add to the SELECT list. */
export function keyColumns(order: KeysetOrder): string {
  return order.keys.map((k, i) => `${k.expr} AS k${i}`).join(", ");
}

/** `ORDER BY` text for the order. */
export function orderBy(order: KeysetOrder): string {
  return order.keys.map((k) => `${k.nullable ? `(${k.expr}) IS NULL, ` : ""}${k.expr}${k.desc ? " DESC" : ""}`).join(", ");
}

/** The condition "after the cursor's row", with its parameters; none for the first page. */
export function afterCursor(order: KeysetOrder, cursor: string | undefined): { sql: string; params: Param[] } | undefined {
  if (cursor === undefined) return undefined;
  const values = decode(order, cursor);
  const ors: string[] = [];
  const params: Param[] = [];
  const equal: string[] = [];
  const equalParams: Param[] = [];
  order.keys.forEach((k, i) => {
    const v = values[i]!;
    const cmp = k.desc ? "<" : ">";
    if (v !== null) {
      ors.push(`(${[...equal, k.nullable ? `(${k.expr} ${cmp} ? OR ${k.expr} IS NULL)` : `${k.expr} ${cmp} ?`].join(" AND ")})`);
      params.push(...equalParams, v);
      equal.push(`${k.expr} = ?`);
      equalParams.push(v);
    } else {
      // nothing sorts after NULL within this key: only the later keys can be greater
      equal.push(`${k.expr} IS NULL`);
    }
  });
  return { sql: ors.length === 0 ? "1 = 0" : `(${ors.join(" OR ")})`, params };
}

/** The cursor of the page ending with `last` (a row read with keyColumns), or null when it is the last page. */
export function cursorAfter(order: KeysetOrder, last: object | undefined, more: boolean): string | null {
  if (!more || last === undefined) return null;
  const values = order.keys.map((_, i) => normalise((last as Row)[`k${i}`]));
  return Buffer.from(JSON.stringify([order.name, values])).toString("base64url");
}

function normalise(v: unknown): KeyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  return String(v);
}

function decode(order: KeysetOrder, cursor: string): KeyValue[] {
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || parsed[0] !== order.name || !Array.isArray(parsed[1])) throw invalid();
  const values = parsed[1] as unknown[];
  if (values.length !== order.keys.length) throw invalid();
  values.forEach((v, i) => {
    const key = order.keys[i]!;
    const ok = v === null ? key.nullable === true : key.type === "int" ? Number.isSafeInteger(v) : typeof v === "string";
    if (!ok) throw invalid();
  });
  return values as KeyValue[];
}
