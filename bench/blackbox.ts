/**
 * The Prometheus blackbox exporter's TLS probe as the endpoint bench's point of comparison: a `tcp`
 * module with `tls: true` and verification off, started on a loopback port and driven through
 * `/probe?module=tls_connect&target=127.0.0.1:PORT` with a bounded number of requests in flight.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";

export const BLACKBOX_BIN = "prometheus-blackbox-exporter";
export const BLACKBOX_MODULE = "tls_connect";

export type BlackboxAvailability = { ok: true; version: string } | { ok: false; reason: string };

function probeVersion(): string | undefined {
  const out = spawnSync(BLACKBOX_BIN, ["--version"], { encoding: "utf8" });
  if (out.status !== 0) return undefined;
  return /version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? "unknown";
}

/** Finds the exporter; as root with apt-get, installs the Debian package once. */
export function findBlackbox(log: (line: string) => void): BlackboxAvailability {
  let version = probeVersion();
  if (!version && process.getuid?.() === 0 && spawnSync("apt-get", ["--version"]).status === 0) {
    log(`${BLACKBOX_BIN} missing: apt-get install -y prometheus-blackbox-exporter`);
    spawnSync("apt-get", ["update"], { stdio: "ignore" });
    spawnSync("apt-get", ["install", "-y", "prometheus-blackbox-exporter"], { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    version = probeVersion();
  }
  return version ? { ok: true, version } : { ok: false, reason: `${BLACKBOX_BIN} is not installed (Debian package prometheus-blackbox-exporter)` };
}

/** The module config: TLS handshake only, no verification, the same 5 s deadline certdoctor uses. */
export function blackboxConfig(timeoutMs: number): string {
  return [
    "modules:",
    `  ${BLACKBOX_MODULE}:`,
    "    prober: tcp",
    `    timeout: ${Math.ceil(timeoutMs / 1000)}s`,
    "    tcp:",
    "      preferred_ip_protocol: ip4",
    "      tls: true",
    "      tls_config:",
    "        insecure_skip_verify: true",
    "",
  ].join("\n");
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningBlackbox {
  port: number;
  /** CPU time (user + system) the exporter has used so far, ms; undefined where /proc is unreadable. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

let clockTicks: number | undefined;

/** utime + stime of a process from /proc/PID/stat, in ms. */
export function readProcessCpuMs(pid: number): number | undefined {
  try {
    clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? Math.round((ticks * 1000) / clockTicks) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the exporter (through `wrap`, which raises its open-files limit) and waits until /-/ready answers. */
export async function startBlackbox(dir: string, timeoutMs: number, wrap: (cmd: string, args: string[]) => [string, string[]]): Promise<RunningBlackbox> {
  const config = join(dir, "blackbox.yml");
  writeFileSync(config, blackboxConfig(timeoutMs));
  const port = await freeLoopbackPort();
  const [cmd, args] = wrap(BLACKBOX_BIN, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=error"]);
  const child: ChildProcess = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString("utf8");
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`${BLACKBOX_BIN} exited (${child.exitCode}): ${stderr.trim().slice(-300)}`);
    const ready = await httpGet(port, "/-/ready", new Agent(), 1000).then((r) => r.status === 200, () => false);
    // The wrapper execs the exporter, so the child's pid is the exporter's.
    if (ready) return { port, stop, cpuMs: () => (child.pid === undefined ? undefined : readProcessCpuMs(child.pid)) };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${BLACKBOX_BIN} did not become ready on 127.0.0.1:${port} within 10 s`);
}

function httpGet(port: number, path: string, agent: Agent, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > 1 << 20) req.destroy(new Error("probe response larger than 1 MiB"));
        else chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export interface ProbeExpectation {
  port: number;
  fingerprint: string;
  notAfterSeconds: number;
}

/** What one /probe answer says, from the Prometheus text format. */
export interface BlackboxProbe {
  success: boolean;
  earliestExpiry?: number;
  leafFingerprint?: string;
}

/** Reads the few samples the bench checks from a /probe body (pure). */
export function readProbeBody(body: string): BlackboxProbe {
  const out: BlackboxProbe = { success: false };
  for (const line of body.split("\n", 10_000)) {
    if (line.startsWith("probe_success ")) out.success = Number(line.slice("probe_success ".length)) === 1;
    else if (line.startsWith("probe_ssl_earliest_cert_expiry ")) {
      const v = Number(line.slice("probe_ssl_earliest_cert_expiry ".length));
      if (Number.isFinite(v)) out.earliestExpiry = v;
    } else if (line.startsWith("probe_ssl_last_chain_info{")) {
      const m = /fingerprint_sha256="([0-9a-f]{64})"/.exec(line);
      if (m) out.leafFingerprint = m[1];
    }
  }
  return out;
}

export interface BlackboxPass {
  wallMs: number;
  succeeded: number;
  /** Probes that failed or did not report the endpoint's own certificate (first few, as "PORT: why"). */
  failures: string[];
  failed: number;
}

/** Probes every endpoint through the exporter, `concurrency` requests in flight; checks each answer. */
export async function driveBlackbox(port: number, endpoints: ProbeExpectation[], concurrency: number, timeoutMs: number): Promise<BlackboxPass> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const failures: string[] = [];
  let failed = 0;
  let succeeded = 0;
  let next = 0;
  const worker = async () => {
    while (next < endpoints.length) {
      const e = endpoints[next++]!;
      const why = await httpGet(port, `/probe?module=${BLACKBOX_MODULE}&target=127.0.0.1:${e.port}`, agent, timeoutMs + 5000).then(
        (r) => checkProbe(r.status, readProbeBody(r.body), e),
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      if (why === undefined) succeeded++;
      else {
        failed++;
        if (failures.length < 5) failures.push(`${e.port}: ${why}`);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, endpoints.length) }, worker));
  const wallMs = performance.now() - started;
  agent.destroy();
  return { wallMs, succeeded, failed, failures };
}

function checkProbe(status: number, p: BlackboxProbe, e: ProbeExpectation): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  if (!p.success) return "probe_success is not 1";
  if (p.earliestExpiry === undefined) return "no probe_ssl_earliest_cert_expiry";
  if (Math.round(p.earliestExpiry) !== e.notAfterSeconds) return `probe_ssl_earliest_cert_expiry ${p.earliestExpiry}, expected ${e.notAfterSeconds}`;
  if (p.leafFingerprint !== undefined && p.leafFingerprint !== e.fingerprint) return `served fingerprint ${p.leafFingerprint.slice(0, 12)}…, expected ${e.fingerprint.slice(0, 12)}…`;
  return undefined;
}
