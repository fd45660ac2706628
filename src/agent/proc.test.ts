import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fakeProcess } from "../../test/support/agent-node.js";
import { mountStuckFilesystem } from "../../test/support/stuck-fs.js";
import { defaultProcLimits, findKubeProcesses } from "./proc.js";

describe("finding the node's processes", () => {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-proc-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a process whose /proc files never answer is skipped after its bound, the others are found, and it is not asked again while its read waits", async (t) => {
    const proc = join(dir, "proc");
    fakeProcess(proc, 100, "kubelet", ["kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf"], dir);
    fakeProcess(proc, 300, "kube-proxy", ["kube-proxy"], dir);
    mkdirSync(join(proc, "200"));
    // PID 200 answers nothing, like /proc/PID/cmdline of a process blocked on a hung NFS mount (`ps` hangs there).
    const stuck = await mountStuckFilesystem(join(proc, "200"), 20);
    if (typeof stuck === "string") return t.skip(stuck);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    try {
      const limits = { ...defaultProcLimits, readTimeoutMs: 300 };
      let started = Date.now();
      const first = await findKubeProcesses(proc, new Map(), limits);
      assert.deepEqual(first.processes.map((p) => `${p.pid} ${p.component}`), ["100 kubelet", "300 kube-proxy"]);
      assert.deepEqual(first.stuck, [join(proc, "200", "comm")]);
      assert.ok(Date.now() - started < 5000 && ticks >= 5, `${Date.now() - started} ms, ${ticks} ticks: the event loop ran meanwhile`);
      started = Date.now();
      const second = await findKubeProcesses(proc, new Map(), limits);
      assert.deepEqual([second.processes.length, second.stuck], [2, [join(proc, "200", "comm")]]);
      assert.ok(Date.now() - started < 250, "the outstanding read is not started again");
    } finally {
      clearInterval(ticker);
      await stuck.release();
    }
  });
});
