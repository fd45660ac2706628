/**
 * Wires the approver together for the CLI: the reconciler over the API, `--once` or the control loop,
 * optional leader election and the /metrics endpoint. Loaded lazily by `certdoctor approver` (it pulls in
 * @kubernetes/client-node).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { KubeClient } from "../sources/kubernetes/client.js";
import { CONTENT_TYPES } from "../metrics/text-format.js";
import { decideOnce, ListFailedError, runController } from "./controller.js";
import { KubeApproverApi, type ApproverApi } from "./kube-api.js";
import { DEFAULT_LEADER_TIMING, LeaderElector } from "./leader.js";
import { ApproverMetrics } from "./metrics.js";
import type { ApprovalConfig } from "./policies.js";
import { Reconciler, type Decision } from "./reconcile.js";

export interface ApproverRunOptions {
  client: KubeClient;
  config: ApprovalConfig;
  dryRun: boolean;
  deny: boolean;
  once: boolean;
  leaderElection?: { namespace: string; name: string; identity: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** host:port for /metrics and /healthz; port 0 picks one (printed). */
  metricsAddr?: { host: string; port: number };
  log: (line: string) => void;
  signal: AbortSignal;
  /** Tests: the API the reconciler writes through (default: client-node on the client's kubeconfig). */
  api?: ApproverApi;
  onRound?: (decisions: Decision[]) => void;
  onMetricsListening?: (url: string) => void;
}

export async function runApproverCommand(o: ApproverRunOptions): Promise<Decision[]> {
  const api = o.api ?? new KubeApproverApi(o.client.kc);
  const metrics = new ApproverMetrics();
  const reconciler = new Reconciler(api, { config: o.config, dryRun: o.dryRun, deny: o.deny, log: o.log, metrics, now: () => new Date() });
  const all: Decision[] = [];
  const onRound = (d: Decision[]) => {
    all.push(...d);
    metrics.lastRoundSeconds = Math.floor(Date.now() / 1000);
    o.onRound?.(d);
  };
  if (o.config.serviceCidrs.length === 0) o.log("note: no serviceCidrs in the config: IP SANs inside the Service CIDR are refused only when it is configured");
  if (o.once) {
    metrics.leader = 1;
    try {
      await decideOnce(o.client, reconciler, { log: o.log, onRound }, o.signal);
    } catch (err) {
      if (err instanceof ListFailedError) throw new CertdoctorError(ErrorCode.ERR_SOURCE_UNAVAILABLE, `cannot list kubelet-serving CSRs and Nodes from ${o.client.where}: ${err.message}`);
      throw err;
    }
    return all;
  }
  const server = o.metricsAddr ? await serveMetrics(o.metricsAddr, metrics, o.onMetricsListening) : undefined;
  try {
    const work = (signal: AbortSignal) => runController(o.client, reconciler, { log: o.log, onRound }, signal);
    if (o.leaderElection) {
      const le = o.leaderElection;
      const elector = new LeaderElector(api, { ...DEFAULT_LEADER_TIMING, ...dropUndefined(le), log: o.log });
      await elector.run(o.signal, async (leading) => {
        metrics.leader = 1;
        try {
          await work(leading);
        } finally {
          metrics.leader = 0;
        }
      });
    } else {
      metrics.leader = 1;
      await work(o.signal);
    }
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
  return all;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

async function serveMetrics(addr: { host: string; port: number }, metrics: ApproverMetrics, onListening?: (url: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": CONTENT_TYPES.text }).end(metrics.render("text"));
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    res.writeHead(404).end();
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new CertdoctorError(ErrorCode.ERR_USAGE, `--metrics-addr ${addr.host}:${addr.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err })));
    server.listen(addr.port, addr.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  onListening?.(`http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}/metrics`);
  return server;
}
