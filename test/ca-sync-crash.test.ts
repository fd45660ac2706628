import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "./support/cli.js";
import { demoPath, findRepoRoot } from "./support/fixtures.js";

// A process killed after the temp file is written and fsynced but before it is renamed over the target.
describe("fix ca-sync killed between the temp write and the rename", () => {
  const tmp = mkdtempSync(join(tmpdir(), "certdoctor-ca-sync-crash-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  cpSync(demoPath("manifests", "kubeedge.yaml"), join(tmp, "manifests", "kubeedge.yaml"));
  const nodes = ["edge-3", "edge-4", "edge-5"];
  for (const n of nodes) {
    cpSync(demoPath("edge-2"), join(tmp, n), { recursive: true });
    cpSync(demoPath("edge-1", "etc", "kubeedge", "ca", "rootCA.crt"), join(tmp, n, "etc", "kubeedge", "ca", "rootCA.crt"));
  }
  const targets = nodes.map((n) => join(tmp, n, "etc", "kubeedge", "ca", "rootCA.crt"));
  const oldCa = readFileSync(targets[0]!);
  const newCa = readFileSync(demoPath("edge-2", "etc", "kubeedge", "ca", "rootCA.crt"));
  const args = ["fix", "ca-sync", "--from", "secret:kubeedge/casecret#cadata", "--path", tmp, ...targets.flatMap((t) => ["--to", t]), "--now", "2026-12-01T00:00:00Z", "--apply"];

  it("every target is whole, old or new; the re-run removes the leftover temp file and completes", async () => {
    const helper = join(findRepoRoot(), "test", "support", "crash-before-rename.mjs");
    const main = join(findRepoRoot(), "dist", "src", "cli", "main.js");
    const child = spawnSync(process.execPath, [helper, main, "2", ...args], { encoding: "utf8" });
    assert.equal(child.signal, "SIGKILL", child.stdout + child.stderr);
    const [t3, t4, t5] = targets.map((t) => readFileSync(t));
    assert.ok(t3!.equals(newCa), "first target: renamed before the kill, new");
    assert.ok(t4!.equals(oldCa), "second target: killed before its rename, still old and whole");
    assert.ok(t5!.equals(oldCa), "third target: not reached");
    const dir4 = join(tmp, "edge-4", "etc", "kubeedge", "ca");
    const temps = readdirSync(dir4).filter((n) => n.startsWith(".certdoctor-tmp-"));
    assert.equal(temps.length, 1, "the killed write left its temp file");
    assert.ok(readFileSync(join(dir4, temps[0]!)).equals(newCa), "the temp file was complete (written and fsynced) when killed");

    const rerun = await runCli(args);
    assert.equal(rerun.code, 0, rerun.out);
    assert.match(rerun.out, /removed .*\.certdoctor-tmp-.*rootCA\.crt, left by an interrupted earlier run/);
    for (const t of targets) assert.ok(readFileSync(t).equals(newCa), t);
    assert.deepEqual(readdirSync(dir4).filter((n) => n.startsWith(".certdoctor-tmp-")), []);
  });
});
