/**
 * A real full disk under `certdoctor serve`: the SQLite store on a 4 MiB tmpfs, agent reports posted
 * until a write fails with ENOSPC. The failing report gets 503 ERR_STORE_WRITE saying the disk is full
 * (and the log says it), /readyz is 503 naming the store while /healthz stays 200, everything stored
 * before is still served, and once the filesystem has room again (remounted larger) the re-sent report
 * is stored and /readyz is 200 — no restart needed. Mounting needs root (CAP_SYS_ADMIN); .ci/run and
 * land.sh run as root, elsewhere the test is skipped and says why.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { ApiNode } from "../src/store/types.js";
import { agentId, agentReport, nodeName, reportPoster } from "./support/fleet-report.js";
import { eventually, http } from "./support/http.js";
import { startServeProcess as serve } from "./support/serve-process.js";

const NOW = "2026-12-01T00:00:00Z";
const CERTS = 20;
const isRoot = process.getuid?.() === 0;

describe("serve on a full disk (SQLite on a 4 MiB tmpfs)", { skip: isRoot ? false : "mounting a tmpfs needs root" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-full-disk-"));
  let mounted = false;
  after(() => {
    if (mounted) execFileSync("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a write failing with ENOSPC is a clear 503 and /readyz says so; nothing stored is lost; room again, and the next write succeeds", async () => {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", dir]);
    mounted = true;
    const s = await serve(["--database", join(dir, "history.db"), "--no-auth", "--listen", "127.0.0.1:0", "--interval", "1h", "--now", NOW]);
    try {
      const poster = reportPoster(s.url, 1);
      const stored: number[] = [];
      let full: { node: number; status: number } | undefined;
      for (let node = 0; node < 2000 && full === undefined; node++) {
        const r = await poster.post(node, 1, agentReport(node, CERTS, 1));
        if (r.status === 201) stored.push(node);
        else full = { node, status: r.status };
      }
      assert.ok(full, "4 MiB never filled up");
      assert.ok(stored.length >= 3, `only ${stored.length} reports fitted`);
      assert.equal(full.status, 503);

      const failed = await fetch(`${s.url}/api/v1/agent-reports`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": `${agentId(full.node)}:1` }, body: agentReport(full.node, CERTS, 1) });
      const body = (await failed.json()) as { error: { code: string; message: string } };
      assert.equal(failed.status, 503);
      assert.equal(body.error.code, "ERR_STORE_WRITE");
      assert.match(body.error.message, /disk is full|SQLITE_FULL/i);
      const ready = await http(`${s.url}/readyz`);
      assert.equal(ready.status, 503);
      const why = ready.json<{ notReady: Array<{ name: string; reason: string }> }>().notReady.find((n) => n.name === "store");
      assert.match(why?.reason ?? "", /ERR_STORE_WRITE: .*(disk is full|SQLITE_FULL)/i);
      assert.equal((await http(`${s.url}/healthz`)).status, 200);
      const logged = s.err().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: string; msg: string; code?: string });
      assert.ok(logged.some((l) => l.level === "error" && l.code === "ERR_STORE_WRITE" && /disk is full|SQLITE_FULL/i.test(l.msg)), "the log says the disk is full");

      // everything acknowledged before is still served, whole
      const nodes = new Map((await http(`${s.url}/api/v1/nodes`)).json<{ items: ApiNode[] }>().items.map((n) => [n.name, n]));
      assert.deepEqual([...nodes.keys()].sort(), stored.map(nodeName).sort());
      for (const n of nodes.values()) assert.equal(n.certificates, CERTS, n.name);

      // room again: the agent's retry is stored, and the store is ready without a restart
      execFileSync("mount", ["-o", "remount,size=64m", dir]);
      const retry = await poster.post(full.node, 1, agentReport(full.node, CERTS, 1));
      assert.equal(retry.status, 201);
      await eventually(async () => ((await http(`${s.url}/readyz`)).status === 200 ? true : undefined), 10_000, "readyz after space returned");
      const after = (await http(`${s.url}/api/v1/nodes`)).json<{ items: ApiNode[] }>().items;
      assert.equal(after.length, stored.length + 1);
      assert.ok(after.every((n) => n.certificates === CERTS));
      poster.close();
    } finally {
      s.proc.kill("SIGTERM");
      await s.exited;
    }
  });
});
