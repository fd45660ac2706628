/**
 * The PostgreSQL store, for fleets and several server replicas: the same schema, migrations and
 * queries as SQLite (src/store/sql/), over a `pg` pool. Reads use any pooled connection and see only
 * committed scans; each write is one transaction on one connection. Loaded lazily, like SQLite.
 */
import type { Pool, PoolClient, QueryConfig } from "pg";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { Param, QueryOptions, SqlConn, SqlDb, SqlPart } from "./sql/db.js";
import { migrate } from "./sql/migrations.js";
import { SqlStore } from "./sql/sql-store.js";

/** `?` placeholders numbered as PostgreSQL wants them (the shared SQL has no `?` in literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** PostgreSQL text cannot hold NUL: replaced, so a hostile file name cannot fail a whole scan's write. */
function cleanValue<T>(p: T): T {
  return (typeof p === "string" && p.includes("\u0000") ? p.replaceAll("\u0000", "\uFFFD") : p) as T;
}

function clean(params: readonly Param[]): Param[] {
  return params.map((p) => (Array.isArray(p) ? p.map(cleanValue) : cleanValue(p)));
}

/** Names of prepared statements by text (the same name on every connection, prepared on first use). */
const statementNames = new Map<string, string>();

function config(sql: string, params: readonly Param[], options: QueryOptions | undefined): QueryConfig {
  const text = numbered(sql);
  if (!options?.prepare) return { text, values: clean(params) };
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `certdoctor_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values: clean(params) };
}

function conn(q: Pool | PoolClient): SqlConn {
  return {
    dialect: "postgres",
    async all<T>(sql: string, params: readonly Param[] = [], options?: QueryOptions) {
      return (await q.query(config(sql, params, options))).rows as T[];
    },
    async run(sql: string, params: readonly Param[] = [], options?: QueryOptions) {
      return (await q.query(config(sql, params, options))).rowCount ?? 0;
    },
    async together<T>(parts: readonly SqlPart[], options?: QueryOptions) {
      if (parts.length === 0) return [];
      const last = parts[parts.length - 1]!;
      const before = parts.slice(0, -1).map((p, i) => `w${i} AS (${p.sql})`);
      const sql = before.length === 0 ? last.sql : `WITH ${before.join(", ")} ${last.sql}`;
      return (await q.query(config(sql, parts.flatMap((p) => p.params), options))).rows as T[];
    },
  };
}

class PostgresDb implements SqlDb {
  readonly dialect = "postgres" as const;
  private readonly pooled: SqlConn;

  constructor(private readonly pool: Pool) {
    this.pooled = conn(pool);
  }

  all<T>(sql: string, params?: readonly Param[], options?: QueryOptions): Promise<T[]> {
    return this.pooled.all<T>(sql, params, options);
  }

  run(sql: string, params?: readonly Param[], options?: QueryOptions): Promise<number> {
    return this.pooled.run(sql, params, options);
  }

  together<T>(parts: readonly SqlPart[], options?: QueryOptions): Promise<T[]> {
    return this.pooled.together<T>(parts, options);
  }

  async transaction<T>(fn: (tx: SqlConn) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      try {
        const out = await fn(conn(client));
        await client.query("COMMIT");
        return out;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Where the URL points, without its password (for messages). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}

/** Connects to `url` (postgres://user@host:port/db), migrates, and returns the store. */
export async function openPostgresStore(url: string, options: { max?: number } = {}): Promise<SqlStore> {
  const { default: pg } = await import("pg");
  const toNumber = (v: string) => Number(v);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 8,
    connectionTimeoutMillis: 10_000,
    // prepared statements save parsing; a plan cached while a table was small (a sequential scan over
    // the first few certificates) must not stick once it holds a fleet's: plan with the real sizes
    options: "-c plan_cache_mode=force_custom_plan",
    // ms timestamps and counts are int8/numeric: JS numbers are exact up to 2^53
    types: { getTypeParser: ((oid: number, format?: string) => (oid === 20 || oid === 1700 ? toNumber : pg.types.getTypeParser(oid, format as "text"))) as typeof pg.types.getTypeParser },
  });
  // an idle client losing its connection must not crash the process; the next query reports it
  pool.on("error", () => {});
  const db = new PostgresDb(pool);
  try {
    await migrate(db);
  } catch (err) {
    await pool.end().catch(() => {});
    if (err instanceof CertdoctorError) throw err;
    throw new CertdoctorError(ErrorCode.ERR_STORE_UNAVAILABLE, `cannot open the PostgreSQL store ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return new SqlStore("postgres", db);
}
