/**
 * `--database`: a file path or `sqlite:PATH` opens SQLite (the default `./certdoctor.db`);
 * `postgres://…` / `postgresql://…` opens PostgreSQL. Each backend's driver is loaded only here.
 */
import { resolve } from "node:path";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { Store } from "./types.js";

export type StoreSpec = { backend: "sqlite"; path: string } | { backend: "postgres"; url: string };

export function parseStoreSpec(value: string, cwd: string): StoreSpec {
  const v = value.trim();
  if (v === "") throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, "--database: empty (a file path, sqlite:PATH or postgres://…)");
  if (/^postgres(ql)?:\/\//i.test(v)) {
    try {
      new URL(v);
    } catch {
      throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, "--database: not a valid postgres:// URL");
    }
    return { backend: "postgres", url: v };
  }
  const path = v.startsWith("sqlite:") ? v.slice("sqlite:".length) : v;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--database: unknown scheme in "${v.replace(/\/\/[^@/]*@/, "//***@").slice(0, 80)}" (a file path, sqlite:PATH or postgres://…)`);
  if (path === "") throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, "--database: sqlite: needs a path");
  return { backend: "sqlite", path: path === ":memory:" ? path : resolve(cwd, path) };
}

export async function openStore(spec: StoreSpec): Promise<Store> {
  if (spec.backend === "postgres") {
    const { openPostgresStore } = await import("./postgres.js");
    return openPostgresStore(spec.url);
  }
  const { openSqliteStore } = await import("./sqlite.js");
  return openSqliteStore(spec.path);
}
