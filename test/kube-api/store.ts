/**
 * The test API server's object store: one global resourceVersion counter (like etcd's revision), an
 * event history bounded to `historyLimit` events (older resourceVersions are "compacted": a watch from
 * there gets 410 Expired), and live watchers. Test-only code.
 */
import { aggregateClusterRoles } from "./rbac.js";
import { apiVersionOf, findByKind, resourceKey, type ResourceDef } from "./resources.js";

export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  rv: number;
  key: string;
  object: KubeObject;
}

export interface Watcher {
  key: string;
  namespace?: string;
  send(ev: WatchEvent): void;
}

export function objectId(obj: KubeObject): string {
  const ns = typeof obj.metadata.namespace === "string" ? obj.metadata.namespace : "";
  return `${ns}/${String(obj.metadata.name)}`;
}

export class ObjectStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: WatchEvent[] = [];
  private revision = 1;
  /** Lowest resourceVersion a watch or continue token may still start from. */
  compactedRevision = 1;
  readonly watchers = new Set<Watcher>();
  readonly enabledOptional = new Set<string>();

  constructor(private readonly historyLimit = 50_000) {}

  get resourceVersion(): number {
    return this.revision;
  }

  bucket(def: ResourceDef): Map<string, KubeObject> {
    const key = resourceKey(def);
    let b = this.objects.get(key);
    if (!b) {
      b = new Map();
      this.objects.set(key, b);
    }
    return b;
  }

  /** Creates or replaces an object (seeded by tests or written through the API). Returns the stored copy. */
  put(input: Record<string, unknown>): KubeObject {
    const def = this.defOf(input);
    const obj = structuredClone(input) as KubeObject;
    obj.metadata = { ...(obj.metadata ?? {}) };
    if (!def.namespaced) delete obj.metadata.namespace;
    else if (typeof obj.metadata.namespace !== "string") obj.metadata.namespace = "default";
    if (typeof obj.metadata.name !== "string" || obj.metadata.name === "") throw new Error("test API server: object without metadata.name");
    const b = this.bucket(def);
    const id = objectId(obj);
    const existing = b.get(id);
    this.revision++;
    obj.metadata.resourceVersion = String(this.revision);
    obj.metadata.uid = existing?.metadata.uid ?? `uid-${this.revision}`;
    obj.metadata.creationTimestamp = existing?.metadata.creationTimestamp ?? obj.metadata.creationTimestamp ?? "2026-01-01T00:00:00Z";
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    b.set(id, obj);
    this.record({ type: existing ? "MODIFIED" : "ADDED", rv: this.revision, key: resourceKey(def), object: obj });
    if (def.resource === "clusterroles" && !this.aggregating) this.aggregate(b);
    return obj;
  }

  private aggregating = false;

  /** The clusterrole-aggregation controller: aggregated ClusterRoles get their selected roles' rules, as on a real cluster. */
  private aggregate(bucket: Map<string, KubeObject>): void {
    this.aggregating = true;
    try {
      for (const role of aggregateClusterRoles(structuredClone([...bucket.values()]) as Array<Record<string, any>>)) this.put(role);
    } finally {
      this.aggregating = false;
    }
  }

  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const def = findByKind(apiVersion, kind);
    if (!def) throw new Error(`test API server: unknown ${apiVersion} ${kind}`);
    const b = this.bucket(def);
    const id = `${def.namespaced ? (namespace ?? "default") : ""}/${name}`;
    const existing = b.get(id);
    if (!existing) return false;
    b.delete(id);
    this.revision++;
    const gone = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(this.revision) } };
    this.record({ type: "DELETED", rv: this.revision, key: resourceKey(def), object: gone });
    return true;
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(def).get(`${def.namespaced ? (namespace ?? "") : ""}/${name}`);
  }

  /** Sorted ids (namespace/name), optionally one namespace only. */
  sortedIds(def: ResourceDef, namespace?: string): string[] {
    const ids = [...this.bucket(def).keys()];
    const wanted = namespace === undefined ? ids : ids.filter((id) => id.startsWith(`${namespace}/`));
    return wanted.sort();
  }

  /** Events after `rv` for a resource, or undefined when `rv` is older than the retained history (410). */
  eventsSince(key: string, rv: number): WatchEvent[] | undefined {
    if (rv < this.compactedRevision) return undefined;
    return this.history.filter((e) => e.rv > rv && e.key === key);
  }

  /** Forgets history up to the current revision: every older resourceVersion and continue token expires. */
  compact(): void {
    this.history.length = 0;
    this.compactedRevision = this.revision;
  }

  private record(ev: WatchEvent): void {
    this.history.push(ev);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRevision = dropped[dropped.length - 1]!.rv;
    }
    for (const w of this.watchers) {
      if (w.key !== ev.key) continue;
      if (w.namespace !== undefined && ev.object.metadata.namespace !== w.namespace) continue;
      w.send(ev);
    }
  }

  private defOf(obj: Record<string, unknown>): ResourceDef {
    const def = findByKind(String(obj.apiVersion), String(obj.kind));
    if (!def) throw new Error(`test API server: unknown ${String(obj.apiVersion)} ${String(obj.kind)}`);
    return def;
  }
}
