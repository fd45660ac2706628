/**
 * Imports point one way (docs/adr/0007-import-layers.md). Read from the TypeScript sources themselves: every
 * relative `import … from`, `export … from` and `import("…")` of every file under src/.
 * - shipped code (src/, not *.test.ts) never imports test/ or bench/;
 * - a module imports only its own area or an area of a lower layer;
 * - a test beside a module (src/**\/X.test.ts) imports the layers its module may, plus test/support
 *   helpers that stay at or below that layer themselves (a rule test that needs the engine or a source
 *   is an end-to-end story: it belongs in test/).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, it } from "node:test";
import { findRepoRoot } from "./support/fixtures.js";

/** Areas by the src/ paths they hold (a folder, or single files where a folder holds two layers). */
export const AREAS: Readonly<Record<string, readonly string[]>> = {
  errors: ["errors.ts"],
  model: ["model/"],
  pki: ["pki/"],
  fs: ["fs/"],
  layouts: ["layouts/"],
  sources: ["sources/"],
  inventory: ["inventory/"],
  // The CSR approval policy is pure (facts in, a verdict out): the approver runs it, a rule replays it (ADR 0003).
  "approval-policy": ["controller/policies.ts", "controller/ip.ts", "controller/node-facts.ts"],
  rules: ["rules/"],
  engine: ["engine/"],
  metrics: ["metrics/"],
  store: ["store/"],
  remedy: ["remedy/"],
  output: ["output/"],
  server: ["server/"],
  agent: ["agent/"],
  controller: ["controller/"],
  cli: ["cli/"],
};

/** Lowest first: an area imports its own files and areas of lower layers only. */
export const LAYERS: ReadonlyArray<readonly string[]> = [
  ["errors"],
  ["model"],
  ["pki", "fs"],
  ["layouts"],
  ["sources", "inventory", "approval-policy"],
  ["rules"],
  ["engine"],
  ["metrics", "store", "remedy"],
  ["output"],
  ["server", "agent", "controller"],
  ["cli"],
];

const root = findRepoRoot();
const IMPORT = /(?:^|[\s;])(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

function walk(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Repository-relative paths (`src/rules/x.ts`) a file imports, relative specifiers only. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith(".")) continue;
    out.push(normalize(join(dirname(file), spec)).replace(/\.js$/, ".ts"));
  }
  return out;
}

/** The area of a src/ file: the one naming the longest matching path (`controller/policies.ts` before `controller/`). */
function areaOf(file: string): string | undefined {
  if (!file.startsWith("src/")) return undefined;
  const inSrc = file.slice("src/".length);
  let best: { area: string; length: number } | undefined;
  for (const [area, paths] of Object.entries(AREAS)) {
    for (const p of paths) if ((p.endsWith("/") ? inSrc.startsWith(p) : inSrc === p) && (best === undefined || p.length > best.length)) best = { area, length: p.length };
  }
  return best?.area;
}

function layerOf(area: string): number {
  return LAYERS.findIndex((l) => l.includes(area));
}

/** `from -> to` when `to` sits in a higher layer than `from`, or in another area of the same one. */
function violation(from: string, to: string): string | undefined {
  const a = areaOf(from);
  const b = areaOf(to);
  if (a === undefined || b === undefined || a === b) return undefined;
  const la = layerOf(a);
  const lb = layerOf(b);
  return lb < la ? undefined : `${from} (${a}, layer ${la}) imports ${to} (${b}, layer ${lb})`;
}

/**
 * End-to-end tests still beside a module, written while this test was on its way: they go to test/, and
 * their entry here with them. Only tests may be listed, never shipped code.
 */
const TESTS_TO_MOVE: ReadonlySet<string> = new Set([
  "src/engine/parse-order.test.ts",
]);

const srcFiles = walk("src");
const shipped = srcFiles.filter((f) => !f.endsWith(".test.ts"));

describe("layering", () => {
  it("every src/ file belongs to an area, and every area to one layer", () => {
    assert.deepEqual(srcFiles.filter((f) => areaOf(f) === undefined), []);
    for (const area of Object.keys(AREAS)) assert.equal(LAYERS.filter((l) => l.includes(area)).length, 1, area);
  });

  it("shipped code imports nothing from test/ or bench/", () => {
    const bad = shipped.flatMap((f) => importsOf(f).filter((t) => t.startsWith("test/") || t.startsWith("bench/")).map((t) => `${f} imports ${t}`));
    assert.deepEqual(bad, []);
  });

  it("shipped code imports only its own area or lower layers", () => {
    assert.deepEqual(shipped.flatMap((f) => importsOf(f).flatMap((t) => violation(f, t) ?? [])), []);
  });

  it("tests beside a module import only what the module may, directly or through test/support", () => {
    // What each test/support helper reaches in src/, transitively through other helpers.
    const reach = new Map<string, Set<string>>();
    const reached = (helper: string, seen = new Set<string>()): Set<string> => {
      const known = reach.get(helper);
      if (known !== undefined) return known;
      const out = new Set<string>();
      if (seen.has(helper)) return out;
      seen.add(helper);
      for (const t of importsOf(helper)) {
        if (t.startsWith("src/")) out.add(t);
        else if (t.startsWith("test/")) for (const s of reached(t, seen)) out.add(s);
      }
      reach.set(helper, out);
      return out;
    };
    const bad: string[] = [];
    for (const test of srcFiles.filter((f) => f.endsWith(".test.ts") && !TESTS_TO_MOVE.has(f))) {
      for (const t of importsOf(test)) {
        if (t.startsWith("src/")) {
          const v = violation(test, t);
          if (v !== undefined) bad.push(v);
        } else if (t.startsWith("test/")) {
          for (const s of reached(t)) {
            const v = violation(test, s);
            if (v !== undefined) bad.push(`${v} (through ${t})`);
          }
        }
      }
    }
    assert.deepEqual(bad, []);
  });

  it("pki/ and model/ do no I/O: no files, processes, sockets or OS state", () => {
    const IO = new Set(["fs", "fs/promises", "child_process", "os", "http", "https", "http2", "tls", "dgram", "dns", "worker_threads", "readline"]);
    const PURE_NET = new Set(["isIP", "isIPv4", "isIPv6"]);
    const bad: string[] = [];
    for (const f of shipped.filter((x) => areaOf(x) === "pki" || areaOf(x) === "model")) {
      for (const m of readFileSync(join(root, f), "utf8").matchAll(/import\s*(?:type\s*)?(\{[^}]*\}|[^"']*?)\s*from\s*["'](?:node:)?([a-z_/0-9]+)["']/g)) {
        const names = m[1]!.replace(/[{}]/g, "").split(",").map((n) => n.trim().split(/\s+as\s+/)[0]!.replace(/^type\s+/, "")).filter((n) => n !== "");
        if (IO.has(m[2]!) || (m[2] === "net" && !names.every((n) => PURE_NET.has(n)))) bad.push(`${f} imports ${m[2]}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it("catches what it should (a rule importing the engine; shipped code importing a test helper)", () => {
    assert.match(violation("src/rules/x.ts", "src/engine/scan.ts") ?? "", /layer 5\) imports src\/engine\/scan\.ts \(engine, layer 6\)/);
    assert.equal(violation("src/engine/scan.ts", "src/rules/index.ts"), undefined);
    assert.match(violation("src/sources/a.ts", "src/inventory/b.ts") ?? "", /\(sources, layer 4\) imports src\/inventory\/b\.ts \(inventory, layer 4\)/);
    assert.equal(areaOf("src/controller/policies.ts"), "approval-policy");
    assert.equal(areaOf("src/controller/reconcile.ts"), "controller");
  });
});
