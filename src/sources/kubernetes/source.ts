/**
 * `kubeSource(...)`: every certificate the cluster keeps in its API. Lists each kind with pagination
 * (never a whole-cluster response in memory), skips Helm release Secrets by field selector, converts
 * each page to items and drops it. A 403 on a kind or namespace becomes an ERR_SOURCE_FORBIDDEN issue
 * (the `source-forbidden` finding names the missing RBAC rule); failures that outlast bounded retries
 * become ERR_SOURCE_UNAVAILABLE notes. The scan goes on either way.
 */
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext, Source } from "../../model/scan.js";
import { KubeClient, KubeRequestError, type KubeConnectOptions, type KubeFailure } from "./client.js";
import { objectToItems } from "./convert.js";
import { KINDS, readRef, type KindSpec } from "./kinds.js";

export interface KubeSourceOptions extends KubeConnectOptions {
  /** Namespace-scoped mode: only these namespaces, only namespaced list calls (works with Roles alone). */
  namespaces?: string[];
  /** Objects per list page. */
  pageSize?: number;
  /** Kinds to read (default: all of KINDS). */
  kinds?: readonly KindSpec[];
}

export const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGES = 100_000;
/** Restarts of one list after its continue token expired (410) before giving up. */
const MAX_LIST_RESTARTS = 3;

export interface ListedObject {
  /** `namespace/name` */
  id: string;
  object: unknown;
}

/** Every object of one kind (in one namespace or cluster-wide), page by page; tolerant of an expired continue token. */
export async function* listObjects(
  client: KubeClient,
  spec: KindSpec,
  namespace: string | undefined,
  pageSize: number,
  signal?: AbortSignal,
  onResourceVersion?: (rv: string) => void,
): AsyncGenerator<ListedObject> {
  const seen = new Set<string>();
  for (let restart = 0; restart <= MAX_LIST_RESTARTS; restart++) {
    let token: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await client.listPage(spec, namespace, pageSize, token, signal);
        if (page === 0 && result.resourceVersion !== undefined) onResourceVersion?.(result.resourceVersion);
        for (const object of result.items) {
          const meta = (object as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
          const id = `${typeof meta?.namespace === "string" ? meta.namespace : ""}/${typeof meta?.name === "string" ? meta.name : ""}`;
          // After a restart, what was already read is not read twice.
          if (seen.has(id)) continue;
          seen.add(id);
          yield { id, object };
        }
        if (result.continueToken === undefined || signal?.aborted) return;
        token = result.continueToken;
      }
      return;
    } catch (err) {
      // The continue token expired (410 Gone): the client-go answer is a fresh list.
      if (err instanceof KubeRequestError && err.failure.kind === "gone" && token !== undefined && restart < MAX_LIST_RESTARTS) continue;
      throw err;
    }
  }
}

/** The ScanIssue for a read that failed, naming what was requested (the ref encodes verb, path and namespace). */
export function failureIssue(spec: KindSpec, verb: string, namespace: string | undefined, failure: KubeFailure, server: string): ScanIssue {
  const ref = readRef(spec, verb, namespace);
  const scope = namespace === undefined ? (spec.namespaced ? "in all namespaces" : "(cluster-scoped)") : `in namespace ${namespace}`;
  const what = `${verb} ${spec.resource}${spec.group ? `.${spec.group}` : ""} ${scope}`;
  if (failure.kind === "forbidden") return { code: ErrorCode.ERR_SOURCE_FORBIDDEN, ref, message: `the API server at ${server} forbids ${what} (HTTP 403); those objects were not read`, material: false };
  const detail = failure.kind === "unavailable" ? failure.reason : `HTTP ${failure.status}`;
  return { code: ErrorCode.ERR_SOURCE_UNAVAILABLE, ref, message: `could not ${what} from ${server} (${detail}); what was read before is kept`, material: false };
}

export class KubeSource implements Source {
  readonly kind = "kube-api";
  private client?: KubeClient;

  constructor(private readonly options: KubeSourceOptions) {
    if (options.namespaces !== undefined && options.namespaces.length === 0) throw new CertdoctorError(ErrorCode.ERR_USAGE, "--namespace: give at least one namespace");
  }

  /** The connected client (created on first use: a bad kubeconfig throws a config error). */
  connect(): KubeClient {
    this.client ??= new KubeClient(this.options);
    return this.client;
  }

  async *discover(ctx: ReadContext): AsyncIterable<RawItem | ScanIssue> {
    const client = this.connect();
    const kinds = this.options.kinds ?? KINDS;
    const served = new Map<string, boolean>();
    for (const spec of kinds) {
      if (ctx.signal?.aborted) return;
      if (spec.optional) {
        let ok = served.get(spec.apiVersion);
        if (ok === undefined) {
          try {
            ok = await client.serves(spec.apiVersion, ctx.signal);
          } catch (err) {
            if (!(err instanceof KubeRequestError)) throw err;
            ok = false;
            yield failureIssue(spec, "get", undefined, err.failure, client.server);
          }
          served.set(spec.apiVersion, ok);
        }
        if (!ok) continue;
      }
      if (this.options.namespaces !== undefined && !spec.namespaced) {
        yield {
          code: ErrorCode.ERR_SOURCE_SKIPPED,
          ref: readRef(spec, "list"),
          message: `${spec.resource}${spec.group ? `.${spec.group}` : ""} is cluster-scoped and --namespace mode makes no cluster-wide calls; not read`,
          material: false,
        };
        continue;
      }
      for (const ns of this.options.namespaces ?? [undefined]) {
        try {
          for await (const { object } of listObjects(client, spec, ns, this.options.pageSize ?? DEFAULT_PAGE_SIZE, ctx.signal)) {
            for (const item of objectToItems(object, spec, ctx)) {
              if (ctx.signal?.aborted) return;
              yield item;
            }
          }
        } catch (err) {
          if (!(err instanceof KubeRequestError)) throw err;
          yield failureIssue(spec, "list", ns, err.failure, client.server);
        }
      }
    }
  }
}

export function kubeSource(options: KubeSourceOptions): KubeSource {
  return new KubeSource(options);
}
