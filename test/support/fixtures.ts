import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The reference time every committed fixture's validity is fixed against (test/fixtures/README.md). */
export const fixtureNow = new Date("2026-06-01T00:00:00Z");

/** The reference time of the embedded demo cluster (demo/REFERENCE_TIME). */
export const demoNow = new Date("2026-12-01T00:00:00Z");

/**
 * The repository root: the nearest ancestor of this module holding package.json. Works both from
 * test/support/ (source) and dist/test/support/ (after tsc).
 */
export function findRepoRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
}

/** Absolute path under test/fixtures/generated, e.g. `fixturePath("chain-ok", "leaf.crt")`. */
export function fixturePath(...parts: string[]): string {
  return join(findRepoRoot(), "test", "fixtures", "generated", ...parts);
}

/** Absolute path under demo/cluster, e.g. `demoPath("cp-1", "etc", "kubernetes", "admin.conf")`. */
export function demoPath(...parts: string[]): string {
  return join(findRepoRoot(), "demo", "cluster", ...parts);
}
