/**
 * CPU of one scan, several builds side by side: `node dist/bench/cpu-compare.js CORPUS_DIR RUNS BUILD...` where each BUILD
 * is a checkout with `dist/` built (e.g. `git worktree add /tmp/old OLD && (cd /tmp/old && npx tsc -p tsconfig.json)`, with
 * node_modules linked). Runs `dist/bench/scan-once.js` of each build in a fresh process under /usr/bin/time, interleaved
 * (order reversed every round), and prints the median user+sys seconds per build with the load average before and after
 * every round. Every run must find the same number of certificates and verify every issued one, or it stops.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ScanOnceReport } from "./scan-once.js";

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const load = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

function main(): number {
  const [corpus, runsText, ...builds] = process.argv.slice(2);
  const runs = Number(runsText);
  if (corpus === undefined || !Number.isInteger(runs) || runs < 1 || builds.length === 0) {
    process.stderr.write("usage: cpu-compare.js CORPUS_DIR RUNS BUILD_DIR...\n");
    return 2;
  }
  const cpu = new Map<string, number[]>(builds.map((b) => [b, []]));
  let certificates: number | undefined;
  const loads = [load()];
  for (let round = 0; round < runs; round++) {
    for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
      const out = spawnSync("/usr/bin/time", ["-f", "%U %S", process.execPath, join(build, "dist", "bench", "scan-once.js"), corpus, "2025-06-01T00:00:00Z"], { encoding: "utf8", maxBuffer: 1 << 20 });
      if (out.status !== 0) throw new Error(`${build}: exit ${out.status}: ${out.stderr.trim().split("\n").slice(-2).join(" | ")}`);
      const report = JSON.parse(out.stdout) as ScanOnceReport;
      certificates ??= report.certificates;
      if (report.certificates !== certificates || report.issuedVerified !== report.issued) throw new Error(`${build}: found ${report.certificates} certificates, verified ${report.issuedVerified} of ${report.issued}`);
      const [user, sys] = out.stderr.trim().split("\n").pop()!.split(" ").map(Number);
      cpu.get(build)!.push(user! + sys!);
    }
    loads.push(load());
  }
  for (const [build, values] of cpu) process.stdout.write(`${build}: median ${median(values).toFixed(2)} s CPU (user+sys) of ${values.length}: ${values.map((v) => v.toFixed(2)).join(", ")}\n`);
  process.stdout.write(`${certificates} certificates each; load average (1, 5, 15 min) by round: ${loads.join(" | ")}\n`);
  return 0;
}

process.exit(main());
