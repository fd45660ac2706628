/**
 * The agent and a mount that stops answering, end to end through the real CLI: after SIGTERM it ends within
 * --stop-timeout even while a filesystem call is stuck in the kernel (test/support/stuck-fs.ts), logging
 * ERR_AGENT_STOP_TIMEOUT and dying of the signal (a normal exit would wait for the stuck thread for good).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { demoPath, findRepoRoot } from "./support/fixtures.js";
import { isBlockedInFuse, mountStuckFilesystem } from "./support/stuck-fs.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("agent stop with a hung mount", () => {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-agent-stop-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const rows = [
    { name: "the spool's mount hangs before start-up: SIGTERM while the agent waits for it", stuckBeforeStart: true },
    { name: "the spool's mount hangs after the first cycle: SIGTERM while the second cycle waits for it", stuckBeforeStart: false },
  ];
  rows.forEach((row, i) => {
    it(row.name, async (t) => {
      const mountPoint = join(dir, `mount-${i}`);
      mkdirSync(mountPoint);
      const spoolDir = row.stuckBeforeStart ? join(mountPoint, "spool") : mountPoint;
      let stuck = row.stuckBeforeStart ? await mountStuckFilesystem(mountPoint, 30) : undefined;
      if (typeof stuck === "string") return t.skip(stuck);
      const args = ["agent", "--root", demoPath("cp-1"), "--proc", join(dir, "no-proc"), "--now", "2026-12-01T00:00:00Z", "--node-name", "cp-1", "--interval", "1s"];
      // Port 1 refuses: every delivery fails at once and the report stays spooled.
      args.push("--report-url", "https://127.0.0.1:1/api/v1/reports", "--max-attempts", "1", "--spool-dir", spoolDir, "--stop-timeout", "1s");
      const child = spawn(process.execPath, [join(findRepoRoot(), "bin", "certdoctor.js"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr.on("data", (b: Buffer) => (err += b.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
      try {
        if (stuck === undefined) {
          for (let w = 0; w < 300 && !err.includes('"delivery failed'); w++) await sleep(50);
          assert.match(err, /"delivery failed/, "the first cycle spooled its report");
          stuck = await mountStuckFilesystem(mountPoint, 30);
          if (typeof stuck === "string") return t.skip(stuck);
        }
        for (let w = 0; w < 300 && !isBlockedInFuse(child.pid!); w++) await sleep(50);
        assert.ok(isBlockedInFuse(child.pid!), `the agent reached the hung mount: ${err}`);
        const sent = Date.now();
        child.kill("SIGTERM");
        const end = await Promise.race([exited, sleep(10_000).then(() => "still running" as const)]);
        assert.notEqual(end, "still running", "the agent ended after SIGTERM");
        assert.deepEqual(end, { code: null, signal: "SIGTERM" });
        const waited = Date.now() - sent;
        assert.ok(waited >= 900 && waited < 8000, `${waited} ms after SIGTERM (--stop-timeout 1s)`);
        const last = JSON.parse(err.trim().split("\n").at(-1)!) as { code?: string; signal?: string };
        assert.deepEqual([last.code, last.signal], ["ERR_AGENT_STOP_TIMEOUT", "SIGTERM"]);
      } finally {
        child.kill("SIGKILL");
        if (typeof stuck === "object") await stuck.release();
      }
    });
  });
});
