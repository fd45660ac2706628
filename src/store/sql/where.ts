/** A WHERE clause built up from optional filters, with its parameters in order. */
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { decodeCursor, encodeCursor, marks, type Param } from "./db.js";

export class Where {
  readonly parts: string[] = [];
  readonly params: Param[] = [];

  add(sql: string, ...params: Param[]): this {
    this.parts.push(sql);
    this.params.push(...params);
    return this;
  }

  /** `column IN (...)` when `values` is given and non-empty. */
  in(column: string, values: readonly Param[] | undefined): this {
    if (values !== undefined && values.length > 0) this.add(`${column} IN (${marks(values.length)})`, ...values);
    return this;
  }

  eq(column: string, value: Param | undefined): this {
    if (value !== undefined) this.add(`${column} = ?`, value);
    return this;
  }

  toString(): string {
    return this.parts.length === 0 ? "" : `WHERE ${this.parts.join(" AND ")}`;
  }
}

/** The offset a page starts at; a cursor this store did not hand out is a 400. */
export function pageOffset(cursor: string | undefined): number {
  const offset = decodeCursor(cursor);
  if (offset < 0) throw new CertdoctorError(ErrorCode.ERR_QUERY_INVALID, "cursor is not one this server returned");
  return offset;
}

export function nextCursor(offset: number, got: number, total: number): string | null {
  return offset + got < total ? encodeCursor(offset + got) : null;
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped (use with ESCAPE '\'). */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
