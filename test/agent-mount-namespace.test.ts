import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { scanNode } from "../src/agent/scan-node.js";
import { agentNow, makeKopsStory, writeAt, type KopsStory } from "./support/agent-node.js";

/** Creating a private mount namespace needs CAP_SYS_ADMIN and util-linux's unshare. */
function mountNamespaceSupport(): string | undefined {
  const probe = spawnSync("unshare", ["-m", "--propagation", "private", "true"], { stdio: "ignore", timeout: 5000 });
  if (probe.error !== undefined) return `unshare is not available (${(probe.error as NodeJS.ErrnoException).code}); install util-linux`;
  if (probe.status !== 0) return "this machine forbids creating a mount namespace (unshare -m needs CAP_SYS_ADMIN / root)";
  return undefined;
}

const unsupported = mountNamespaceSupport();

describe("agent: what a process sees in its own mount namespace (real unshare)", { skip: unsupported }, () => {
  let story: KopsStory;
  let child: ChildProcess | undefined;
  let nodeFile: string;

  before(() => {
    story = makeKopsStory();
    // The node's kubeconfig was renewed; the old one is what a container bind-mounted before the renewal.
    nodeFile = writeAt(story.dir, "node/var/lib/kube-proxy/kubeconfig", story.kubeconfig(story.newClient));
    const oldFile = writeAt(story.dir, "old/kubeconfig", story.kubeconfig(story.oldClient));
    // A process the agent recognises by comm: a script named kube-proxy that stays alive.
    const bin = writeAt(story.dir, "bin/kube-proxy", "#!/bin/sh\nsleep 120 &\nwait\n");
    chmodSync(bin, 0o755);
    child = spawn(
      "unshare",
      ["-m", "--propagation", "private", "sh", "-c", 'mount --bind "$1" "$2" && exec "$3" --kubeconfig="$2"', "sh", oldFile, nodeFile, bin],
      { stdio: "ignore", detached: true },
    );
  });

  after(() => {
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL"); // the process group we started: unshare, the script and its sleep
      } catch {
        // already gone
      }
    }
    story.cleanup();
  });

  async function findPid(): Promise<number> {
    for (let i = 0; i < 100; i++) {
      const out = spawnSync("pgrep", ["-g", String(child!.pid), "-x", "kube-proxy"], { encoding: "utf8" });
      const pid = Number(out.stdout.trim().split("\n")[0]);
      if (pid > 0) {
        try {
          if (readFileSync(`/proc/${pid}/root${nodeFile}`, "utf8").includes(readFileSync(story.oldClient.crt).toString("base64").slice(0, 64))) return pid;
        } catch {
          // not yet mounted
        }
      }
      await delay(50);
    }
    throw new Error("the namespaced kube-proxy did not start");
  }

  it("reports container-view-stale for the old kubeconfig the process still sees", async () => {
    const pid = await findPid();
    // The host sees the renewal at the same path; the process sees the old file.
    assert.ok(readFileSync(nodeFile, "utf8").includes(readFileSync(story.newClient.crt).toString("base64").slice(0, 64)));

    const { result, report } = await scanNode({ root: "/", procDir: "/proc", now: agentNow, warnDays: 30, critDays: 7, nodeName: "node-1", version: "test" });
    const ours = result.findings.filter((f) => f.rule === "container-view-stale" && f.locations[0]!.startsWith(`process:kube-proxy[${pid}]:`));
    assert.equal(ours.length, 1);
    const f = ours[0]!;
    assert.equal(f.severity, "critical");
    assert.deepEqual(f.locations, [`process:kube-proxy[${pid}]:${nodeFile}#users/kube-proxy`, `kubeconfig:${nodeFile}#users/kube-proxy`]);
    const seen = result.inventory.byFingerprint.get(f.certificates[0]!)!;
    const node = result.inventory.byFingerprint.get(f.certificates[1]!)!;
    assert.equal(seen.record.notAfter, Date.parse("2026-12-05T00:00:00Z"));
    assert.equal(node.record.notAfter, Date.parse("2027-11-25T00:00:00Z"));
    const proc = report.agent.processes.find((p) => p.pid === pid);
    assert.deepEqual(proc?.files, [{ path: nodeFile, via: "--kubeconfig" }]);
  });
});

if (unsupported !== undefined) console.log(`# skipped mount-namespace test: ${unsupported}`);
