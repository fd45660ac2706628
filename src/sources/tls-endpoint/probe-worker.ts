import { createSecureContext } from "node:tls";
import { parentPort, workerData } from "node:worker_threads";
import type { ProbeResult } from "./probe.js";
import type { ProbeWorkerData, ProbeWorkerMessage } from "./probe-pool.js";
import { launchProbes } from "./probe-queue.js";

// One probe worker: probes its share of the targets and posts results back in batches (one message per
// turn of the event loop, not one per probe). The pool stops it with terminate().
const data = workerData as ProbeWorkerData;
const stop = new AbortController();
const pending = launchProbes(data.targets, {
  timeoutMs: data.timeoutMs,
  secureContext: createSecureContext({ ca: [] as string[] }),
  maxChain: data.maxChain,
  clientCAs: data.clientCAs,
  capture: data.capture,
  concurrency: data.concurrency,
  signal: stop.signal,
});
let batch: Array<[number, ProbeResult]> = [];
let scheduled = false;
const flush = () => {
  scheduled = false;
  if (batch.length === 0) return;
  const message: ProbeWorkerMessage = { type: "results", results: batch };
  batch = [];
  parentPort?.postMessage(message);
};
pending.forEach((p, k) =>
  void p.then((r) => {
    batch.push([k, r]);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }),
);
