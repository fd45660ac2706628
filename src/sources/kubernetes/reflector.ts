/**
 * List-then-watch for long-running mode (`certdoctor watch`, later the server): per kind (and namespace)
 * a full paged list, then a watch from the list's resourceVersion. A clean end or a dropped connection
 * re-watches from the last resourceVersion seen (so a change made while disconnected is replayed); a
 * 410 Gone (Expired) relists; errors back off exponentially with jitter. Only items are kept (public
 * certificate data, key facts), never the objects or their payloads.
 */
import { ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext, Source } from "../../model/scan.js";
import { parseRef } from "../../model/ref.js";
import { KubeRequestError, type KubeClient, type KubeFailure } from "./client.js";
import { objectToItems, toJsonShape } from "./convert.js";
import { KINDS, readRef, type KindSpec } from "./kinds.js";
import { failureIssue, listObjects, DEFAULT_PAGE_SIZE } from "./list.js";
import { refMetaOf, type RefMeta } from "./managed-fields.js";
import { backoffDelay, defaultBackoff, sleep as realSleep, type Sleep } from "./throttle.js";
import { watchSession } from "./watch-session.js";

type Items = Array<RawItem | ScanIssue>;

interface Stream {
  spec: KindSpec;
  namespace: string | undefined;
  objects: Map<string, Items>;
  /** Per object: each item ref's resourceVersion and managedFields actor (for the server's history). */
  meta: Map<string, Map<string, RefMeta>>;
  rv?: string;
  issue?: ScanIssue;
  synced: boolean;
}

export interface ReflectorOptions {
  namespaces?: string[];
  kinds?: readonly KindSpec[];
  pageSize?: number;
  /** Called after every applied change (and after each stream's first sync). */
  onChange: () => void;
  /**
   * A watch that delivers nothing (no event, no bookmark) for this long is presumed dead and reopened from
   * the last resourceVersion (default 6 min: the server closes watches after 5 and bookmarks about every minute).
   */
  watchIdleMs?: number;
  sleep?: Sleep;
  random?: () => number;
}

/** Counters for tests and logs. */
export interface ReflectorStats {
  lists: number;
  watches: number;
  relists410: number;
  reconnects: number;
}

function idOf(obj: unknown): string | undefined {
  const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  if (typeof meta?.name !== "string") return undefined;
  return `${typeof meta.namespace === "string" ? meta.namespace : ""}/${meta.name}`;
}

function rvOf(obj: unknown): string | undefined {
  const rv = (obj as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof rv === "string" && rv !== "" ? rv : undefined;
}

/** Consecutive failed watches after which a stream counts as lost (reported until a watch connects). */
const LOST_AFTER_FAILURES = 3;

export class KubeReflector {
  readonly stats: ReflectorStats = { lists: 0, watches: 0, relists410: 0, reconnects: 0 };
  private readonly streams: Stream[] = [];
  private readonly notes: ScanIssue[] = [];
  private readonly sleep: Sleep;
  private readonly random: () => number;

  constructor(
    private readonly client: KubeClient,
    private readonly ctx: ReadContext,
    private readonly options: ReflectorOptions,
  ) {
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  /** True once every stream has been listed at least once (or failed its first list). */
  get synced(): boolean {
    return this.streams.length > 0 && this.streams.every((s) => s.synced);
  }

  /** What the cluster holds now, as a Source for one diagnosis. */
  snapshot(): Source {
    const items: Items = [...this.notes];
    for (const s of this.streams) {
      if (s.issue) items.push(s.issue);
      for (const list of s.objects.values()) items.push(...list);
    }
    return {
      kind: "kube-api",
      async *discover() {
        yield* items;
      },
    };
  }

  /** The resourceVersion and managedFields actor behind every item ref the cluster holds now. */
  refMeta(): Map<string, RefMeta> {
    const out = new Map<string, RefMeta>();
    for (const s of this.streams) for (const m of s.meta.values()) for (const [ref, meta] of m) out.set(ref, meta);
    return out;
  }

  /** Runs until `signal` aborts. Never throws for API failures. */
  async run(signal: AbortSignal): Promise<void> {
    const kinds = this.options.kinds ?? KINDS;
    const served = new Map<string, boolean>();
    for (const spec of kinds) {
      if (spec.optional) {
        if (!served.has(spec.apiVersion)) served.set(spec.apiVersion, await this.client.serves(spec.apiVersion, signal).catch(() => false));
        if (!served.get(spec.apiVersion)) continue;
      }
      const readable = async () => (await this.client.canI("list", spec.group, spec.resource, undefined, signal)) && (await this.client.canI("watch", spec.group, spec.resource, undefined, signal));
      if (this.options.namespaces !== undefined && !spec.namespaced && !(await readable())) {
        this.notes.push({ code: ErrorCode.ERR_SOURCE_SKIPPED, ref: readRef(spec, "list"), message: `${spec.resource} is cluster-scoped, and in --namespace mode it is read only when RBAC allows list and watch on it (it does not); not read`, material: false });
        continue;
      }
      for (const namespace of spec.namespaced ? (this.options.namespaces ?? [undefined]) : [undefined]) this.streams.push({ spec, namespace, objects: new Map(), meta: new Map(), synced: false });
    }
    if (this.streams.length === 0) this.options.onChange();
    await Promise.all(this.streams.map((s) => this.runStream(s, signal)));
  }

  private async runStream(s: Stream, signal: AbortSignal): Promise<void> {
    let failures = 0;
    let needList = true;
    for (let round = 0; !signal.aborted && round < Number.MAX_SAFE_INTEGER; round++) {
      if (needList) {
        const ok = await this.relist(s, signal);
        if (!ok) {
          await this.sleep(backoffDelay(failures++, defaultBackoff, this.random), signal);
          continue;
        }
        needList = false;
      }
      const outcome = await this.watchOnce(s, signal);
      if (signal.aborted) return;
      if (outcome === null) {
        failures = 0; // clean end (server timeout): re-watch from the last resourceVersion
        continue;
      }
      this.stats.reconnects++;
      if (outcome.kind === "gone") {
        this.stats.relists410++;
        needList = true;
        continue;
      }
      if (outcome.kind === "forbidden" && s.issue === undefined) {
        // listing is allowed but watching is not: report it (source-forbidden names verb "watch") and keep
        // retrying the watch with backoff; what the list read stays in place
        s.issue = failureIssue(s.spec, "watch", s.namespace, outcome, this.client.server);
        this.options.onChange();
      }
      if (outcome.kind === "unavailable" && failures >= LOST_AFTER_FAILURES - 1 && s.issue === undefined) {
        // Several watches in a row failed: the cluster is lost for now. Say so (source-unavailable) until a
        // watch connects again, instead of serving the old view as if it were current.
        s.issue = failureIssue(s.spec, "watch", s.namespace, outcome, this.client.server);
        this.options.onChange();
      }
      await this.sleep(backoffDelay(failures++, defaultBackoff, this.random), signal);
    }
  }

  /** A full list replaces what the stream held; returns false when it failed (recorded as the stream's issue). */
  private async relist(s: Stream, signal: AbortSignal): Promise<boolean> {
    this.stats.lists++;
    const fresh = new Map<string, Items>();
    const freshMeta = new Map<string, Map<string, RefMeta>>();
    let rv: string | undefined;
    try {
      for await (const { id, object } of listObjects(this.client, s.spec, s.namespace, this.options.pageSize ?? DEFAULT_PAGE_SIZE, signal, (v) => (rv = v))) {
        const items = objectToItems(object, s.spec, this.ctx);
        fresh.set(id, items);
        freshMeta.set(id, metaOf(object, s.spec.kind, items));
      }
    } catch (err) {
      if (!(err instanceof KubeRequestError)) throw err;
      s.issue = failureIssue(s.spec, "list", s.namespace, err.failure, this.client.server);
      s.synced = true;
      this.options.onChange();
      return false;
    }
    if (signal.aborted) return false;
    s.objects = fresh;
    s.meta = freshMeta;
    delete s.issue;
    if (rv !== undefined) s.rv = rv;
    s.synced = true;
    this.options.onChange();
    return true;
  }

  /** One watch connection; resolves with null on a clean end, else why it ended. */
  private watchOnce(s: Stream, signal: AbortSignal): Promise<KubeFailure | null> {
    this.stats.watches++;
    const clearWatchIssue = (onlyUnavailable: boolean) => {
      if (s.issue === undefined || !isWatchIssue(s.issue) || (onlyUnavailable && s.issue.code !== ErrorCode.ERR_SOURCE_UNAVAILABLE)) return;
      delete s.issue;
      this.options.onChange();
    };
    return watchSession(this.client, s.spec, s.namespace, s.rv ?? "", signal, {
      idleMs: this.options.watchIdleMs ?? 360_000,
      // A watch the server accepted ends "the cluster is lost"; any event also ends a "watch forbidden".
      onStarted: () => clearWatchIssue(true),
      onHeard: () => clearWatchIssue(false),
      onEvent: (type, object) => {
        const rv = rvOf(object);
        if (type === "BOOKMARK") {
          if (rv) s.rv = rv;
          return;
        }
        const id = idOf(object);
        if (id === undefined) return;
        if (type === "DELETED") {
          s.objects.delete(id);
          s.meta.delete(id);
        } else if (type === "ADDED" || type === "MODIFIED") {
          const items = objectToItems(object, s.spec, this.ctx);
          s.objects.set(id, items);
          s.meta.set(id, metaOf(object, s.spec.kind, items));
        } else return;
        if (rv) s.rv = rv;
        this.options.onChange();
      },
    });
  }
}

/** The stream's issue is about its watch (`kube-api:…#watch`), not its list. */
function isWatchIssue(issue: ScanIssue): boolean {
  return parseRef(issue.ref)?.key === "watch";
}

/** Only the object's metadata is read here (resourceVersion, managedFields), never its payload. */
function metaOf(object: unknown, kind: string, items: Items): Map<string, RefMeta> {
  const metadata = toJsonShape((object as { metadata?: unknown } | null)?.metadata);
  const refs = items.filter((i): i is RawItem => "type" in i).map((i) => i.ref);
  return refMetaOf({ kind, metadata }, refs);
}
