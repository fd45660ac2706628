/**
 * `--probe-discovered`: the TLS endpoints a connected cluster tells us about, fed to the endpoint source.
 * The API server (the kubeconfig's server URL, its CA as the endpoint's anchor), every Node's kubelet
 * (InternalIP:10250, SNI = node name), KubeEdge CloudCore (:10000, :10002) when Service kubeedge/cloudcore
 * exists, and the Services behind webhooks and APIServices (by ClusterIP, SNI `NAME.NAMESPACE.svc`).
 * What cannot be listed is an issue (the scan goes on); what is listed but unreachable from here (a
 * ClusterIP outside the cluster) comes out of the probe as an `endpoint-unreachable` finding.
 */
import { formatRef, makeRef, namedRef, objectRef } from "../../model/ref.js";
import { isIP } from "node:net";
import { ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext, Source } from "../../model/scan.js";
import { endpointSource, type EndpointSourceOptions } from "../tls-endpoint/index.js";
import type { EndpointTarget } from "../tls-endpoint/spec.js";
import { KubeRequestError, type KubeClient } from "./client.js";
import type { KindSpec } from "./kinds.js";
import { DEFAULT_PAGE_SIZE, failureIssue, listObjects } from "./list.js";

export const KUBELET_PORT = 10250;
export const CLOUDCORE_PORTS = [10000, 10002] as const;
/** Most endpoints taken from one cluster (a bound, not a target). */
export const MAX_DISCOVERED = 100_000;

export interface DiscoverOptions {
  /** Kubelet port probed on every node (default 10250). */
  kubeletPort?: number;
}

const SPECS = {
  node: { apiVersion: "v1", kind: "Node", group: "", resource: "nodes", namespaced: false },
  service: { apiVersion: "v1", kind: "Service", group: "", resource: "services", namespaced: true },
  vwh: { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", namespaced: false },
  mwh: { apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", namespaced: false },
  apiservice: { apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", group: "apiregistration.k8s.io", resource: "apiservices", namespaced: false },
} satisfies Record<string, KindSpec>;

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The endpoints to probe and the issues met while finding them. */
export async function discoverClusterEndpoints(client: KubeClient, opts: DiscoverOptions, signal?: AbortSignal): Promise<{ targets: EndpointTarget[]; issues: ScanIssue[] }> {
  const targets: EndpointTarget[] = [];
  const issues: ScanIssue[] = [];
  const seen = new Set<string>();
  const add = (t: EndpointTarget) => {
    const key = `${t.host}|${t.port}|${t.sni ?? ""}`;
    if (seen.has(key) || targets.length >= MAX_DISCOVERED) return;
    seen.add(key);
    targets.push(t);
  };
  const list = async (spec: KindSpec, namespace?: string): Promise<Obj[]> => {
    const out: Obj[] = [];
    try {
      for await (const { object } of listObjects(client, spec, namespace, DEFAULT_PAGE_SIZE, signal)) if (out.length < MAX_DISCOVERED) out.push(rec(object));
    } catch (err) {
      if (!(err instanceof KubeRequestError)) throw err;
      issues.push(failureIssue(spec, "list", namespace, err.failure, client.server));
    }
    return out;
  };

  // The API server, as this kubeconfig reaches it, with the kubeconfig's CA as what its clients trust.
  const api = apiServerTarget(client, issues);
  if (api) add(api);

  // Every node's kubelet.
  const kubeletPort = opts.kubeletPort ?? KUBELET_PORT;
  for (const node of await list(SPECS.node)) {
    const name = str(rec(node.metadata).name);
    const ip = arr(rec(node.status).addresses).map(rec).find((a) => a.type === "InternalIP" && isIP(String(a.address)) !== 0)?.address;
    if (name === undefined) continue;
    if (typeof ip !== "string") {
      issues.push({ code: ErrorCode.ERR_SOURCE_SKIPPED, ref: formatRef(namedRef("node", name)), message: `node ${name} has no InternalIP address: its kubelet was not probed`, material: false });
      continue;
    }
    add({ host: ip, port: kubeletPort, ...(sniOk(name) ? { sni: name } : {}) });
  }

  // Services: CloudCore, and those behind webhooks and APIServices.
  const wanted = new Map<string, Set<number>>(); // "ns/name" -> ports
  const want = (ns: string | undefined, name: string | undefined, port: number) => {
    if (ns === undefined || name === undefined) return;
    const k = `${ns}/${name}`;
    if (!wanted.has(k)) wanted.set(k, new Set());
    wanted.get(k)!.add(port);
  };
  for (const spec of [SPECS.vwh, SPECS.mwh]) {
    for (const cfg of await list(spec)) {
      for (const hook of arr(cfg.webhooks).map(rec)) {
        const svc = rec(rec(hook.clientConfig).service);
        want(str(svc.namespace), str(svc.name), typeof svc.port === "number" ? svc.port : 443);
      }
    }
  }
  for (const apisvc of await list(SPECS.apiservice)) {
    const svc = rec(rec(apisvc.spec).service);
    want(str(svc.namespace), str(svc.name), typeof svc.port === "number" ? svc.port : 443);
  }
  const namespaces = new Set([...wanted.keys()].map((k) => k.split("/")[0]!));
  namespaces.add("kubeedge");
  for (const ns of [...namespaces].sort()) {
    for (const svc of await list(SPECS.service, ns)) {
      const name = str(rec(svc.metadata).name);
      const spec = rec(svc.spec);
      const clusterIP = str(spec.clusterIP);
      if (name === undefined) continue;
      const ports = wanted.get(`${ns}/${name}`) ?? new Set<number>();
      if (ns === "kubeedge" && name === "cloudcore") for (const p of CLOUDCORE_PORTS) ports.add(p);
      if (ports.size === 0) continue;
      wanted.delete(`${ns}/${name}`);
      if (clusterIP === undefined || isIP(clusterIP) === 0) {
        issues.push({ code: ErrorCode.ERR_SOURCE_SKIPPED, ref: formatRef(objectRef("service", ns, name)), message: `Service ${ns}/${name} has no ClusterIP (headless or ExternalName): not probed`, material: false });
        continue;
      }
      // From outside the cluster a ClusterIP is usually unreachable: the probe then says so (endpoint-unreachable).
      for (const port of [...ports].sort((a, b) => a - b)) add({ host: clusterIP, port, sni: `${name}.${ns}.svc` });
    }
  }
  for (const k of wanted.keys()) issues.push({ code: ErrorCode.ERR_SOURCE_SKIPPED, ref: formatRef(makeRef("service", k)), message: `Service ${k} (used by a webhook or APIService) was not found: not probed`, material: false });
  return { targets, issues };
}

function sniOk(name: string): boolean {
  return isIP(name) === 0 && /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/i.test(name);
}

function apiServerTarget(client: KubeClient, issues: ScanIssue[]): EndpointTarget | undefined {
  const cluster = client.kc.getCurrentCluster();
  if (!cluster) return undefined;
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    issues.push({ code: ErrorCode.ERR_SOURCE_SKIPPED, ref: formatRef(namedRef("cluster", cluster.name)), message: "the kubeconfig's server is not a URL: the API server was not probed", material: false });
    return undefined;
  }
  if (url.protocol !== "https:") return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const target: EndpointTarget = { host, port: url.port === "" ? 443 : Number(url.port) };
  if (cluster.tlsServerName) target.sni = cluster.tlsServerName;
  if (cluster.caFile) target.ca = cluster.caFile;
  else if (cluster.caData) target.caData = { ref: formatRef(namedRef("cluster", cluster.name, "certificate-authority-data")), bytes: Buffer.from(cluster.caData, "base64") };
  return target;
}

/** A source that asks the cluster for its endpoints, then probes them with the endpoint source. */
export function discoveredEndpointSource(connect: () => KubeClient, discover: DiscoverOptions, probe: EndpointSourceOptions = {}): Source {
  return {
    kind: "tls-endpoint",
    async *discover(ctx: ReadContext): AsyncIterable<RawItem | ScanIssue> {
      const { targets, issues } = await discoverClusterEndpoints(connect(), discover, ctx.signal);
      yield* issues;
      if (ctx.signal?.aborted) return;
      yield* endpointSource(targets, probe).discover(ctx);
    },
  };
}

