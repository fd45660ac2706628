/**
 * One measured scan in a fresh process: `node dist/bench/scan-once.js <corpusDir> [nowIso]`.
 * Prints one JSON line (ScanOnceReport). Exits 2 when the engine is not built.
 */
import type { ScanOptions, ScanResult } from "../src/engine/types.js";

export interface ScanOnceReport {
  certificates: number;
  /** Certificates that are not self-issued. */
  issued: number;
  /** Non-self-issued certificates with at least one verified issuer. */
  issuedVerified: number;
  findings: number;
  issues: number;
  files: number;
  wallMs: number;
  peakRssMiB: number;
}

interface EngineModule {
  scan(options: ScanOptions): Promise<ScanResult>;
}

// A variable specifier keeps this file compiling while the engine is still being written.
const ENGINE_PATH = "../src/engine/scan.js";

async function loadEngine(): Promise<EngineModule> {
  try {
    return (await import(ENGINE_PATH)) as EngineModule;
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_MODULE_NOT_FOUND") {
      process.stderr.write(`engine not built yet: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

export function summarizeScan(result: ScanResult, wallMs: number): ScanOnceReport {
  let issued = 0;
  let issuedVerified = 0;
  for (const c of result.certificates) {
    if (c.record.selfIssued) continue;
    issued++;
    if (c.issuers.length > 0) issuedVerified++;
  }
  return {
    certificates: result.certificates.length,
    issued,
    issuedVerified,
    findings: result.findings.length,
    issues: result.issues.length,
    files: result.stats.files,
    wallMs: Math.round(wallMs),
    peakRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
  };
}

async function main(): Promise<void> {
  const [dir, nowIso] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write("usage: scan-once.js CORPUS_DIR [NOW_ISO]\n");
    process.exit(2);
  }
  const { scan } = await loadEngine();
  const started = performance.now();
  const result = await scan({
    paths: [dir],
    now: new Date(nowIso ?? "2025-06-01T00:00:00Z"),
    warnDays: 30,
    critDays: 7,
  });
  const wallMs = performance.now() - started;
  process.stdout.write(`${JSON.stringify(summarizeScan(result, wallMs))}\n`);
}

await main();
