/**
 * A list-then-watch cache of one kind's objects (JSON shape) for the approver: a full paged list, then a
 * watch from its resourceVersion; a clean end re-watches from the last resourceVersion, 410 Gone relists,
 * other failures back off exponentially with jitter. `onChange` hears every object that changed (and every
 * object after a relist). Never throws for API failures; it reports them through `onError`.
 */
import { KubeRequestError, type KubeClient, type KubeFailure } from "../sources/kubernetes/client.js";
import { toJsonShape } from "../sources/kubernetes/convert.js";
import type { KindSpec } from "../sources/kubernetes/kinds.js";
import { listObjects } from "../sources/kubernetes/list.js";
import { backoffDelay, defaultBackoff, sleep as realSleep, type Sleep } from "../sources/kubernetes/throttle.js";
import { watchSession } from "../sources/kubernetes/watch-session.js";

export type KubeJson = Record<string, unknown> & { metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string; creationTimestamp?: string } };

export interface InformerOptions {
  onChange: (type: "ADDED" | "MODIFIED" | "DELETED", obj: KubeJson) => void;
  onSynced?: () => void;
  onError?: (what: string, failure: KubeFailure) => void;
  sleep?: Sleep;
  random?: () => number;
  /** A watch silent this long is reopened (default 6 min; the server bookmarks about every minute). */
  watchIdleMs?: number;
}

function nameOf(obj: unknown): string | undefined {
  const n = (obj as KubeJson | null)?.metadata?.name;
  return typeof n === "string" ? n : undefined;
}

export class Informer {
  readonly objects = new Map<string, KubeJson>();
  synced = false;
  private rv = "";
  private readonly sleep: Sleep;
  private readonly random: () => number;

  constructor(
    private readonly client: KubeClient,
    private readonly spec: KindSpec,
    private readonly options: InformerOptions,
  ) {
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  /** One full list into the cache; true when it worked. */
  async list(signal: AbortSignal): Promise<boolean> {
    const fresh = new Map<string, KubeJson>();
    let rv = "";
    try {
      for await (const { object } of listObjects(this.client, this.spec, undefined, 500, signal, (v) => (rv = v))) {
        const obj = toJsonShape(object) as KubeJson;
        const name = nameOf(obj);
        if (name !== undefined) fresh.set(name, obj);
      }
    } catch (err) {
      if (!(err instanceof KubeRequestError)) throw err;
      this.options.onError?.(`list ${this.spec.resource}`, err.failure);
      return false;
    }
    if (signal.aborted) return false;
    for (const name of this.objects.keys()) if (!fresh.has(name)) this.options.onChange("DELETED", this.objects.get(name)!);
    this.objects.clear();
    for (const [name, obj] of fresh) this.objects.set(name, obj);
    this.rv = rv;
    const first = !this.synced;
    this.synced = true;
    if (first) this.options.onSynced?.();
    for (const obj of fresh.values()) this.options.onChange("ADDED", obj);
    return true;
  }

  /** Lists, then watches until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let needList = !this.synced;
    while (!signal.aborted) {
      if (needList) {
        if (!(await this.list(signal))) {
          await this.sleep(backoffDelay(failures++, defaultBackoff, this.random), signal);
          continue;
        }
        needList = false;
      }
      const outcome = await this.watchOnce(signal);
      if (signal.aborted) return;
      if (outcome === null) {
        failures = 0;
        continue;
      }
      if (outcome.kind === "gone") {
        needList = true;
        continue;
      }
      this.options.onError?.(`watch ${this.spec.resource}`, outcome);
      await this.sleep(backoffDelay(failures++, defaultBackoff, this.random), signal);
    }
  }

  private watchOnce(signal: AbortSignal): Promise<KubeFailure | null> {
    return watchSession(this.client, this.spec, undefined, this.rv, signal, {
      idleMs: this.options.watchIdleMs ?? 360_000,
      onEvent: (type, raw) => {
        const obj = toJsonShape(raw) as KubeJson;
        const rv = obj?.metadata?.resourceVersion;
        if (typeof rv === "string" && rv !== "") this.rv = rv;
        if (type === "BOOKMARK") return;
        const name = nameOf(obj);
        if (name === undefined || (type !== "ADDED" && type !== "MODIFIED" && type !== "DELETED")) return;
        if (type === "DELETED") this.objects.delete(name);
        else this.objects.set(name, obj);
        this.options.onChange(type, obj);
      },
    });
  }
}
