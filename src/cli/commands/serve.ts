/**
 * `certdoctor serve`: continuous diagnosis with history. Scans --path trees (interval and file
 * changes), the cluster (list-then-watch), endpoints (interval) and accepts node-agent reports; keeps
 * everything in the store (--database: SQLite file or postgres://) and serves the JSON API from it.
 * Stops gracefully on SIGINT/SIGTERM. `--demo` serves the embedded demo cluster at its reference time
 * from a fresh temporary store, without authentication, on a free loopback port.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { CertdoctorError, ErrorCode, describeError } from "../../errors.js";
import { addLeaderElectOptions, leaderElectSettings, type LeaderElectFlags } from "../leader-elect.js";
import type { Source } from "../../model/scan.js";
import type { KubeSource } from "../../sources/kubernetes/index.js";
import { noAuth, TokenFileAuth, type AuthPolicy } from "../../server/auth.js";
import { parseListen, type TlsMaterial } from "../../server/listen.js";
import { createLogger } from "../../server/log.js";
import { startServer } from "../../server/run-server.js";
import { openStore, parseStoreSpec } from "../../store/open.js";
import type { CliIO } from "../io.js";
import { readMetricsConfig } from "../../metrics/config-file.js";
import { applyV3MetricsFlags, V3_METRICS_FLAGS } from "../../metrics/v3-flags.js";
import { packageVersion } from "../package-root.js";
import { parseDays, parseDuration, parseNow } from "../options.js";
import { applyServeConfig, readServeConfig } from "../serve-config.js";
import { sourceOptionGroups } from "../source-options.js";
import { demoDir } from "./demo.js";
import { parseNamedPath } from "./scan.js";

export interface ServeFlags extends LeaderElectFlags {
  path: string[];
  database?: string;
  db?: string;
  listen?: string;
  interval: string;
  retention: string;
  tokenFile?: string;
  auth: boolean;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  agentSilentAfter: string;
  now?: string;
  warnDays: string;
  critDays: string;
  config?: string;
  demo?: boolean;
  debounceMs?: string;
  metricsConfig?: string;
  metricsPublic?: boolean;
  trimPathComponents?: string;
  exposeRelativeMetrics?: boolean;
  exposePerCertErrorMetrics?: boolean;
  exposeLabels?: string;
}

type Elect = NonNullable<Parameters<typeof startServer>[0]["elect"]>;

/**
 * `--leader-elect`: the Lease is taken through the cluster source's connection (the replicas of an HA
 * server scan the cluster they run in), with client-go's default timings unless told otherwise.
 */
async function leaderElection(flags: ServeFlags, sources: readonly Source[], log: ReturnType<typeof createLogger>): Promise<Elect | undefined> {
  const settings = leaderElectSettings(flags);
  if (settings === undefined) return undefined;
  const kube = sources.find((s): s is KubeSource => typeof (s as Partial<KubeSource>).connect === "function");
  if (kube === undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--leader-elect takes its Lease from the cluster: give --in-cluster, --kube or --kubeconfig FILE");
  const { KubeApproverApi } = await import("../../controller/kube-api.js");
  const { LeaderElector } = await import("../../controller/leader.js");
  const elector = new LeaderElector(new KubeApproverApi(kube.connect().kc), {
    ...settings,
    work: "scanning",
    log: (line) => log("info", line),
  });
  log("info", "leader election", { lease: `${settings.namespace}/${settings.name}`, identity: settings.identity });
  return (signal, work) => elector.run(signal, work);
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

function readFileFlag(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `${flag} ${path}: ${describeError(err)}`, { cause: err });
  }
}

/** Runs until SIGINT/SIGTERM (or `stopSignal`); returns the exit code. */
export async function runServe(flags: ServeFlags, io: CliIO, stopSignal?: AbortSignal): Promise<number> {
  let tempDir: string | undefined;
  if (flags.demo) {
    const dir = demoDir();
    flags.path = [...flags.path, join(dir, "cluster")];
    flags.now ??= readFileSync(join(dir, "REFERENCE_TIME"), "utf8").trim();
    flags.auth = false;
    flags.listen ??= "127.0.0.1:0";
    if (flags.database === undefined && flags.db === undefined) {
      tempDir = mkdtempSync(join(tmpdir(), "certdoctor-demo-"));
      flags.database = join(tempDir, "demo.db");
    }
  }
  const { host, port } = parseListen(flags.listen ?? "127.0.0.1:8080");
  const intervalMs = parseDuration("--interval", flags.interval, { min: 1000 });
  const retentionMs = parseDuration("--retention", flags.retention, { min: 3_600_000 });
  const agentSilentAfterMs = parseDuration("--agent-silent-after", flags.agentSilentAfter, { min: 1000 });
  const warnDays = parseDays("--warn-days", flags.warnDays);
  const critDays = parseDays("--crit-days", flags.critDays);
  const fixedNow = flags.now === undefined ? undefined : parseNow(flags.now);
  const debounceMs = flags.debounceMs === undefined ? undefined : parseDuration("--debounce-ms", `${flags.debounceMs}ms`, { min: 0 });
  let auth: AuthPolicy;
  if (!flags.auth) {
    if (!isLoopback(host)) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--no-auth is only for loopback demos; listening on ${host} needs --token-file`);
    if (flags.tokenFile !== undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--no-auth and --token-file contradict each other");
    auth = noAuth;
  } else if (flags.tokenFile !== undefined) {
    const log = createLogger(io.stderr);
    auth = new TokenFileAuth(resolve(io.cwd, flags.tokenFile), Date.now, (err) => log("error", "token file not reloaded; the previous tokens stay in force", { error: describeError(err) }));
  } else {
    throw new CertdoctorError(ErrorCode.ERR_USAGE, "the API needs tokens: give --token-file FILE (one token a line), or --no-auth for a loopback demo");
  }
  let tls: TlsMaterial | undefined;
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--tls-cert and --tls-key go together");
  if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) {
    tls = { cert: readFileFlag("--tls-cert", resolve(io.cwd, flags.tlsCert)), key: readFileFlag("--tls-key", resolve(io.cwd, flags.tlsKey)) };
    if (flags.clientCa !== undefined) tls.clientCa = readFileFlag("--client-ca", resolve(io.cwd, flags.clientCa));
  } else if (flags.clientCa !== undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--client-ca needs --tls-cert/--tls-key (client certificates need TLS)");

  const named = flags.path.map((p) => parseNamedPath(p, io.cwd));
  const paths = named.map((n) => n.path);
  const scopes: Record<string, string> = {};
  for (const n of named) if (n.scope !== undefined) scopes[n.path] = n.scope;
  const sources: Source[] = [];
  for (const group of sourceOptionGroups) sources.push(...(await group.buildSources({ ...(flags as unknown as Record<string, unknown>), hasPaths: paths.length > 0 }, io)));

  const options = applyV3MetricsFlags(readMetricsConfig(flags.metricsConfig === undefined ? undefined : resolve(io.cwd, flags.metricsConfig)), flags);
  const metrics = { options, build: { version: packageVersion() }, public: flags.metricsPublic === true };
  const spec = parseStoreSpec(flags.database ?? flags.db ?? "./certdoctor.db", io.cwd);
  const log = createLogger(io.stderr);
  const elect = await leaderElection(flags, sources, log);
  const store = await openStore(spec);
  let server;
  try {
    server = await startServer({ paths, scopes, sources, store, host, port, ...(tls ? { tls } : {}), auth, intervalMs, retentionMs, warnDays, critDays, agentSilentAfterMs, ...(fixedNow ? { fixedNow } : {}), log, ...(debounceMs === undefined ? {} : { debounceMs }), metrics, ...(elect ? { elect } : {}) });
  } catch (err) {
    await store.close();
    throw err;
  }
  log("info", "serving", { url: server.url, database: spec.backend === "sqlite" ? spec.path : "postgres", paths, sources: sources.map((s) => s.kind), auth: auth.required });
  io.stdout(`Dashboard: ${server.url}/\n`);

  await new Promise<void>((done) => {
    const stop = () => done();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    stopSignal?.addEventListener("abort", stop, { once: true });
    if (stopSignal?.aborted) stop();
    // a configuration problem found by a source (rejected credentials) also ends the server
    server.stopped.addEventListener("abort", stop, { once: true });
  });
  log("info", "shutting down");
  await server.close();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  server.throwIfFatal();
  return 0;
}

export function registerServe(program: Command, io: CliIO, setExit: (code: number) => void): void {
  let cmd = program
    .command("serve")
    .description("run continuously: scan paths, the cluster and endpoints, accept agent reports, keep the history of every certificate change, serve the JSON API")
    .option("-p, --path <[name=]path>", "file or directory to rescan on the interval and on change (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[]);
  for (const group of sourceOptionGroups) cmd = group.addOptions(cmd);
  cmd = cmd
    .option("--database <db>", "the store: a file path or sqlite:PATH (SQLite, default ./certdoctor.db), or postgres://USER@HOST:PORT/DB")
    .option("--db <db>", "same as --database")
    .option("--listen <host:port>", "address to serve on (default 127.0.0.1:8080; all interfaces must be asked for: 0.0.0.0:PORT)")
    .option("--interval <duration>", "rescan paths and re-probe endpoints this often", "5m")
    .option("--retention <duration>", "delete history older than this", "90d")
    .option("--token-file <file>", "API bearer tokens, one a line (re-read when it changes)")
    .option("--no-auth", "serve without tokens (loopback only, for demos)")
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM)")
    .option("--tls-key <file>", "… and this key")
    .option("--client-ca <file>", "accept agent client certificates signed by these CAs (mTLS) besides tokens")
    .option("--agent-silent-after <duration>", "an agent is silent after this long without a report", "3h")
    .option("--now <iso8601>", "evaluate every scan as if at this time")
    .option("--warn-days <days>", "warn when a certificate expires within DAYS", "30")
    .option("--crit-days <days>", "critical when it expires within DAYS", "7")
    .option("--debounce-ms <ms>", "wait this long after a file or cluster change before rescanning (default 500)")
    .option("--metrics-config <file>", "metrics options for /metrics (YAML/JSON, docs/metrics.md)")
    .option("--metrics-public", "serve /metrics without the bearer token (as Prometheus exporters are scraped)");
  cmd = addLeaderElectOptions(cmd, "scan and write only while holding a coordination.k8s.io Lease (several replicas on one PostgreSQL); every replica serves the API, /metrics and the dashboard", "certdoctor-serve")
    .option("--config <file>", "YAML file with the same keys as these flags (flags win)")
    .option("--demo", "serve the embedded demo cluster at its reference time from a fresh store, without tokens, on a free loopback port");
  for (const [spec, help] of V3_METRICS_FLAGS) cmd.option(spec, help);
  cmd.action(async (flags: ServeFlags) => {
    if (flags.config !== undefined) applyServeConfig(cmd, flags as unknown as Record<string, unknown>, readServeConfig(resolve(io.cwd, flags.config)));
    setExit(await runServe(flags, io));
  });
}
