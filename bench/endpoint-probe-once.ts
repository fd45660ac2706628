/**
 * One endpoint scan in a fresh process, timed by phase:
 * `node dist/bench/endpoint-probe-once.js ENDPOINTS_FILE on|off NOW_ISO [CONCURRENCY [lean|node-tls [WORKERS]]]`.
 * Runs `scan()` with the TLS endpoint source exactly as `certdoctor scan --endpoints-file` builds it,
 * and times the probe phase: from the source's first pull to its last item, inside the scan.
 * Prints one JSON line (ProbeOnceReport).
 */
import { readFileSync } from "node:fs";
import { scan } from "../src/engine/scan.js";
import type { RawItem } from "../src/model/items.js";
import type { ScanIssue } from "../src/model/issue.js";
import type { ReadContext, Source } from "../src/model/scan.js";
import { DEFAULT_CONCURRENCY, endpointSource } from "../src/sources/tls-endpoint/index.js";
import { parseEndpointsFile } from "../src/sources/tls-endpoint/spec.js";

export interface ProbeOnceReport {
  endpoints: number;
  /** Endpoints whose presented chain was captured (at least the leaf). */
  withChain: number;
  /** Endpoints whose acceptable client-CA names were read. */
  withClientCAs: number;
  /** Probe failures by stable code. */
  errors: Record<string, number>;
  certificates: number;
  probeMs: number;
  scanMs: number;
  /** CPU time (user + system) of the whole process, start-up included, ms. */
  cpuMs: number;
  /** Peak resident set size of the process, KiB. */
  maxRssKiB: number;
}

function timed(inner: Source, marks: { start?: number; end?: number }): Source {
  return {
    kind: inner.kind,
    async *discover(ctx: ReadContext): AsyncGenerator<RawItem | ScanIssue> {
      marks.start = performance.now();
      yield* inner.discover(ctx);
      marks.end = performance.now();
    },
  };
}

const cpuMsOf = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);

async function main(): Promise<void> {
  const [file, mode, nowIso, concurrencyText, capture = "lean", workersText] = process.argv.slice(2);
  if (!file || (mode !== "on" && mode !== "off") || !nowIso || (capture !== "lean" && capture !== "node-tls")) {
    process.stderr.write("usage: endpoint-probe-once.js ENDPOINTS_FILE on|off NOW_ISO [CONCURRENCY [lean|node-tls [WORKERS]]]\n");
    process.exit(2);
  }
  const { targets, errors } = parseEndpointsFile(readFileSync(file, "utf8"));
  if (errors.length > 0) throw new Error(`endpoints file line ${errors[0]!.line}: ${errors[0]!.reason}`);
  const marks: { start?: number; end?: number } = {};
  const source = timed(endpointSource(targets, {
      clientCAs: mode === "on",
      concurrency: Number(concurrencyText ?? DEFAULT_CONCURRENCY),
      capture,
      ...(workersText === undefined ? {} : { workers: Number(workersText) }),
    }), marks);
  const started = performance.now();
  const result = await scan({ paths: [], sources: [source], now: new Date(nowIso), warnDays: 30, critDays: 7 });
  const scanMs = performance.now() - started;
  const failures: Record<string, number> = {};
  for (const e of result.endpoints) if (e.error) failures[e.error.code] = (failures[e.error.code] ?? 0) + 1;
  const report: ProbeOnceReport = {
    endpoints: result.endpoints.length,
    withChain: result.endpoints.filter((e) => e.chain.length > 0).length,
    withClientCAs: result.endpoints.filter((e) => (e.acceptableCAs?.length ?? 0) > 0).length,
    errors: failures,
    certificates: result.certificates.length,
    probeMs: Math.round((marks.end ?? Number.NaN) - (marks.start ?? Number.NaN)),
    scanMs: Math.round(scanMs),
    cpuMs: cpuMsOf(process.cpuUsage()),
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
