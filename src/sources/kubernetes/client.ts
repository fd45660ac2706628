/**
 * The only module that talks to @kubernetes/client-node (with the controller later): loads the
 * kubeconfig / in-cluster config, lists with client-side QPS limiting and bounded retries, and watches.
 * Errors are classified so callers never see response bodies (which may echo request data).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ApiException, AuthorizationV1Api, CoreApi, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject } from "@kubernetes/client-node";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import { collectionPath, type KindSpec } from "./kinds.js";
import { backoffDelay, defaultBackoff, parseRetryAfter, sleep, TokenBucket, type BackoffOptions, type Sleep, DEFAULT_BURST, DEFAULT_QPS } from "./throttle.js";

export interface KubeConnectOptions {
  /** kubeconfig file; default: $KUBECONFIG / ~/.kube/config unless inCluster. */
  kubeconfig?: string;
  context?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST/PORT and /var/run/secrets/kubernetes.io/serviceaccount). */
  inCluster?: boolean;
  /** Directory the in-cluster service-account files are read under instead of `/` (tests, chroots). */
  inClusterRoot?: string;
  qps?: number;
  burst?: number;
  backoff?: Partial<BackoffOptions>;
  /**
   * Deadline per request, response body included (default 60 s). client-node's fetch never settles when a
   * connection drops mid-body, so without it one lost connection would hang the scan.
   */
  requestTimeoutMs?: number;
  /** Injected in tests. */
  sleep?: Sleep;
  random?: () => number;
}

/** Why a request failed, without any of the response body. */
export type KubeFailure =
  | { kind: "forbidden"; status: 403 }
  | { kind: "gone"; status: 410 }
  | { kind: "not-found"; status: 404 }
  | { kind: "unauthorized"; status: 401 }
  | { kind: "unavailable"; status?: number; reason: string }
  | { kind: "rejected"; status: number };

export class KubeRequestError extends Error {
  constructor(readonly failure: KubeFailure) {
    super(`Kubernetes API request failed: ${failure.kind}${failure.status ? ` (HTTP ${failure.status})` : ""}`);
    this.name = "KubeRequestError";
  }
}

export interface ListPage {
  items: unknown[];
  resourceVersion?: string;
  continueToken?: string;
}

/** Safe, short description of a network-level error: its code or class, never a body. */
function networkReason(err: unknown): string {
  const e = err as { code?: unknown; type?: unknown; name?: unknown };
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.type === "string") return e.type;
  return typeof e?.name === "string" ? e.name : "network error";
}

function classify(err: unknown, nowMs: number): { failure: KubeFailure; retry: boolean; retryAfterMs?: number } {
  if (err instanceof ApiException) {
    const code = err.code;
    if (code === 403) return { failure: { kind: "forbidden", status: 403 }, retry: false };
    if (code === 410) return { failure: { kind: "gone", status: 410 }, retry: false };
    if (code === 404) return { failure: { kind: "not-found", status: 404 }, retry: false };
    if (code === 401) return { failure: { kind: "unauthorized", status: 401 }, retry: false };
    if (code === 429 || code >= 500) {
      const headers = (err.headers ?? {}) as Record<string, string>;
      const retryAfterMs = parseRetryAfter(headers["retry-after"] ?? headers["Retry-After"], nowMs);
      return { failure: { kind: "unavailable", status: code, reason: `HTTP ${code}` }, retry: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    return { failure: { kind: "rejected", status: code }, retry: false };
  }
  // Connection-level failures (refused, reset, a body cut off mid-JSON) are worth retrying; anything else
  // (e.g. a TLS configuration the client refuses) will fail the same way again.
  const e = err as { name?: unknown; code?: unknown };
  const transient = e?.name === "FetchError" || e?.name === "SyntaxError" || (typeof e?.code === "string" && /^E[A-Z]+/.test(e.code));
  return { failure: { kind: "unavailable", reason: networkReason(err) }, retry: transient };
}

export class KubeClient {
  readonly kc: KubeConfig;
  private readonly api: KubernetesObjectApi;
  private readonly limiter: TokenBucket;
  private readonly backoff: BackoffOptions;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly requestTimeoutMs: number;
  /** Every retry taken (for tests and the bench). */
  retries = 0;

  constructor(options: KubeConnectOptions) {
    this.kc = loadKubeConfig(options);
    this.api = this.kc.makeApiClient(KubernetesObjectApi);
    this.limiter = new TokenBucket(options.qps ?? DEFAULT_QPS, options.burst ?? DEFAULT_BURST);
    this.backoff = { ...defaultBackoff, ...options.backoff };
    this.sleep = options.sleep ?? sleep;
    this.random = options.random ?? Math.random;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  }

  /** The API server URL (public: no credentials). */
  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? "";
  }

  /** The kubeconfig context in use ("" in-cluster or when the kubeconfig names none). */
  get contextName(): string {
    return this.kc.getCurrentContext() ?? "";
  }

  /** One page of a list. Throws KubeRequestError after bounded retries. */
  async listPage(spec: KindSpec, namespace: string | undefined, limit: number, continueToken: string | undefined, signal?: AbortSignal): Promise<ListPage> {
    const list = await this.call(
      () => this.api.list(spec.apiVersion, spec.kind, namespace, undefined, undefined, undefined, spec.fieldSelector, undefined, limit, continueToken) as Promise<unknown>,
      signal,
    );
    const l = list as { items?: unknown; metadata?: { resourceVersion?: unknown; _continue?: unknown; continue?: unknown } };
    const next = l.metadata?._continue ?? l.metadata?.continue;
    const rv = l.metadata?.resourceVersion;
    return {
      items: Array.isArray(l.items) ? l.items : [],
      ...(typeof rv === "string" && rv !== "" ? { resourceVersion: rv } : {}),
      ...(typeof next === "string" && next !== "" ? { continueToken: next } : {}),
    };
  }

  /**
   * Can the cluster be read at all? GET /api (discovery, which every authenticated identity may call),
   * retried with backoff until `timeoutMs` has passed. Throws a CertdoctorError naming the server and the
   * cause: rejected credentials (401) or no answer in time. Anything that answers (even 403) passes: what
   * RBAC allows is for the scan to report, not a reason to give up.
   */
  async preflight(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const core = this.kc.makeApiClient(CoreApi);
    let last = "no answer";
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      try {
        await withDeadline(core.getAPIVersions(), Math.max(1, Math.min(left, this.requestTimeoutMs)));
        return;
      } catch (err) {
        const c = classify(err, Date.now());
        if (c.failure.kind === "unauthorized") throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `the Kubernetes API server at ${this.where} rejected the credentials (HTTP 401)`);
        if (c.failure.kind !== "unavailable") return;
        last = c.failure.reason;
        if (!c.retry) break;
      }
      const wait = Math.min(backoffDelay(attempt, this.backoff, this.random), deadline - Date.now());
      if (wait <= 0 || signal?.aborted) break;
      await this.sleep(wait, signal);
    }
    throw new CertdoctorError(ErrorCode.ERR_SOURCE_UNAVAILABLE, `cannot reach the Kubernetes API server at ${this.where}: ${last} (tried for ${Math.round(timeoutMs / 1000)} s; --kube-timeout)`);
  }

  /** "https://10.0.0.1:6443 (context admin)": the server and, from a kubeconfig, its context. */
  get where(): string {
    const context = this.contextName;
    return `${this.server || "(no server)"}${context && context !== "inClusterContext" ? ` (context ${context})` : ""}`;
  }

  /** True when the API server serves the group/version (discovery; 404 means not installed). */
  async serves(apiVersion: string, signal?: AbortSignal): Promise<boolean> {
    try {
      // `resource()` is the client's own discovery call (GET /apis/GROUP/VERSION, cached); protected in its typings.
      const discovery = this.api as unknown as { resource(apiVersion: string, kind: string): Promise<unknown> };
      await this.call(() => discovery.resource(apiVersion, "__probe__"), signal);
      return true;
    } catch (err) {
      if (err instanceof KubeRequestError && err.failure.kind === "not-found") return false;
      throw err;
    }
  }

  /**
   * SelfSubjectAccessReview: may this identity `verb` the resource? A create call every authenticated user
   * may make (system:basic-user), not a list. Any failure counts as "no".
   */
  async canI(verb: string, group: string, resource: string, namespace?: string, signal?: AbortSignal): Promise<boolean> {
    try {
      const api = this.kc.makeApiClient(AuthorizationV1Api);
      const review = await this.call(
        () => api.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb, group, resource, ...(namespace === undefined ? {} : { namespace }) } } } }),
        signal,
      );
      return review.status?.allowed === true;
    } catch (err) {
      if (err instanceof CertdoctorError) throw err;
      return false;
    }
  }

  /**
   * Opens a watch (after the rate limiter). `onEvent` gets every decoded event; `onDone` is called once
   * when the stream ends for any reason (null on a clean end). Returns a function that stops it.
   */
  async watch(
    spec: KindSpec,
    namespace: string | undefined,
    resourceVersion: string,
    onEvent: (type: string, object: unknown) => void,
    onDone: (err: KubeFailure | null) => void,
    signal?: AbortSignal,
  ): Promise<() => void> {
    await this.limiter.take(signal);
    const params: Record<string, string | boolean | number> = { allowWatchBookmarks: true, resourceVersion, timeoutSeconds: 300 };
    if (spec.fieldSelector) params.fieldSelector = spec.fieldSelector;
    let finished = false;
    const finish = (err: KubeFailure | null) => {
      if (finished) return;
      finished = true;
      onDone(err);
    };
    const controller = await new Watch(this.kc).watch(collectionPath(spec, namespace), params, onEvent, (err: unknown) => {
      if (err === null || err === undefined) return finish(null);
      const status = (err as { statusCode?: unknown }).statusCode;
      if (typeof status === "number") {
        if (status === 403) return finish({ kind: "forbidden", status: 403 });
        if (status === 410) return finish({ kind: "gone", status: 410 });
        return finish({ kind: "unavailable", status, reason: `HTTP ${status}` });
      }
      if ((err as { name?: unknown }).name === "AbortError") return finish(null);
      return finish({ kind: "unavailable", reason: networkReason(err) });
    });
    return () => {
      finished = true;
      controller.abort();
    };
  }

  /**
   * Server-side apply of one whole object as `fieldManager`, taking over conflicting fields (`force`): what
   * `kubectl apply --server-side --force-conflicts` does. Idempotent, so retried like a read.
   */
  async apply(obj: Record<string, unknown>, fieldManager: string, signal?: AbortSignal): Promise<void> {
    await this.call(() => this.api.patch(obj as KubernetesObject, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply), signal);
  }

  private async call<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.limiter.take(signal);
      try {
        return await withDeadline(fn(), this.requestTimeoutMs);
      } catch (err) {
        const c = classify(err, Date.now());
        if (c.failure.kind === "unauthorized") {
          throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `the Kubernetes API server at ${this.server} rejected the credentials (HTTP 401)`);
        }
        if (!c.retry || attempt + 1 >= this.backoff.maxAttempts || signal?.aborted) throw new KubeRequestError(c.failure);
        this.retries++;
        const delay = c.retryAfterMs !== undefined ? Math.min(c.retryAfterMs, this.backoff.maxRetryAfterMs) : backoffDelay(attempt, this.backoff, this.random);
        await this.sleep(delay, signal);
      }
    }
  }
}

class NoKubeconfigError extends Error {}

class RequestTimeoutError extends Error {
  override readonly name = "FetchError";
  readonly code = "ETIMEDOUT";
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(`no complete response within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

function loadKubeConfig(o: KubeConnectOptions): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (o.inCluster) {
      if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT) throw new Error("KUBERNETES_SERVICE_HOST/PORT not set: not running in a pod");
      kc.loadFromCluster(o.inClusterRoot ?? "");
    }
    else if (o.kubeconfig !== undefined) kc.loadFromFile(o.kubeconfig);
    else {
      // loadFromDefault falls back to http://localhost:8080 when it finds nothing: that is never what was meant.
      const home = join(homedir(), ".kube", "config");
      if (!process.env.KUBECONFIG && !existsSync(home) && !process.env.KUBERNETES_SERVICE_HOST) {
        throw new NoKubeconfigError(`no kubeconfig: $KUBECONFIG is not set and ${home} does not exist (use --kubeconfig FILE, or --in-cluster in a pod)`);
      }
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof NoKubeconfigError) throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, err.message);
    const what = o.inCluster ? "the in-cluster service account configuration" : `kubeconfig ${o.kubeconfig ?? "(default)"}`;
    // Not the parser's message: YAML errors quote the file, which holds tokens and keys.
    throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `cannot load ${what} (${err instanceof Error ? err.name : "invalid"})`);
  }
  if (o.context !== undefined) {
    if (!kc.getContextObject(o.context)) throw new CertdoctorError(ErrorCode.ERR_USAGE, `--context: no context named "${o.context}" in the kubeconfig`);
    kc.setCurrentContext(o.context);
  }
  if (!kc.getCurrentCluster()) throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, "the kubeconfig has no current cluster");
  return kc;
}
