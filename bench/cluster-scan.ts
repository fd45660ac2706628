/** Child process for the cluster bench: one full scan of the test API server; prints its numbers as JSON. */
import { scan } from "../src/engine/scan.js";
import { kubeSource } from "../src/sources/kubernetes/index.js";

export interface ClusterScanReport {
  seconds: number;
  maxRssMiB: number;
  certificates: number;
  keys: number;
  issues: number;
  findings: number;
  retries: number;
}

async function main(): Promise<void> {
  const [kubeconfig, now] = process.argv.slice(2);
  if (!kubeconfig || !now) throw new Error("usage: cluster-scan KUBECONFIG NOW");
  const source = kubeSource({ kubeconfig });
  const started = performance.now();
  const result = await scan({ paths: [], sources: [source], now: new Date(now), warnDays: 30, critDays: 7 });
  const seconds = (performance.now() - started) / 1000;
  const report: ClusterScanReport = {
    seconds,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    certificates: result.certificates.length,
    keys: result.keys.length,
    issues: result.issues.length,
    findings: result.findings.length,
    retries: source.connect().retries,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster-scan: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
