/** A WHERE clause built up from optional filters, with its parameters in order. */
import { marks, type Param } from "./db.js";

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

  /** Another Where with the same conditions, to add to without changing this one. */
  copy(): Where {
    const w = new Where();
    w.parts.push(...this.parts);
    w.params.push(...this.params);
    return w;
  }

  toString(): string {
    return this.parts.length === 0 ? "" : `WHERE ${this.parts.join(" AND ")}`;
  }
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped (use with ESCAPE '\'). */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
