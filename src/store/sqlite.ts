/**
 * The SQLite store (the default): one file, WAL mode, a writer connection and a separate read-only
 * connection, so API reads always see the last committed scan and never a transaction in progress.
 * `better-sqlite3` is a native module: it is imported here only, lazily, so `certdoctor scan` never
 * loads it.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { Param, SqlConn, SqlDb, SqlPart } from "./sql/db.js";
import { migrate } from "./sql/migrations.js";
import { SqlStore } from "./sql/sql-store.js";

type Database = BetterSqlite3.Database;

function conn(db: Database): SqlConn {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string) => {
    let s = cache.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      if (cache.size > 500) cache.clear();
      cache.set(sql, s);
    }
    return s;
  };
  const all = <T>(sql: string, params: readonly Param[] = []): T[] => {
    const s = prepare(sql);
    if (!s.reader) {
      s.run(...params);
      return [];
    }
    return s.all(...params) as T[];
  };
  return {
    dialect: "sqlite",
    async all<T>(sql: string, params: readonly Param[] = []) {
      return all<T>(sql, params);
    },
    async run(sql: string, params: readonly Param[] = []) {
      const s = prepare(sql);
      if (s.reader) {
        s.all(...params);
        return 0;
      }
      return s.run(...params).changes;
    },
    async together<T>(parts: readonly SqlPart[]) {
      let rows: T[] = [];
      for (const p of parts) rows = all<T>(p.sql, p.params);
      return rows;
    },
  };
}

class SqliteDb implements SqlDb {
  readonly dialect = "sqlite" as const;
  private readonly writer: SqlConn;
  private reader: SqlConn;
  private readerDb: Database | undefined;
  private inTransaction = false;

  constructor(
    private readonly Driver: typeof BetterSqlite3,
    private readonly writerDb: Database,
    private readonly path: string,
  ) {
    this.writer = conn(writerDb);
    this.reader = this.writer;
  }

  /** Opens the read-only connection once the schema exists. */
  openReader(): void {
    if (this.path === ":memory:") return;
    this.readerDb = new this.Driver(this.path, { readonly: true, fileMustExist: true });
    this.readerDb.pragma("busy_timeout = 5000");
    this.reader = conn(this.readerDb);
  }

  all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return this.reader.all<T>(sql, params);
  }

  run(sql: string, params?: readonly Param[]): Promise<number> {
    return this.writer.run(sql, params);
  }

  together<T>(parts: readonly SqlPart[]): Promise<T[]> {
    return this.writer.together<T>(parts);
  }

  async transaction<T>(fn: (tx: SqlConn) => Promise<T>): Promise<T> {
    if (this.inTransaction) throw new CertdoctorError(ErrorCode.ERR_INTERNAL, "nested store transaction");
    this.inTransaction = true;
    try {
      this.writerDb.exec("BEGIN IMMEDIATE");
      try {
        const out = await fn(this.writer);
        this.writerDb.exec("COMMIT");
        return out;
      } catch (err) {
        if (this.writerDb.inTransaction) this.writerDb.exec("ROLLBACK");
        throw err;
      }
    } finally {
      this.inTransaction = false;
    }
  }

  async close(): Promise<void> {
    this.readerDb?.close();
    this.writerDb.close();
  }
}

/** Opens (creating and migrating when needed) the SQLite store at `path` (`:memory:` for a throwaway one). */
export async function openSqliteStore(path: string): Promise<SqlStore> {
  const { default: Driver } = await import("better-sqlite3");
  let writer: Database;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    writer = new Driver(path);
    writer.pragma("journal_mode = WAL");
    writer.pragma("synchronous = NORMAL");
    writer.pragma("busy_timeout = 5000");
    writer.pragma("foreign_keys = OFF");
    // a fleet's history is indexed by random fingerprints: every write touches pages all over the file.
    // SQLite's default 2 MiB page cache re-reads them from the OS on every transaction, and checkpointing
    // every 4 MiB of WAL writes (and syncs) the same hot pages again and again.
    writer.pragma("cache_size = -65536");
    writer.pragma("wal_autocheckpoint = 16384");
    // multi-row statements keep a statement journal: in memory, not a temp file per transaction
    writer.pragma("temp_store = MEMORY");
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_STORE_UNAVAILABLE, `cannot open the SQLite store ${path}: ${(err as Error).message}`, { cause: err });
  }
  const db = new SqliteDb(Driver, writer, path);
  try {
    await migrate(db);
    db.openReader();
  } catch (err) {
    writer.close();
    if (err instanceof CertdoctorError) throw err;
    throw new CertdoctorError(ErrorCode.ERR_STORE_UNAVAILABLE, `cannot prepare the SQLite store ${path}: ${(err as Error).message}`, { cause: err });
  }
  return new SqlStore("sqlite", db);
}
