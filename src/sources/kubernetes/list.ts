/** Paged, restartable lists and the issues for reads that failed. */
import { ErrorCode } from "../../errors.js";
import type { ScanIssue } from "../../model/issue.js";
import { KubeRequestError, type KubeClient, type KubeFailure } from "./client.js";
import { readRef, type KindSpec } from "./kinds.js";

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

