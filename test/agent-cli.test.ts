import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { spawn } from "node:child_process";
import { findRepoRoot } from "./support/fixtures.js";
import type { AgentReport } from "../src/agent/scan-node.js";
import { demoPath } from "./support/fixtures.js";
import { runCli } from "./support/cli.js";

const run = (args: string[]) => runCli(args);

describe("certdoctor agent (CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-agent-cli-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const base = ["agent", "--once", "--root", demoPath("cp-1"), "--proc", join(dir, "no-proc"), "--now", "2026-12-01T00:00:00Z", "--node-name", "cp-1"];

  const usage = [
    { name: "plain http report URL", args: [...base, "--report-url", "http://127.0.0.1:1/x"] },
    { name: "credentials in the URL", args: [...base, "--report-url", "https://u:p@127.0.0.1:1/x"] },
    { name: "client cert without key", args: [...base, "--report-url", "https://127.0.0.1:1/x", "--client-cert", "/x"] },
    { name: "token file without a URL", args: [...base, "--token-file", "/x"] },
    { name: "missing token file", args: [...base, "--report-url", "https://127.0.0.1:1/x", "--token-file", join(dir, "none")] },
    { name: "bad interval", args: [...base, "--interval", "soon"] },
    { name: "bad process name mapping", args: [...base, "--process-name", "kube-proxy"] },
  ];
  for (const row of usage) {
    it(`usage error: ${row.name} exits 2`, async () => {
      const r = await run(row.args);
      assert.equal(r.code, 2);
      assert.equal(r.out, "");
    });
  }

  it("--once --fail-on: exit 1 when the node's findings reach the level (cp-1: admin.conf expires in 4 days)", async () => {
    const output = join(dir, "fail-on.json");
    assert.equal((await run([...base, "--output", output, "--fail-on", "critical"])).code, 1);
    assert.equal((await run([...base, "--output", output])).code, 0, "default never");
  });

  it("--once without a URL writes one schemaVersion 1 report with the agent block", async () => {
    const output = join(dir, "report.json");
    const r = await run([...base, "--output", output]);
    assert.equal(r.code, 0);
    assert.equal(r.out, "");
    const report = JSON.parse(readFileSync(output, "utf8")) as AgentReport;
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.summary.certificates, 17);
    assert.equal(report.agent.nodeName, "cp-1");
    assert.deepEqual(report.agent.layouts, ["kubeadm", "kubelet"]);
    assert.deepEqual(report.agent.processes, []);
    assert.ok(report.findings.some((f) => f.rule === "cert-expiring" && f.locations.includes("kubeconfig:/etc/kubernetes/admin.conf#users/kubernetes-admin")));
    // Paths as the node names them: --root (the pod's mount point) appears only as agent.root.
    assert.ok(report.certificates.some((c) => c.locations.includes("file:/etc/kubernetes/pki/ca.crt")));
    assert.equal(JSON.stringify({ ...report, agent: { ...report.agent, root: "" } }).includes(demoPath("cp-1")), false);
    const log = r.err.trim().split("\n").map((l) => JSON.parse(l) as { level: string; msg: string; certificates?: number });
    assert.ok(log.some((l) => l.level === "info" && l.certificates === 17));
  });

  it("a --spool-dir under /proc, or one that is a file, is exit 2 at once (a recursive mkdirSync under /proc spun forever, deaf to SIGTERM)", async () => {
    for (const spoolDir of ["/proc/self/certdoctor/spool", join(findRepoRoot(), "package.json")]) {
      const child = spawn(process.execPath, [join(findRepoRoot(), "bin", "certdoctor.js"), ...base, "--report-url", "https://127.0.0.1:1/x", "--spool-dir", spoolDir], { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr.on("data", (b: Buffer) => (err += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 10_000))]);
      if (code === "timeout") child.kill("SIGKILL");
      assert.equal(code, 2, `${spoolDir}: ${err}`);
      assert.match(err, /ERR_USAGE: cannot use --spool-dir/);
    }
  });

  it("loop mode scans, waits for the interval, and exits 0 promptly on SIGTERM", async () => {
    const output = join(dir, "loop.json");
    const child = spawn(process.execPath, [join(findRepoRoot(), "bin", "certdoctor.js"), ...base.filter((a) => a !== "--once"), "--interval", "1h", "--output", output], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    for (let i = 0; i < 200 && !err.includes('"node scanned"'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(err.includes('"node scanned"'), "first scan logged");
    const sent = Date.now();
    child.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 5000))]);
    if (code === "timeout") child.kill("SIGKILL");
    assert.equal(code, 0);
    assert.ok(Date.now() - sent < 5000);
    assert.equal((JSON.parse(readFileSync(output, "utf8")) as AgentReport).agent.nodeName, "cp-1");
  });
});
