/**
 * Node agent footprint: idle RSS of a running `certdoctor agent` after its first scan, and the scan time of
 * `agent --once` on a node root (default: the demo's kubeadm control plane demo/cluster/cp-1), with the
 * host's real /proc. Run: `npx tsc -p tsconfig.json && node dist/bench/agent.js [ROOT]` (as root to read
 * every /proc/PID/root).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { findRepoRoot } from "../test/support/fixtures.js";

const repo = findRepoRoot();
const bin = join(repo, "bin", "certdoctor.js");
const root = resolve(process.argv[2] ?? join(repo, "demo", "cluster", "cp-1"));
const work = mkdtempSync(join(tmpdir(), "certdoctor-agent-bench-"));

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

async function idleRss(): Promise<number[]> {
  const child = spawn(process.execPath, [bin, "agent", "--root", root, "--interval", "1h", "--output", join(work, "report.json")], { stdio: ["ignore", "ignore", "pipe"] });
  let scanned = false;
  child.stderr.on("data", (b: Buffer) => {
    if (b.toString().includes('"node scanned"')) scanned = true;
  });
  for (let i = 0; i < 200 && !scanned; i++) await delay(50);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await delay(1000);
    samples.push(rssKiB(child.pid!));
  }
  child.kill("SIGTERM");
  return samples;
}

function onceScans(n: number): Array<{ wallMs: number; scanMs: number; certificates: number; processes: number }> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [bin, "agent", "--once", "--root", root], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const wallMs = performance.now() - t;
    const report = JSON.parse(r.stdout) as { summary: { certificates: number }; agent: { scanDurationMs: number; processes: unknown[] } };
    out.push({ wallMs: Math.round(wallMs), scanMs: report.agent.scanDurationMs, certificates: report.summary.certificates, processes: report.agent.processes.length });
  }
  return out;
}

const rss = await idleRss();
const scans = onceScans(10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`node root: ${root}`);
console.log(`idle RSS after the first scan (5 samples, 1 s apart): ${rss.map((k) => (k / 1024).toFixed(1)).join(", ")} MiB`);
console.log(`agent --once x10: scan (scanDurationMs) median ${median(scans.map((s) => s.scanMs))} ms, max ${Math.max(...scans.map((s) => s.scanMs))} ms; whole process wall median ${median(scans.map((s) => s.wallMs))} ms; ${scans[0]!.certificates} certificates, ${scans[0]!.processes} Kubernetes processes`);
rmSync(work, { recursive: true, force: true });
