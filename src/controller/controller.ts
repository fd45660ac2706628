/**
 * The approver's control loop: list-then-watch kubelet-serving CSRs (field selector spec.signerName) and
 * Nodes, queue every CSR that changed (and every pending one when a Node changed: its addresses decide),
 * and decide the queue in rounds. A CSR that could not be decided (Node not registered, conflict, API
 * failure, a second CSR from one node) is queued again after a per-CSR exponential backoff. `decideOnce`
 * is the `--once` mode: one list of each, one round, done.
 */
import type { KubeClient, KubeFailure } from "../sources/kubernetes/client.js";
import type { KindSpec } from "../sources/kubernetes/kinds.js";
import { sleep as realSleep, type Sleep } from "../sources/kubernetes/throttle.js";
import { Informer, type KubeJson } from "./informer.js";
import { KUBELET_SERVING_SIGNER, type NodeFacts } from "./policies.js";
import { isKubeletServing, isPending, nodeFacts, type Decision, type Reconciler } from "./reconcile.js";

export const CSR_SPEC: KindSpec = {
  apiVersion: "certificates.k8s.io/v1",
  kind: "CertificateSigningRequest",
  group: "certificates.k8s.io",
  resource: "certificatesigningrequests",
  namespaced: false,
  fieldSelector: `spec.signerName=${KUBELET_SERVING_SIGNER}`,
};
export const NODE_SPEC: KindSpec = { apiVersion: "v1", kind: "Node", group: "", resource: "nodes", namespaced: false };

export interface ControllerOptions {
  log: (line: string) => void;
  /** Collects changes arriving together into one round (default 200 ms). */
  batchMs?: number;
  /** Requeue backoff per CSR: base and cap (default 1 s .. 5 min). */
  retryBaseMs?: number;
  retryCapMs?: number;
  sleep?: Sleep;
  random?: () => number;
  onRound?: (decisions: Decision[]) => void;
}

function nodeMap(nodes: Informer): Map<string, NodeFacts> {
  return new Map([...nodes.objects.values()].map((o) => [o.metadata?.name ?? "", nodeFacts(o)]));
}

function logFailure(log: (line: string) => void) {
  return (what: string, f: KubeFailure) => log(`${what}: ${f.kind}${"status" in f && f.status ? ` (HTTP ${f.status})` : ""}${"reason" in f ? `: ${f.reason}` : ""}; retrying`);
}

/** `--once`: list CSRs and Nodes, decide every pending kubelet-serving CSR once. Throws when a list fails. */
export async function decideOnce(client: KubeClient, reconciler: Reconciler, o: ControllerOptions, signal: AbortSignal): Promise<Decision[]> {
  const failures: string[] = [];
  const onError = (what: string, f: KubeFailure) => failures.push(`${what}: ${f.kind}`);
  const csrs = new Informer(client, CSR_SPEC, { onChange: () => undefined, onError });
  const nodes = new Informer(client, NODE_SPEC, { onChange: () => undefined, onError });
  const ok = (await csrs.list(signal)) && (await nodes.list(signal));
  if (!ok) throw new ListFailedError(failures.join("; "));
  const decisions = await reconciler.round(csrs.objects.values(), nodeMap(nodes));
  o.onRound?.(decisions);
  return decisions;
}

export class ListFailedError extends Error {
  override readonly name = "ListFailedError";
}

/** Runs until `signal` aborts. */
export async function runController(client: KubeClient, reconciler: Reconciler, o: ControllerOptions, signal: AbortSignal): Promise<void> {
  const sleep = o.sleep ?? realSleep;
  const random = o.random ?? Math.random;
  const queue = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Map<string, NodeJS.Timeout>();
  let wake: (() => void) | undefined;
  const enqueue = (name: string) => {
    queue.add(name);
    wake?.();
  };
  const requeueLater = (name: string) => {
    if (timers.has(name)) return;
    const n = failures.get(name) ?? 0;
    failures.set(name, n + 1);
    const step = Math.min(o.retryCapMs ?? 300_000, (o.retryBaseMs ?? 1000) * 2 ** Math.min(n, 20));
    const delay = Math.round(step / 2 + random() * (step / 2));
    timers.set(name, setTimeout(() => {
      timers.delete(name);
      enqueue(name);
    }, delay));
  };
  const drop = (name: string) => {
    failures.delete(name);
    const t = timers.get(name);
    if (t) clearTimeout(t);
    timers.delete(name);
    reconciler.forget(name);
  };

  const onError = logFailure(o.log);
  const csrs = new Informer(client, CSR_SPEC, {
    onError,
    onChange: (type, obj) => {
      const name = obj.metadata?.name ?? "";
      if (type === "DELETED" || !isPending(obj)) return drop(name);
      enqueue(name);
    },
  });
  const pendingCsrs = () => [...csrs.objects.values()].filter((c) => isKubeletServing(c) && isPending(c));
  const nodes = new Informer(client, NODE_SPEC, {
    onError,
    // a Node's addresses decide its CSRs (and, for shared addresses, everyone's): look at the pending ones again
    onChange: () => {
      if (csrs.synced) for (const c of pendingCsrs()) enqueue(c.metadata?.name ?? "");
    },
  });
  const informers = Promise.all([csrs.run(signal), nodes.run(signal)]);
  try {
    while (!signal.aborted) {
      if (queue.size === 0 || !csrs.synced || !nodes.synced) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            signal.removeEventListener("abort", done);
            wake = undefined;
            resolve();
          };
          const t = setTimeout(done, 1000);
          wake = done;
          signal.addEventListener("abort", done, { once: true });
        });
        continue;
      }
      await sleep(o.batchMs ?? 200, signal);
      if (signal.aborted) break;
      const names = [...queue];
      queue.clear();
      const objs = names.map((n) => csrs.objects.get(n)).filter((c): c is KubeJson => c !== undefined);
      const decisions = await reconciler.round(objs, nodeMap(nodes));
      for (const d of decisions) {
        if (d.action === "retry") requeueLater(d.csr);
        else failures.delete(d.csr);
      }
      o.onRound?.(decisions);
    }
  } finally {
    for (const t of timers.values()) clearTimeout(t);
    await informers;
  }
}
