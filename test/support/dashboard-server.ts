/**
 * The real server app on loopback over a real SQLite store filled from a real scan (the demo cluster by
 * default, at its reference time), for the dashboard's browser tests. `rescan()` scans the same paths
 * again and records it, as the serve loop does, so a test can change a file and see it arrive.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scan } from "../../src/engine/scan.js";
import { listen, type Listening } from "../../src/server/listen.js";
import { recordScanResult } from "../../src/store/observe.js";
import { openSqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";
import { demoNow, demoPath } from "./fixtures.js";
import { makeTestApp, TEST_TOKEN } from "./server.js";

export interface DashboardServer {
  url: string;
  token: string;
  store: Store;
  /** Scans the paths again (at `now`) and records the scan. */
  rescan(now?: Date): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboardServer(options: { paths?: string[]; now?: Date; noAuth?: boolean } = {}): Promise<DashboardServer> {
  const paths = options.paths ?? [demoPath()];
  const now = options.now ?? demoNow;
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-dash-"));
  const store = await openSqliteStore(join(dir, "store.db"));
  const rescan = async (at = now): Promise<void> => {
    const result = await scan({ paths, now: at, warnDays: 30, critDays: 7, workers: 0 });
    await recordScanResult(store, result);
  };
  await rescan();
  const { app } = makeTestApp(store, { now: now.getTime(), noAuth: options.noAuth ?? false, deps: { requestScan: () => (void rescan(), true) } });
  const server: Listening = await listen(app, { host: "127.0.0.1", port: 0 });
  return {
    url: server.url,
    token: TEST_TOKEN,
    store,
    rescan,
    async close() {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
