import type { KubeClient, KubeFailure } from "./client.js";
import type { KindSpec } from "./kinds.js";

export interface WatchSessionOptions {
  /** A watch that delivers nothing (no event, no bookmark) for this long is presumed dead: it ends as "watch idle". */
  idleMs: number;
  /** Every event but ERROR (ADDED, MODIFIED, DELETED, BOOKMARK), after the idle deadline was re-armed. */
  onEvent(type: string, object: unknown): void;
  /** The server accepted the watch. */
  onStarted?(): void;
  /** Any event arrived, ERROR included: the connection is alive. Called before the event is handled. */
  onHeard?(): void;
}

/**
 * One watch connection of one kind (and namespace) from `resourceVersion`, for the reflector and the
 * approver's informer. Resolves once: null on a clean end or when `signal` aborts; otherwise why it ended
 * (`gone` for an ERROR 410 event, `unavailable` for another ERROR, for silence past `idleMs` or when the
 * watch could not start, and whatever the client reports for a dropped stream). Never rejects.
 */
export function watchSession(
  client: KubeClient,
  spec: KindSpec,
  namespace: string | undefined,
  resourceVersion: string,
  signal: AbortSignal,
  options: WatchSessionOptions,
): Promise<KubeFailure | null> {
  return new Promise((resolve) => {
    let stop: (() => void) | undefined;
    let settled = false;
    const onAbort = () => finish(null);
    const idleFailure: KubeFailure = { kind: "unavailable", reason: "watch idle" };
    let idle = setTimeout(() => finish(idleFailure), options.idleMs);
    const finish = (f: KubeFailure | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      signal.removeEventListener("abort", onAbort);
      stop?.();
      resolve(f);
    };
    if (signal.aborted) return finish(null);
    signal.addEventListener("abort", onAbort, { once: true });
    const onEvent = (type: string, object: unknown) => {
      if (settled) return;
      clearTimeout(idle);
      idle = setTimeout(() => finish(idleFailure), options.idleMs);
      options.onHeard?.();
      if (type === "ERROR") {
        const code = (object as { code?: unknown } | null)?.code;
        return finish(code === 410 ? { kind: "gone", status: 410 } : { kind: "unavailable", reason: `watch ERROR ${String(code)}` });
      }
      options.onEvent(type, object);
    };
    client
      .watch(spec, namespace, resourceVersion, onEvent, (err) => finish(err), signal)
      .then((stopFn) => {
        stop = stopFn;
        if (settled) return stopFn();
        options.onStarted?.();
      })
      .catch(() => finish({ kind: "unavailable", reason: "watch could not start" }));
  });
}
