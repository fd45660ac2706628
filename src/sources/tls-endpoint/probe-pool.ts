import { Worker } from "node:worker_threads";
import { ErrorCode } from "../../errors.js";
import type { CaptureMode, ProbeError, ProbeResult } from "./probe.js";
import type { EndpointTarget } from "./spec.js";

/** What a probe worker is started with. */
export interface ProbeWorkerData {
  targets: EndpointTarget[];
  concurrency: number;
  timeoutMs: number;
  maxChain: number;
  clientCAs: boolean;
  capture?: CaptureMode;
}

/** Worker → pool: finished probes (batched), by index into the worker's own targets. */
export type ProbeWorkerMessage = { type: "results"; results: Array<[number, ProbeResult]> };

export interface ProbePoolOptions {
  workers: number;
  /** Total probes in flight, split across the workers. */
  concurrency: number;
  timeoutMs: number;
  maxChain: number;
  clientCAs: boolean;
  capture?: CaptureMode;
}

export interface ProbePool {
  /** One promise per target, in target order; each settles (never rejects). */
  readonly results: ReadonlyArray<Promise<ProbeResult>>;
  readonly workers: readonly Worker[];
  /** Stops the workers; every unsettled target settles as ABORTED. Idempotent. */
  stop(): void;
}

/** The parent's Node flags minus those a worker rejects (`--input-type` of `node -e`). */
function workerExecArgv(): string[] {
  return process.execArgv.filter((a) => !a.startsWith("--input-type"));
}

/** Code of a target whose worker died or failed before probing it. */
export const WORKER_FAILED = ErrorCode.PROBE_WORKER_FAILED;

/**
 * Probes `targets` in `workers` worker threads (each with its own event loop, TLS context and a share of
 * the concurrency). Target i goes to worker i mod W, so every worker advances through the list at the
 * same pace and results can be consumed in order. A worker that errors or exits early turns its
 * unsettled targets into PROBE_WORKER_FAILED results; nothing waits on a dead worker.
 */
export function startProbePool(targets: readonly EndpointTarget[], opts: ProbePoolOptions): ProbePool {
  const count = Math.max(1, Math.min(opts.workers, targets.length));
  const settlers: Array<((r: ProbeResult) => void) | undefined> = [];
  const results = targets.map(() => new Promise<ProbeResult>((resolve) => settlers.push(resolve)));
  const settle = (i: number, r: ProbeResult) => {
    const s = settlers[i];
    settlers[i] = undefined;
    s?.(r);
  };
  const workers: Worker[] = [];
  const owned: number[][] = [];
  const settleRest = (w: number, error: ProbeError) => {
    for (const i of owned[w]!) settle(i, { chain: [], error });
  };
  for (let w = 0; w < count; w++) {
    const indexes: number[] = [];
    for (let i = w; i < targets.length; i += count) indexes.push(i);
    owned.push(indexes);
    const share = Math.max(1, Math.floor(opts.concurrency / count) + (w < opts.concurrency % count ? 1 : 0));
    const data: ProbeWorkerData = { targets: indexes.map((i) => targets[i]!), concurrency: share, timeoutMs: opts.timeoutMs, maxChain: opts.maxChain, clientCAs: opts.clientCAs, capture: opts.capture };
    let worker: Worker;
    try {
      worker = new Worker(new URL("./probe-worker.js", import.meta.url), { workerData: data, execArgv: workerExecArgv() });
    } catch (err) {
      settleRest(w, { code: WORKER_FAILED, message: `probe worker did not start: ${(err as Error).message}` });
      continue;
    }
    worker.on("message", (m: ProbeWorkerMessage) => {
      if (m?.type !== "results") return;
      for (const [k, r] of m.results) if (k >= 0 && k < indexes.length) settle(indexes[k]!, r);
    });
    worker.on("error", (err) => settleRest(w, { code: WORKER_FAILED, message: `probe worker failed: ${err.message}` }));
    worker.on("exit", (code) => settleRest(w, { code: WORKER_FAILED, message: `probe worker exited (code ${code}) before probing this endpoint` }));
    workers.push(worker);
  }
  let stopped = false;
  return {
    results,
    workers,
    stop() {
      if (stopped) return;
      stopped = true;
      for (let w = 0; w < owned.length; w++) settleRest(w, { code: "ABORTED", message: "scan cancelled" });
      for (const worker of workers) void worker.terminate();
    },
  };
}
