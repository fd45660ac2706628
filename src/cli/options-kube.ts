import { resolve } from "node:path";
import type { Command } from "commander";
import { CertdoctorError, ErrorCode } from "../errors.js";
import type { Source } from "../model/scan.js";
import { sources as registry } from "../sources/index.js";
import type { KubeSource, KubeSourceOptions } from "../sources/kubernetes/index.js";
import { DEFAULT_BURST, DEFAULT_QPS } from "../sources/kubernetes/throttle.js";
import type { CliIO } from "./io.js";
import { parseDuration } from "./options.js";
import type { SourceOptionGroup } from "./source-options.js";

export interface KubeFlags {
  kube?: boolean;
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  namespace?: string[];
  kubeQps?: string;
  kubeBurst?: string;
  kubeTimeout?: string;
  /** The command also scans paths: --namespace alone then filters the report instead of reading a cluster. */
  hasPaths?: boolean;
}

function parseRate(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 100_000) throw new CertdoctorError(ErrorCode.ERR_USAGE, `${flag}: expected a positive number, got "${value}"`);
  return n;
}

/**
 * The Kubernetes API sources the flags ask for: one per cluster configuration (kubeconfig and/or in-cluster).
 * The source (and with it @kubernetes/client-node: ~0.4 s and ~100 MiB to load) is loaded only when asked for (sources/index.ts).
 */
export async function buildKubeSources(f: KubeFlags, io: CliIO): Promise<KubeSource[]> {
  const namespaces = (f.namespace ?? []).flatMap((n) => n.split(",")).map((n) => n.trim()).filter((n) => n !== "");
  const wantsKubeconfig = f.kube === true || f.kubeconfig !== undefined || f.context !== undefined || (namespaces.length > 0 && f.inCluster !== true && f.hasPaths !== true);
  if (!wantsKubeconfig && f.inCluster !== true) {
    if (f.kubeQps !== undefined || f.kubeBurst !== undefined) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--kube-qps/--kube-burst need --kube, --kubeconfig or --in-cluster");
    return [];
  }
  for (const ns of namespaces) if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--namespace: "${ns}" is not a valid namespace name`);
  const qps = parseRate("--kube-qps", f.kubeQps);
  const burst = parseRate("--kube-burst", f.kubeBurst);
  const common: KubeSourceOptions = {
    ...(namespaces.length > 0 ? { namespaces } : {}),
    ...(qps === undefined ? {} : { qps }),
    ...(burst === undefined ? {} : { burst: Math.max(1, Math.floor(burst)) }),
  };
  const sources: KubeSource[] = [];
  if (wantsKubeconfig) {
    sources.push(await registry.kubernetes.make({ ...common, ...(f.kubeconfig === undefined ? {} : { kubeconfig: resolve(io.cwd, f.kubeconfig) }), ...(f.context === undefined ? {} : { context: f.context }) }));
  }
  if (f.inCluster === true) sources.push(await registry.kubernetes.make({ ...common, inCluster: true }));
  // Config problems throw at startup, before anything is read.
  for (const s of sources) s.connect();
  return sources;
}

export const DEFAULT_KUBE_TIMEOUT_MS = 10_000;

/** `--kube-timeout`: a duration ("30s", "2m") or a number of seconds. */
export function kubeTimeoutMs(f: KubeFlags): number {
  if (f.kubeTimeout === undefined) return DEFAULT_KUBE_TIMEOUT_MS;
  return parseDuration("--kube-timeout", f.kubeTimeout, { min: 1000, max: 3_600_000 });
}

/**
 * Before a scan or watch: every source that can tell whether it is readable at all does so, so that an
 * unreachable or unauthenticated cluster is exit 2 naming the server, not a green report of nothing.
 */
export async function preflightSources(sources: readonly Source[], f: KubeFlags): Promise<void> {
  const timeout = kubeTimeoutMs(f);
  await Promise.all(sources.map((s) => s.preflight?.(timeout)));
}

/** Adds the Kubernetes API flags to a command (`scan` and `watch`). */
export function addKubeOptions(cmd: Command): Command {
  return cmd
    .option("--kube", "read the cluster of the current kubeconfig context ($KUBECONFIG or ~/.kube/config)")
    .option("--kubeconfig <file>", "read the cluster this kubeconfig points at")
    .option("--context <name>", "kubeconfig context to use (default: current-context)")
    .option("--in-cluster", "read the cluster this pod runs in, with its service account")
    .option("-n, --namespace <names>", "only these namespaces (comma-separated, repeatable); needs only namespaced Roles", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--kube-qps <n>", `client-side request rate limit (default ${DEFAULT_QPS})`)
    .option("--kube-burst <n>", `client-side request burst (default ${DEFAULT_BURST})`)
    .option("--kube-timeout <duration>", "give up when the cluster does not answer within this (e.g. 10s, 1m; default 10s): exit 2");
}

/** `--kube`, `--kubeconfig`, `--context`, `--in-cluster`, `--namespace`, `--kube-qps`, `--kube-burst`: the Kubernetes API. */
export const kubeOptions: SourceOptionGroup = {
  addOptions: addKubeOptions,
  buildSources(flags, io): Promise<Source[]> {
    return buildKubeSources(flags as KubeFlags, io);
  },
};
