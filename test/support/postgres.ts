/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temp dir, `pg_ctl start` on a free loopback
 * port with the socket in that dir and fsync off, one fresh database per `createDatabase()`, and an
 * immediate stop plus removal at the end. As root it runs as the `postgres` user (`runuser`), as
 * .ci/run does; otherwise as the current user. If the binaries are missing or the server does not
 * start, `startPostgres()` rejects: the PostgreSQL tests fail, they are never skipped.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestPostgres {
  /** postgres://… of a new, empty database. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** pg_ctl/initdb from PATH, else from Debian's /usr/lib/postgresql/<version>/bin. */
export function findPgBin(name: "pg_ctl" | "initdb"): string {
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(join(dir, name))) return join(dir, name);
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    for (const v of readdirSync(base).sort((a, b) => Number(b) - Number(a))) if (existsSync(join(base, v, "bin", name))) return join(base, v, "bin", name);
  }
  throw new Error(`${name} not found (install Debian's postgresql package; .ci/run does)`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const initdb = findPgBin("initdb");
  const pgCtl = findPgBin("pg_ctl");
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-pg-"));
  const data = join(dir, "data");
  const user = asRoot ? "postgres" : (process.env.USER ?? "postgres");
  const as = (cmd: string, args: string[]) => (asRoot ? run("runuser", ["-u", "postgres", "--", cmd, ...args]) : run(cmd, args));
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  try {
    await as(initdb, ["-D", data, "-A", "trust", "-U", user, "--no-sync", "-E", "UTF8"]);
    await as(pgCtl, ["-D", data, "-l", join(dir, "log"), "-o", `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`, "-w", "-t", "60", "start"]);
  } catch (err) {
    const log = existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8").slice(-2000) : "";
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`test PostgreSQL did not start: ${(err as Error).message}\n${log}`);
  }
  const { default: pg } = await import("pg");
  const admin = `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/postgres`;
  let n = 0;
  return {
    async createDatabase() {
      const name = `store_${process.pid}_${++n}`;
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await as(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
