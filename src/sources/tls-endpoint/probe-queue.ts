import { setMaxListeners } from "node:events";
import type { SecureContext } from "node:tls";
import { ErrorCode } from "../../errors.js";
import { probeEndpoint, type CaptureMode, type ProbeResult } from "./probe.js";
import type { EndpointTarget } from "./spec.js";

export interface ProbeQueueOptions {
  timeoutMs: number;
  secureContext: SecureContext;
  maxChain: number;
  clientCAs: boolean;
  capture?: CaptureMode;
  /** Probes in flight at once (at least 1). */
  concurrency: number;
  /** Aborting settles every probe (running ones with ABORTED) and launches no more. */
  signal: AbortSignal;
}

/**
 * Probes `targets` with at most `concurrency` in flight: one promise per target, in target order, each
 * settling (never rejecting) once that probe is done. Targets not yet launched when the signal aborts
 * settle as ABORTED. Used on the main thread for small runs and inside each probe worker.
 */
export function launchProbes(targets: readonly EndpointTarget[], opts: ProbeQueueOptions): Array<Promise<ProbeResult>> {
  const concurrency = Math.max(1, opts.concurrency);
  // Each running probe listens on the signal (two sockets each).
  setMaxListeners(2 * concurrency + 8, opts.signal);
  const probeOpts = { timeoutMs: opts.timeoutMs, secureContext: opts.secureContext, maxChain: opts.maxChain, clientCAs: opts.clientCAs, capture: opts.capture, signal: opts.signal };
  const starts: Array<(r: Promise<ProbeResult>) => void> = [];
  const results = targets.map(() => new Promise<ProbeResult>((resolve) => starts.push(resolve)));
  let next = 0;
  let running = 0;
  const done = () => {
    running--;
    launch();
  };
  const launch = () => {
    while (next < targets.length && running < concurrency && !opts.signal.aborted) {
      running++;
      const p = probeEndpoint(targets[next]!, probeOpts);
      starts[next++]!(p);
      void p.then(done);
    }
  };
  const abandon = () => {
    while (next < targets.length) starts[next++]!(Promise.resolve({ chain: [], error: { code: ErrorCode.ABORTED, message: "scan cancelled" } }));
  };
  if (opts.signal.aborted) abandon();
  else {
    opts.signal.addEventListener("abort", abandon, { once: true });
    launch();
  }
  return results;
}
