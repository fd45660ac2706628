import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { scan } from "../engine/scan.js";
import { demoNow, demoPath, fixturePath } from "../../test/support/fixtures.js";
import { cert, observation, place, runStoreContract } from "./contract.js";
import { recordScanResult } from "./observe.js";
import { openSqliteStore } from "./sqlite.js";

const dir = mkdtempSync(join(tmpdir(), "certdoctor-sqlite-"));
let n = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract({
  name: "sqlite",
  open: () => openSqliteStore(join(dir, `store-${++n}.db`)),
  reopen: () => openSqliteStore(join(dir, `store-${n}.db`)),
});

/** Every base64 run of 40+ characters in the private keys and Secret payloads under `root`. */
function secretRuns(files: string[]): string[] {
  const runs: string[] = [];
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    for (const block of text.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END/g)) runs.push(block[1]!.replace(/\s+/g, "").slice(20, 60));
    for (const m of text.matchAll(/(?:tls\.key|key\.pem|client-key-data|cadata|tls\.crt|ca\.crt):\s*"?([A-Za-z0-9+/=]{60,})/g)) runs.push(m[1]!.slice(20, 60));
  }
  return runs;
}

function walk(root: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe("sqlite store", () => {
  it("a finding with locations on several nodes does not label them all with the first one's node", async () => {
    const store = await openSqliteStore(join(dir, "nodes.db"));
    const result = await scan({ paths: [demoPath()], now: demoNow, warnDays: 30, critDays: 7, workers: 0 });
    await recordScanResult(store, result);
    const page = await store.findings({ state: "open", rule: ["ca-divergence"], limit: 100 });
    const spread = page.items.flatMap((f) => f.locations).filter((l) => l.ref.includes("/k3s-server-2/"));
    assert.ok(spread.length > 0, "the demo's K3s divergence has locations on k3s-server-2");
    for (const l of spread) assert.notEqual(l.node, "k3s-server-1", l.ref);
    await store.close();
  });

  it("never holds private keys or Secret payloads: the database files are grepped after recording the demo cluster", async () => {
    const path = join(dir, "keys.db");
    const store = await openSqliteStore(path);
    const result = await scan({ paths: [demoPath(), fixturePath("chain-ok"), fixturePath("keys")], now: demoNow, warnDays: 30, critDays: 7, workers: 0 });
    assert.ok(result.keys.length > 5, "the scan saw private keys");
    const w = await recordScanResult(store, result);
    assert.ok(w.placementsOpened > 20);
    const files = [...walk(demoPath()), ...walk(fixturePath("chain-ok")), ...walk(fixturePath("keys"))];
    const runs = secretRuns(files);
    assert.ok(runs.length > 10, `found ${runs.length} secret runs to look for`);
    const bytes = () => [path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f).toString("latin1")).join("\n");
    let text = bytes();
    assert.ok(text.includes("file:"), "the database holds refs (sanity)");
    for (const pattern of ["PRIVATE KEY", "-----BEGIN"]) assert.ok(!text.includes(pattern), pattern);
    for (const r of runs) assert.ok(!text.includes(r), `key or Secret bytes in the database: ${r}`);
    await store.close();
    text = bytes();
    for (const r of runs) assert.ok(!text.includes(r));
  });

  it("a read-only database file is ERR_STORE_WRITE in status() and on the write; what was stored stays readable", async () => {
    const path = join(dir, "ro.db");
    const store = await openSqliteStore(path);
    await store.recordObservation(observation(Date.parse("2026-12-01T00:00:00Z"), [cert("a")], [place("file:/a.crt", "a")]));
    await store.close();
    // root writes through file modes: make the file immutable instead
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync("chattr", ["+i", path]);
    else chmodSync(path, 0o444);
    try {
      const ro = await openSqliteStore(path);
      await assert.rejects(ro.recordObservation(observation(Date.parse("2026-12-01T01:00:00Z"), [cert("b")], [place("file:/b.crt", "b")])), { code: "ERR_STORE_WRITE" });
      const st = await ro.status();
      assert.equal(st.ok, false);
      assert.equal(st.error?.code, "ERR_STORE_WRITE");
      assert.match(st.error?.message ?? "", /readonly|read-only/);
      assert.equal(st.generation, 1);
      assert.equal((await ro.timeline({ limit: 10 })).total, 1);
      await ro.close();
    } finally {
      if (asRoot) execFileSync("chattr", ["-i", path]);
    }
  });
});
