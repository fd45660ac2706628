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
import { KubeClient, KubeRequestError, type KubeConnectOptions } from "./client.js";
import { objectToItems } from "./convert.js";
import { KINDS, readRef, type KindSpec } from "./kinds.js";
import { DEFAULT_PAGE_SIZE, failureIssue, listObjects } from "./list.js";
import { KubeReflector, type ReflectorOptions } from "./reflector.js";

export interface KubeSourceOptions extends KubeConnectOptions {
  /** Namespace-scoped mode: only these namespaces, only namespaced list calls (works with Roles alone). */
  namespaces?: string[];
  /** Objects per list page. */
  pageSize?: number;
  /** Kinds to read (default: all of KINDS). */
  kinds?: readonly KindSpec[];
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

  describe(): string {
    const scope = this.options.namespaces ? `, namespaces ${this.options.namespaces.join(",")}` : "";
    return `cluster ${this.connect().where}${scope}`;
  }

  preflight(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.connect().preflight(timeoutMs, signal);
  }

  /** A list-then-watch reflector over the same kinds and namespaces (long-running mode). */
  reflect(ctx: ReadContext, onChange: () => void, extra: Partial<ReflectorOptions> = {}): KubeReflector {
    return new KubeReflector(this.connect(), ctx, {
      onChange,
      ...(this.options.namespaces ? { namespaces: this.options.namespaces } : {}),
      ...(this.options.kinds ? { kinds: this.options.kinds } : {}),
      ...(this.options.pageSize ? { pageSize: this.options.pageSize } : {}),
      ...extra,
    });
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
      if (this.options.namespaces !== undefined && !spec.namespaced && !(await client.canI("list", spec.group, spec.resource, undefined, ctx.signal))) {
        yield {
          code: ErrorCode.ERR_SOURCE_SKIPPED,
          ref: readRef(spec, "list"),
          message: `${spec.resource}${spec.group ? `.${spec.group}` : ""} is cluster-scoped, and in --namespace mode it is read only when RBAC allows listing it (it does not); not read`,
          material: false,
        };
        continue;
      }
      // cluster-scoped kinds (readable in --namespace mode only when RBAC allows) are listed once, unscoped
      for (const ns of spec.namespaced ? (this.options.namespaces ?? [undefined]) : [undefined]) {
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
