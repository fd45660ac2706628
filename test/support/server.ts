/**
 * Builds the server's app for in-process tests (`app.request()`, no port) over a given store, with a
 * token file in a fresh temp dir, a pinned clock and an in-memory log.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, defaultServerLimits, type App, type ServerDeps } from "../../src/server/app.js";
import { noAuth, TokenFileAuth } from "../../src/server/auth.js";
import { memoryLogger } from "../../src/server/log.js";
import { routeModules } from "../../src/server/routes.js";
import { ServerState } from "../../src/server/state.js";
import { CertdoctorError, ErrorCode } from "../../src/errors.js";
import type { Store } from "../../src/store/types.js";

export const TEST_TOKEN = "test-token-0123456789abcdef";

export interface TestApp {
  app: App;
  deps: ServerDeps;
  log: ReturnType<typeof memoryLogger>;
  tokenFile: string;
  /** Headers with the bearer token. */
  auth: Record<string, string>;
}

/**
 * A store for tests of routes that must answer before reaching the store (auth, bad queries, body
 * limits): any call fails the test loudly.
 */
export function storeNotReached(): Store {
  return new Proxy({ backend: "sqlite" } as Store, {
    get(target, prop) {
      if (prop === "backend") return target.backend;
      if (prop === "then") return undefined;
      return () => Promise.reject(new CertdoctorError(ErrorCode.ERR_INTERNAL, `test: store.${String(prop)} must not be reached`));
    },
  });
}

export function makeTestApp(store: Store, options: { noAuth?: boolean; now?: number; deps?: Partial<ServerDeps> } = {}): TestApp {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-app-"));
  const tokenFile = join(dir, "tokens");
  writeFileSync(tokenFile, `# API tokens\n${TEST_TOKEN}\n`);
  const log = memoryLogger();
  const now = options.now ?? Date.parse("2026-12-01T00:00:00Z");
  const deps: ServerDeps = {
    store,
    state: new ServerState(),
    auth: options.noAuth ? noAuth : new TokenFileAuth(tokenFile),
    limits: { ...defaultServerLimits },
    log,
    clock: () => now,
    agentSilentAfterMs: 3 * 3_600_000,
    ...options.deps,
  };
  return { app: createApp(deps, routeModules), deps, log, tokenFile, auth: { authorization: `Bearer ${TEST_TOKEN}` } };
}
