/**
 * `certdoctor approver`: approves kubelet-serving CSRs only when every name in them is the requesting
 * node's own (src/controller/policies.ts), leaves or denies the rest with an Event and a log line.
 * `--once` decides every pending CSR and exits 0; otherwise it runs until SIGINT/SIGTERM (or
 * --max-duration), optionally under leader election. Decisions go to stdout, log lines to stderr.
 */
import { setMaxListeners } from "node:events";
import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { Decision } from "../../controller/reconcile.js";
import type { CliIO } from "../io.js";
import { buildKubeSources, preflightSources, type KubeFlags } from "../options-kube.js";
import { addLeaderElectOptions, leaderElectSettings, type LeaderElectFlags } from "../leader-elect.js";
import { parsePositiveInt } from "../options.js";

export interface ApproverFlags extends KubeFlags, LeaderElectFlags {
  config?: string;
  dryRun?: boolean;
  once?: boolean;
  deny?: boolean;
  format?: string;
  metricsAddr?: string;
  maxDuration?: string;
}

function parseAddr(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--metrics-addr: expected HOST:PORT or :PORT, got "${text}"`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

function decisionLine(d: Decision, dryRun: boolean): string {
  const who = d.node ? ` (node ${d.node})` : "";
  const what = d.action === "approved" ? "approved" : d.action === "denied" ? "denied" : d.action === "retry" ? "undecided" : "pending";
  return `${dryRun ? "dry-run " : ""}${what.padEnd(9)} ${d.csr}${who}${d.action === "approved" ? "" : `: ${d.reason}: ${d.message}`}\n`;
}

export async function runApprover(flags: ApproverFlags, io: CliIO, stopSignal?: AbortSignal): Promise<number> {
  const json = flags.format === "json";
  if (flags.format !== undefined && !["json", "text"].includes(flags.format)) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--format: expected text or json, got "${flags.format}"`);
  const { readApprovalConfig } = await import("../../controller/config.js");
  const config = readApprovalConfig(flags.config);
  const metricsAddr = flags.metricsAddr === undefined ? undefined : parseAddr(flags.metricsAddr);
  const maxMs = flags.maxDuration === undefined ? undefined : parsePositiveInt("--max-duration", flags.maxDuration, 1) * 1000;
  if (flags.once && flags.leaderElect) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--once decides and exits: it does not take --leader-elect");
  const leaderElection = leaderElectSettings(flags);
  const sources = await buildKubeSources({ ...flags, namespace: [] }, io);
  if (sources.length !== 1) throw new CertdoctorError(ErrorCode.ERR_USAGE, sources.length === 0 ? "approver needs a cluster: --kube, --kubeconfig FILE or --in-cluster" : "approver works on one cluster: give --kubeconfig/--kube or --in-cluster, not both");
  await preflightSources(sources, flags);
  const client = sources[0]!.connect();

  const stop = new AbortController();
  setMaxListeners(256, stop.signal);
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  stopSignal?.addEventListener("abort", onSignal, { once: true });
  const timer = maxMs === undefined ? undefined : setTimeout(onSignal, maxMs);
  const log = (line: string) => io.stderr(json ? `${JSON.stringify({ at: new Date().toISOString(), log: line })}\n` : `${new Date().toISOString()} ${line}\n`);
  const printRound = (ds: Decision[]) => {
    for (const d of ds) io.stdout(json ? `${JSON.stringify({ ...d, dryRun: flags.dryRun === true })}\n` : decisionLine(d, flags.dryRun === true));
  };
  try {
    const { runApproverCommand } = await import("../../controller/run.js");
    await runApproverCommand({
      client,
      config,
      dryRun: flags.dryRun === true,
      deny: flags.deny === true,
      once: flags.once === true,
      ...(leaderElection ? { leaderElection } : {}),
      ...(metricsAddr ? { metricsAddr } : {}),
      log,
      signal: stop.signal,
      onRound: printRound,
      onMetricsListening: (url) => log(`metrics at ${url}`),
    });
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  return 0;
}

export function registerApprover(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const cmd = program
    .command("approver")
    .description("approve kubelet-serving CSRs whose names are all the requesting node's own; leave (or deny) the rest with an Event")
    .option("--kube", "use the cluster of the current kubeconfig context ($KUBECONFIG or ~/.kube/config)")
    .option("--kubeconfig <file>", "use the cluster this kubeconfig points at")
    .option("--context <name>", "kubeconfig context to use (default: current-context)")
    .option("--in-cluster", "use the cluster this pod runs in, with its service account")
    .option("--kube-timeout <duration>", "give up when the cluster does not answer within this at start (default 10s): exit 2")
    .option("--config <file>", "policy settings (YAML/JSON): serviceCidrs, allowedDnsNames, allowedIpCidrs, maxExpirationSeconds, ... (docs/approver.md)")
    .option("--dry-run", "decide and report, write nothing (no approval, denial or Event)")
    .option("--once", "decide every pending kubelet-serving CSR once and exit 0")
    .option("--deny", "deny refused CSRs (default: leave them pending, with an Event)")
    .option("--format <format>", "text or json (one JSON object per decision and log line)");
  addLeaderElectOptions(cmd, "run only while holding a coordination.k8s.io Lease (for several replicas)", "certdoctor-approver")
    .option("--metrics-addr <host:port>", "serve /metrics and /healthz here, e.g. :9090")
    .option("--max-duration <seconds>", "stop after this many seconds")
    .action(async (flags: ApproverFlags) => {
      setExit(await runApprover(flags, io));
    });
}
