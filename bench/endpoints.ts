/**
 * `npm run bench -- --endpoints [--runs 3]`: 1,000 loopback TLS endpoints probed by certdoctor (the
 * CLI with and without the client-CA read, and the probe phase alone) and by the Prometheus blackbox
 * exporter, in the same run, with the same concurrency and deadline. Every pass is checked: a client
 * that did not report every endpoint's own certificate is a problem, and the bench exits non-zero.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_MS } from "../src/sources/tls-endpoint/index.js";
import { driveBlackbox, findBlackbox, startBlackbox, type RunningBlackbox } from "./blackbox.js";
import { createEndpointCas, type ServerKeyAlg } from "./endpoint-pki.js";
import type { ProbeOnceReport } from "./endpoint-probe-once.js";
import { renderEndpointSection, type PassResult, type VariantId, type VariantResult } from "./endpoint-report.js";
import type { ChildMessage, ServedEndpoint, ServerStats, StartMessage } from "./endpoint-servers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..", "..");
const CLI = join(REPO, "bin", "certdoctor.js");
const SERVER_PROCESSES: Array<{ alg: ServerKeyAlg; label: string }> = [
  { alg: "RSA", label: "RSA-2048" },
  { alg: "EC", label: "ECDSA P-256" },
];
/** Endpoints in the bench unless `--endpoint-count` says otherwise. */
export const DEFAULT_ENDPOINT_COUNT = 1000;
/** A whole pass of 1,000 endpoints takes a few seconds; this only stops a wedged one. */
const PASS_TIMEOUT_MS = 120_000;
/** The pass deadline for `count` endpoints. */
const passTimeoutMs = (count: number) => PASS_TIMEOUT_MS * Math.max(1, count / DEFAULT_ENDPOINT_COUNT);
/** Pause after a pass (not timed) so the servers have counted the last handshakes before they report. */
const SETTLE_MS = 300;

/** Runs a command with its soft open-files limit raised to the hard limit (each listener and connection is a descriptor). */
export function withRaisedFileLimit(cmd: string, args: string[]): [string, string[]] {
  return ["sh", ["-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', "sh", cmd, ...args]];
}

/** The same, and the shell prints its children's CPU times (POSIX `times`) as the last line of stderr. */
function withRaisedFileLimitAndTimes(cmd: string, args: string[]): [string, string[]] {
  return ["sh", ["-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; "$@"; s=$?; times >&2; exit $s', "sh", cmd, ...args]];
}

/** Children's user + system time from the last line `times` printed ("0m1.230000s 0m0.120000s"), ms. */
function readTimes(stderr: string): number | undefined {
  const last = stderr.trim().split("\n").pop() ?? "";
  const parts = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  return parts.length === 2 ? Math.round(parts[0]! + parts[1]!) : undefined;
}

interface ServerProcess {
  child: ChildProcess;
  endpoints: ServedEndpoint[];
  openFilesLimit: string;
  nextMessage(type: ChildMessage["type"], timeoutMs: number): Promise<ChildMessage>;
}

function startServerProcess(start: StartMessage): Promise<ServerProcess> {
  const [sh, shArgs] = withRaisedFileLimit(process.execPath, [join(HERE, "endpoint-servers.js")]);
  // The shell wrapper execs node, which inherits the IPC channel (fd and NODE_CHANNEL_FD).
  const child = spawn(sh, shArgs, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting: Array<{ type: ChildMessage["type"]; resolve: (m: ChildMessage) => void; reject: (e: Error) => void }> = [];
  child.on("message", (m: ChildMessage) => {
    const i = waiting.findIndex((w) => w.type === m.type || m.type === "error");
    if (i >= 0) {
      const [w] = waiting.splice(i, 1);
      if (m.type === "error") w!.reject(new Error(`endpoint server: ${m.message}`));
      else w!.resolve(m);
    }
  });
  child.on("exit", (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`endpoint server exited (${code})`));
  });
  const nextMessage = (type: ChildMessage["type"], timeoutMs: number) =>
    new Promise<ChildMessage>((resolveMsg, reject) => {
      const timer = setTimeout(() => reject(new Error(`endpoint server: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      waiting.push({
        type,
        resolve: (m) => (clearTimeout(timer), resolveMsg(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  // Issuing the leaves takes about 30 s per 1,000 on a loaded 2-core machine.
  const ready = nextMessage("ready", 120_000 * Math.max(1, start.count / 500));
  child.send(start);
  return ready.then((m) => {
    if (m.type !== "ready") throw new Error("endpoint server: unexpected message");
    return { child, endpoints: m.endpoints, openFilesLimit: m.openFilesLimit, nextMessage };
  });
}

async function collectStats(servers: ServerProcess[]): Promise<ServerStats> {
  const total: ServerStats = { connections: 0, handshakes: 0, clientErrors: {}, cpuMs: 0 };
  for (const s of servers) {
    const reply = s.nextMessage("stats", 10_000);
    s.child.send({ type: "stats" });
    const m = await reply;
    if (m.type !== "stats") continue;
    total.connections += m.stats.connections;
    total.handshakes += m.stats.handshakes;
    total.cpuMs += m.stats.cpuMs;
    for (const [code, n] of Object.entries(m.stats.clientErrors)) total.clientErrors[code] = (total.clientErrors[code] ?? 0) + n;
  }
  return total;
}

interface JsonReportLike {
  certificates: Array<{ fingerprint: string; locations: string[]; issuers: string[] }>;
  findings: Array<{ rule: string }>;
}

/** Endpoints whose own leaf the report shows at `endpoint:127.0.0.1:PORT#0` with a verified issuer. */
function countCaptured(report: JsonReportLike, endpoints: ServedEndpoint[]): { captured: number; missing: string[] } {
  const byLocation = new Map<string, { fingerprint: string; issuers: string[] }>();
  for (const c of report.certificates) for (const l of c.locations) byLocation.set(l, c);
  let captured = 0;
  const missing: string[] = [];
  for (const e of endpoints) {
    const c = byLocation.get(`endpoint:127.0.0.1:${e.port}#0`);
    if (c && c.fingerprint === e.fingerprint && c.issuers.length > 0) captured++;
    else if (missing.length < 5) missing.push(`${e.port}: ${c ? (c.fingerprint === e.fingerprint ? "leaf without a verified issuer" : "another certificate") : "no certificate"}`);
  }
  return { captured, missing };
}

interface Bench {
  dir: string;
  file: string;
  nowIso: string;
  endpoints: ServedEndpoint[];
  servers: ServerProcess[];
  blackbox?: RunningBlackbox;
}

type PassOutcome = { ok: true; pass: Omit<PassResult, "server">; problems: string[] } | { ok: false; reason: string };

function runCli(b: Bench, clientCAs: boolean): PassOutcome {
  const args = [CLI, "scan", "--endpoints-file", b.file, "--format", "json", "--now", b.nowIso, "--fail-on", "never", ...(clientCAs ? [] : ["--no-endpoint-client-cas"])];
  const [cmd, wrapped] = withRaisedFileLimitAndTimes(process.execPath, args);
  const started = performance.now();
  const out = spawnSync(cmd, wrapped, { encoding: "utf8", maxBuffer: 256 << 20, timeout: passTimeoutMs(b.endpoints.length) });
  const wallMs = performance.now() - started;
  if (out.status !== 0) return { ok: false, reason: `certdoctor scan exit ${out.status ?? out.signal}: ${out.stderr.trim().split("\n").slice(-2).join(" | ")}` };
  const report = JSON.parse(out.stdout) as JsonReportLike;
  const { captured, missing } = countCaptured(report, b.endpoints);
  const unreachable = report.findings.filter((f) => f.rule === "endpoint-unreachable").length;
  const problems = [...missing.map((m) => `certdoctor missed ${m}`), ...(unreachable > 0 ? [`certdoctor reported ${unreachable} endpoint-unreachable findings`] : [])];
  const cpuMs = readTimes(out.stderr);
  return { ok: true, pass: { wallMs, captured, ...(cpuMs === undefined ? {} : { clientCpuMs: cpuMs }) }, problems };
}

function runProbeOnce(b: Bench, clientCAs: boolean, capture: "lean" | "node-tls" = "lean"): PassOutcome {
  const [cmd, wrapped] = withRaisedFileLimit(process.execPath, [join(HERE, "endpoint-probe-once.js"), b.file, clientCAs ? "on" : "off", b.nowIso, String(DEFAULT_CONCURRENCY), capture]);
  const out = spawnSync(cmd, wrapped, { encoding: "utf8", maxBuffer: 1 << 20, timeout: passTimeoutMs(b.endpoints.length) });
  if (out.status !== 0) return { ok: false, reason: `endpoint-probe-once exit ${out.status ?? out.signal}: ${out.stderr.trim().split("\n").slice(-2).join(" | ")}` };
  const r = JSON.parse(out.stdout) as ProbeOnceReport;
  const problems: string[] = [];
  if (r.endpoints !== b.endpoints.length || r.withChain !== b.endpoints.length) problems.push(`probe phase captured ${r.withChain} of ${b.endpoints.length} chains`);
  if (Object.keys(r.errors).length > 0) problems.push(`probe phase errors: ${JSON.stringify(r.errors)}`);
  const wantCAs = clientCAs ? b.endpoints.length : 0;
  if (r.withClientCAs !== wantCAs) problems.push(`probe phase read client-CA names of ${r.withClientCAs} endpoints, expected ${wantCAs}`);
  return { ok: true, pass: { wallMs: r.scanMs, probeMs: r.probeMs, captured: r.withChain, clientCAs: r.withClientCAs, clientCpuMs: r.cpuMs, maxRssKiB: r.maxRssKiB }, problems };
}

async function runBlackboxPass(b: Bench): Promise<PassOutcome> {
  if (!b.blackbox) return { ok: false, reason: "blackbox exporter not running" };
  const cpuBefore = b.blackbox.cpuMs();
  const driverBefore = process.cpuUsage();
  const r = await driveBlackbox(b.blackbox.port, b.endpoints, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_MS);
  const driver = process.cpuUsage(driverBefore);
  const cpuAfter = b.blackbox.cpuMs();
  // The exporter's own CPU plus the bench's HTTP driver (what a Prometheus server would spend scraping).
  const clientCpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore + Math.round((driver.user + driver.system) / 1000);
  const problems = r.failed > 0 ? [`blackbox: ${r.failed} probes failed (${r.failures.join("; ")})`] : [];
  return { ok: true, pass: { wallMs: r.wallMs, captured: r.succeeded, ...(clientCpuMs === undefined ? {} : { clientCpuMs }) }, problems };
}

async function runPass(id: VariantId, b: Bench): Promise<PassOutcome> {
  switch (id) {
    case "cli-on":
      return runCli(b, true);
    case "cli-off":
      return runCli(b, false);
    case "probe-on":
      return runProbeOnce(b, true);
    case "probe-off":
      return runProbeOnce(b, false);
    case "probe-node-tls":
      return runProbeOnce(b, true, "node-tls");
    case "blackbox":
      return runBlackboxPass(b);
  }
}

function pickMedian(runs: PassResult[], key: (p: PassResult) => number): PassResult {
  return [...runs].sort((x, y) => key(x) - key(y))[Math.floor((runs.length - 1) / 2)]!;
}

export interface EndpointBenchOutcome {
  markdown: string;
  problems: string[];
}

export async function runEndpointBench(runs: number, log: (line: string) => void, endpointCount = DEFAULT_ENDPOINT_COUNT): Promise<EndpointBenchOutcome> {
  const loadAtStart = loadavg()[0]!;
  const problems: string[] = [];
  const blackboxAvailability = findBlackbox(log);
  // The scale run (another count than the default) is about memory and pace: the default command, its probe phase, the exporter.
  const certdoctorIds: VariantId[] = endpointCount === DEFAULT_ENDPOINT_COUNT ? ["cli-on", "cli-off", "probe-on", "probe-off", "probe-node-tls"] : ["cli-on", "probe-on"];
  const ids: VariantId[] = [...certdoctorIds, ...(blackboxAvailability.ok ? (["blackbox"] as const) : [])];
  if (!blackboxAvailability.ok) problems.push(blackboxAvailability.reason);
  const variants: VariantResult[] = ids.map((id) => ({ id, runs: [] }));
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const dir = mkdtempSync(join(tmpdir(), "certdoctor-bench-endpoints-"));
  const b: Bench = { dir, file: join(dir, "endpoints.txt"), nowIso: now.toISOString(), endpoints: [], servers: [] };
  try {
    const cas = await createEndpointCas(now);
    const per = endpointCount / SERVER_PROCESSES.length;
    log(`endpoints: starting ${SERVER_PROCESSES.length} server processes with ${per} listeners each`);
    b.servers = await Promise.all(
      SERVER_PROCESSES.map((p, i) => startServerProcess({ type: "start", cas, alg: p.alg, first: i * per, count: per, nowIso: b.nowIso })),
    );
    b.endpoints = b.servers.flatMap((s) => s.endpoints).sort((x, y) => x.index - y.index);
    if (b.endpoints.length !== endpointCount) throw new Error(`only ${b.endpoints.length} of ${endpointCount} endpoints listening`);
    writeFileSync(b.file, `${b.endpoints.map((e) => `127.0.0.1:${e.port}`).join("\n")}\n`);
    if (blackboxAvailability.ok) b.blackbox = await startBlackbox(dir, DEFAULT_TIMEOUT_MS, withRaisedFileLimit);

    // Pass 0 warms every client up the same way (page cache, JIT of the exporter, server sessions) and is not counted.
    for (let run = 0; run <= runs; run++) {
      const order = ids.map((_, k) => ids[(k + run) % ids.length]!);
      for (const id of order) {
        const v = variants.find((x) => x.id === id)!;
        if (v.error !== undefined) continue;
        await collectStats(b.servers); // reset the counters
        const outcome = await runPass(id, b);
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const server = await collectStats(b.servers);
        if (!outcome.ok) {
          v.error = outcome.reason;
          problems.push(`${id}: ${outcome.reason}`);
          continue;
        }
        if (server.handshakes < endpointCount) outcome.problems.push(`servers completed ${server.handshakes} handshakes, expected at least ${endpointCount}`);
        problems.push(...outcome.problems.map((p) => `${id}${run === 0 ? " (warm-up)" : ` run ${run}`}: ${p}`));
        const pass: PassResult = { ...outcome.pass, server };
        const label = pass.probeMs === undefined ? `${Math.round(pass.wallMs)} ms` : `probe ${pass.probeMs} ms, scan ${Math.round(pass.wallMs)} ms`;
        log(`endpoints: ${id} ${run === 0 ? "warm-up" : `run ${run}`}: ${label}, ${pass.captured}/${endpointCount} captured`);
        if (run > 0) v.runs.push(pass);
      }
    }
  } catch (err) {
    problems.push(`endpoint bench: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await b.blackbox?.stop();
    for (const s of b.servers) if (s.child.connected) s.child.send({ type: "stop" });
    rmSync(dir, { recursive: true, force: true });
  }
  for (const v of variants) {
    if (v.runs.length > 0) v.median = pickMedian(v.runs, (p) => p.probeMs ?? p.wallMs);
  }
  const markdown = renderEndpointSection(variants, {
    endpoints: endpointCount,
    processes: SERVER_PROCESSES.length,
    perProcessAlg: SERVER_PROCESSES.map((p) => `${endpointCount / SERVER_PROCESSES.length} ${p.label}`),
    openFilesLimit: [...new Set(b.servers.map((s) => s.openFilesLimit))].join("/") || "unknown",
    concurrency: DEFAULT_CONCURRENCY,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    runs,
    loadAtStart,
    blackbox: blackboxAvailability,
    problems,
  });
  return { markdown, problems };
}
