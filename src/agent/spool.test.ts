import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { isTempFileName } from "../fs/write-atomic.js";
import { mountStuckFilesystem } from "../../test/support/stuck-fs.js";
import { Spool } from "./spool.js";

describe("spool", () => {
  const base = mkdtempSync(join(tmpdir(), "certdoctor-spool-unit-"));
  after(() => rmSync(base, { recursive: true, force: true }));
  const quiet = () => undefined;
  const names = (dir: string) => readdirSync(dir).filter((n) => /^\d{20}\.json$/.test(n));

  const rows = [
    {
      name: "a crash mid-write leaves a temp file: removed at start, never delivered",
      prepare: (dir: string) => writeFileSync(join(dir, ".certdoctor-tmp-0123456789abcdef-00000000000000000001.json"), "{half"),
      check: async (dir: string, s: Spool) => {
        assert.ok(!readdirSync(dir).some(isTempFileName));
        assert.deepEqual(await s.pending(), []);
      },
    },
    {
      name: "state.json older than the queue: the next sequence follows the newest queued report",
      prepare: (dir: string) => {
        writeFileSync(join(dir, "state.json"), JSON.stringify({ agentId: "a-1", nextSequence: 2, dropped: 0 }));
        writeFileSync(join(dir, "00000000000000000007.json"), "{}");
      },
      check: async (_dir: string, s: Spool) => {
        assert.equal(s.agentId, "a-1");
        assert.equal((await s.enqueue((seq) => JSON.stringify({ seq }))).sequence, 8);
      },
    },
    {
      name: "a corrupt or oversized state.json starts a new agent id without reusing queued sequence numbers",
      prepare: (dir: string) => {
        writeFileSync(join(dir, "state.json"), "x".repeat(10_000));
        writeFileSync(join(dir, "00000000000000000003.json"), "{}");
      },
      check: async (_dir: string, s: Spool) => {
        assert.match(s.agentId, /^[0-9a-f-]{36}$/);
        assert.equal((await s.enqueue(() => "{}")).sequence, 4);
      },
    },
  ];
  rows.forEach((row, i) => {
    it(row.name, async () => {
      const dir = join(base, `row-${i}`);
      await Spool.open(dir, 1 << 20, quiet); // create the layout
      row.prepare(dir);
      await row.check(dir, await Spool.open(dir, 1 << 20, quiet));
    });
  });

  it("keeps the newest report even when it alone exceeds the bound, and counts what it drops", async () => {
    const dir = join(base, "bound");
    const logs: Array<Record<string, unknown>> = [];
    const s = await Spool.open(dir, 2048, (_l, _m, f = {}) => void logs.push(f));
    await s.enqueue(() => "a".repeat(1000));
    await s.enqueue(() => "b".repeat(1000));
    assert.equal(s.dropped, 0);
    await s.enqueue(() => "c".repeat(5000));
    assert.deepEqual(names(dir), ["00000000000000000003.json"]);
    assert.equal(s.dropped, 2);
    assert.deepEqual(logs.map((l) => [l.code, l.dropped]), [["ERR_SPOOL_DROPPED", 2]]);
    assert.equal(JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).dropped, 2);
    assert.ok(existsSync(join(dir, "rejected")));
  });

  const usage = (pattern: RegExp) => (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_USAGE && pattern.test(e.message);

  it("refuses a spool dir under /proc at once (a recursive mkdirSync there spun forever)", async () => {
    const started = Date.now();
    await assert.rejects(Spool.open("/proc/self/certdoctor/spool", 1 << 20, quiet), usage(/proc pseudo-filesystem/));
    await assert.rejects(Spool.open("/proc/certdoctor-spool", 1 << 20, quiet), usage(/proc pseudo-filesystem/));
    assert.ok(Date.now() - started < 2000);
  });

  it("refuses a spool dir that is a file, a symlink or not writable", async () => {
    writeFileSync(join(base, "a-file"), "");
    await assert.rejects(Spool.open(join(base, "a-file"), 1 << 20, quiet), usage(/not a directory/));
    await assert.rejects(Spool.open(join(base, "a-file", "sub"), 1 << 20, quiet), usage(/ENOTDIR/));
    mkdirSync(join(base, "real"));
    symlinkSync(join(base, "real"), join(base, "link"));
    await assert.rejects(Spool.open(join(base, "link"), 1 << 20, quiet), usage(/symbolic link/));
  });

  it("gives up when the signal aborts, before touching the directory", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(Spool.open(join(base, "never"), 1 << 20, quiet, { signal: controller.signal }), (e: unknown) => e instanceof Error && e.name === "AbortError");
    assert.equal(existsSync(join(base, "never")), false);
  });

  const unavailable = (pattern: RegExp) => (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_SPOOL_UNAVAILABLE && pattern.test(e.message);

  it("a spool whose mount stops answering: each call fails within its bound, the event loop runs meanwhile, and the spool works again when the mount does", async (t) => {
    const dir = join(base, "hung");
    const s = await Spool.open(dir, 1 << 20, quiet, { callTimeoutMs: 400 });
    await s.enqueue(() => "{}");
    const stuck = await mountStuckFilesystem(dir, 20);
    if (typeof stuck === "string") return t.skip(stuck);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    try {
      let started = Date.now();
      await assert.rejects(s.pending(), unavailable(/listing did not return within 400 ms/));
      const firstMs = Date.now() - started;
      assert.ok(firstMs >= 390 && firstMs < 10_000, `${firstMs} ms`);
      assert.ok(ticks >= 5, `the event loop ran ${ticks} timer ticks while the call was stuck`);
      // The stuck call still holds its thread: nothing more is sent to the kernel until it returns.
      started = Date.now();
      await assert.rejects(s.enqueue(() => "{}"), unavailable(/listing has not returned for \d+ s; not writing state.json meanwhile/));
      assert.ok(Date.now() - started < 300);
    } finally {
      clearInterval(ticker);
      await stuck.release();
    }
    await new Promise((r) => setTimeout(r, 50)); // the stuck call's answer (ENOTCONN) arrives through the thread pool
    assert.deepEqual((await s.pending()).map((e) => e.sequence), [1]);
    assert.equal((await s.enqueue(() => "{}")).sequence, 3); // the failed enqueue used 2: numbers never repeat
  });

  it("a FIFO under a report's name is never opened (a synchronous read of it blocked the agent for good)", async (t) => {
    const dir = join(base, "fifo");
    const s = await Spool.open(dir, 1 << 20, quiet);
    await s.enqueue(() => "{}");
    const fifo = join(dir, "00000000000000000005.json");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return t.skip("no mkfifo");
    // Should a regression open it, a writer turns up after 20 s so the test fails instead of hanging.
    const writer = spawn("sh", ["-c", 'sleep 20; exec 3>"$1"', "sh", fifo], { stdio: "ignore" });
    try {
      const entries = await s.pending();
      assert.deepEqual(entries.map((e) => e.sequence), [1]);
      assert.equal((await s.read(entries[0]!)).toString(), "{}");
      assert.equal((await s.enqueue(() => "{}")).sequence, 2);
    } finally {
      writer.kill("SIGKILL");
    }
  });
});
