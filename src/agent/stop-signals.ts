/**
 * SIGTERM and SIGINT for the long-running agent: the first one aborts the run (every wait and spool call gives
 * up), and if the process is still there `timeoutMs` later it ends itself anyway. What keeps it alive then is
 * almost always a filesystem call the kernel never answers (a hung NFS or FUSE mount under --root, --proc or
 * the spool): such a call holds a thread of the pool, and a normal exit waits for that thread — measured:
 * `process.exit()` and `process.reallyExit()` both hang with one thread stuck in a FUSE request. Only the
 * signal's default action ends such a process, so after the log line the listener is removed and the same
 * signal is raised again: the exit status is the usual one for that signal (143 for SIGTERM), and nothing is
 * torn because every write is atomic. A second signal has no listener and acts at once.
 */
import { ErrorCode } from "../errors.js";
import type { SpoolLog } from "./spool.js";

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** Listens until the returned function is called; the deadline armed by a signal stays armed after that (the run may return while a call is still stuck). */
export function abortOnStopSignals(controller: AbortController, timeoutMs: number, log: SpoolLog): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    uninstall();
    controller.abort();
    const deadline = setTimeout(() => {
      log("warn", `still running ${timeoutMs} ms after ${signal}, most likely in a filesystem call that does not return (a hung mount); ending with ${signal} without waiting for it`, {
        code: ErrorCode.ERR_AGENT_STOP_TIMEOUT,
        signal,
      });
      process.kill(process.pid, signal);
    }, timeoutMs);
    deadline.unref(); // a run that ends cleanly exits at once
  };
  const uninstall = () => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return uninstall;
}
