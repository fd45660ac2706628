/**
 * An in-repo Kubernetes API server for tests (HTTP or HTTPS on 127.0.0.1, ephemeral port). It follows
 * the real API where clients commonly get it wrong: list pagination with `limit`/`continue` (410 Expired
 * for a compacted continue token), list items without kind/apiVersion, `fieldSelector` (Secrets by
 * type, CSRs by signer; lists and watches), resourceVersion semantics, `watch=true` NDJSON streams with
 * BOOKMARKs, ERROR 410 Expired for a too-old resourceVersion, RBAC 403 Status objects (users in their
 * groups), 429 with Retry-After, bearer-token auth, fault injection, and the write semantics in
 * writes.ts (409s, the CSR `/approval` subresource, SubjectAccessReview). Test-only code: never imported from src/.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { defaultGroups, type RbacPolicy, type RequestAttributes } from "./rbac.js";
import { apiVersionOf, RESOURCES, resourceKey, type ResourceDef } from "./resources.js";
import { ObjectStore, objectId, type KubeObject, type WatchEvent } from "./store.js";
import { testServerTls } from "./tls.js";
import { handleWrite } from "./writes.js";

export interface Fault {
  /** Which requests it hits; unset fields match anything. */
  verb?: string;
  resource?: string;
  namespace?: string;
  /** "429" (with Retry-After), "500", "drop" (socket destroyed before any response), "hang" (request read, never answered), "drop-mid-body" (half a list body, then destroyed), "drop-watch" (watch stream destroyed after `afterEvents` events). */
  action: "429" | "500" | "drop" | "hang" | "drop-mid-body" | "drop-watch";
  retryAfterSeconds?: number;
  afterEvents?: number;
  /** How many matching requests it hits. */
  times: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  status: number;
  user?: string;
}

export interface KubeApiOptions {
  /** token -> user name; default { "test-token": "system:serviceaccount:certdoctor:certdoctor" }. */
  tokens?: Record<string, string>;
  /** Serving certificate; default: one made with openssl (HTTPS, as client-node refuses plain HTTP without skip-TLS-verify). `false`: plain HTTP. */
  tls?: { cert: string; key: string; ca: string } | false;
  /** RBAC evaluated for every resource request; undefined allows everything not in `forbid`. */
  policy?: RbacPolicy;
  /** Largest page served, whatever `limit` asks (the real server has no cap, but clients must follow `continue`). */
  maxPageSize?: number;
  bookmarkIntervalMs?: number;
  historyLimit?: number;
  /** user -> groups; default: what the real authenticators give (system:authenticated, service-account and node groups). */
  groups?: Record<string, string[]>;
  /** Clock for defaulted condition times. */
  now?: () => Date;
}

export const DEFAULT_TOKEN = "test-token";
export const DEFAULT_USER = "system:serviceaccount:certdoctor:certdoctor";
const MAX_BODY = 1 << 20;

export class KubeApiServer {
  readonly store: ObjectStore;
  readonly requests: RequestRecord[] = [];
  readonly faults: Fault[] = [];
  /** Extra denials on top of the policy: resource and/or namespace. */
  readonly forbid: Array<{ resource?: string; namespace?: string; verb?: string }> = [];
  url = "";
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly openWatches = new Set<() => void>();
  private readonly watchSockets = new Set<Socket>();

  private readonly tls: { cert: string; key: string; ca: string } | undefined;

  constructor(private readonly options: KubeApiOptions = {}) {
    this.store = new ObjectStore(options.historyLimit);
    this.tls = options.tls === false ? undefined : (options.tls ?? testServerTls());
  }

  /** The CA that signed the serving certificate (PEM), when serving HTTPS. */
  get caPem(): string | undefined {
    return this.tls?.ca;
  }

  get tokens(): Record<string, string> {
    return this.options.tokens ?? { [DEFAULT_TOKEN]: DEFAULT_USER };
  }

  async start(): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server = this.tls ? createHttpsServer({ cert: this.tls.cert, key: this.tls.key }, handler) : createHttpServer(handler);
    server.on(this.tls ? "secureConnection" : "connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.url = `${this.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const end of this.openWatches) end();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Cuts every open watch connection (no clean end: a network failure as the client sees it). */
  dropWatches(): void {
    for (const s of [...this.watchSockets]) s.destroy();
  }

  /** Open watch streams right now. */
  get watchCount(): number {
    return this.openWatches.size;
  }

  /** Ends every open watch stream cleanly (as the real server does at timeoutSeconds). */
  endWatches(): void {
    for (const end of [...this.openWatches]) end();
  }

  /** A kubeconfig (YAML text) pointing at this server with a bearer token. */
  kubeconfig(token = DEFAULT_TOKEN, ca: string | undefined = this.caPem): string {
    const caLine = ca ? `    certificate-authority-data: ${Buffer.from(ca).toString("base64")}\n` : "    insecure-skip-tls-verify: true\n";
    return `apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: ${this.url}\n${caLine}contexts:\n- name: test\n  context:\n    cluster: test\n    user: test\ncurrent-context: test\nusers:\n- name: test\n  user:\n    token: ${token}\n`;
  }

  /** Resource requests (not discovery) the server answered, e.g. to assert no cluster-wide list was made. */
  resourceRequests(): RequestRecord[] {
    return this.requests.filter((r) => r.resource !== "");
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const query = Object.fromEntries(url.searchParams);
    const route = parsePath(url.pathname);
    const method = req.method ?? "GET";
    const record: RequestRecord = { method, path: url.pathname, query, verb: "", group: "", resource: "", status: 0 };
    this.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };

    const auth = req.headers.authorization ?? "";
    const user = auth.startsWith("Bearer ") ? this.tokens[auth.slice(7)] : undefined;
    if (user === undefined) return send(401, status(401, "Unauthorized", "Unauthorized"));
    record.user = user;
    const groups = this.options.groups?.[user] ?? defaultGroups(user);

    if (route.kind === "discovery") return this.discovery(route.path, send);
    if (route.kind === "unknown") return send(404, status(404, "NotFound", "the server could not find the requested resource"));
    const def = RESOURCES.find((d) => d.group === route.group && d.version === route.version && d.resource === route.resource);
    if (!def || (def.optional && !this.store.enabledOptional.has(def.group))) return send(404, status(404, "NotFound", "the server could not find the requested resource"));
    const isWatch = query.watch === "true" || query.watch === "1";
    const verb = verbOf(method, route.name, isWatch);
    Object.assign(record, { verb, group: def.group, resource: def.resource, ...(route.subresource ? { subresource: route.subresource } : {}), ...(route.namespace ? { namespace: route.namespace } : {}) });

    const fault = this.takeFault(record);
    if (fault?.action === "429") return send(429, status(429, "TooManyRequests", "too many requests, please try again later"), { "retry-after": String(fault.retryAfterSeconds ?? 1) });
    if (fault?.action === "500") return send(500, status(500, "InternalError", "an error on the server has prevented the request from succeeding"));
    if (fault?.action === "hang") {
      record.status = -2;
      return;
    }
    if (fault?.action === "drop") {
      record.status = -1;
      req.socket.destroy();
      return;
    }

    if (def.resource === "selfsubjectaccessreviews") {
      // Every authenticated user may ask what it may do (system:basic-user); answered from the same policy.
      if (method !== "POST") return send(405, status(405, "MethodNotAllowed", "method not allowed"));
      const review = await readBody(req);
      const ra = ((review?.spec as Record<string, unknown> | undefined)?.resourceAttributes ?? {}) as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === "string" ? v : "");
      const asked: RequestAttributes = { user, groups, verb: str(ra.verb), group: str(ra.group), resource: str(ra.resource), ...(str(ra.subresource) ? { subresource: str(ra.subresource) } : {}), ...(str(ra.namespace) ? { namespace: str(ra.namespace) } : {}) };
      return send(201, { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", metadata: {}, spec: review?.spec ?? {}, status: { allowed: this.authorized(asked) } });
    }

    const attrs: RequestAttributes = { user, groups, verb, group: def.group, resource: def.resource, ...(route.subresource ? { subresource: route.subresource } : {}), ...(route.namespace ? { namespace: route.namespace } : {}), ...(route.name ? { name: route.name } : {}) };
    if (!this.authorized(attrs)) {
      const where = route.namespace ? ` in the namespace "${route.namespace}"` : route.name === undefined && def.namespaced ? " at the cluster scope" : "";
      const what = route.subresource ? `${def.resource}/${route.subresource}` : def.resource;
      return send(403, { ...status(403, "Forbidden", `${what} is forbidden: User "${user}" cannot ${verb} resource "${what}" in API group "${def.group}"${where}`), details: { kind: def.resource, ...(route.name ? { name: route.name } : {}) } });
    }

    if (method === "GET" && route.name === undefined) {
      if (isWatch) return this.watch(def, route.namespace, query, req, res, record, fault);
      return this.list(def, route.namespace, query, send, res, record, fault);
    }
    if (method === "GET") {
      const obj = this.store.get(def, route.namespace, route.name!);
      return obj ? send(200, obj) : send(404, status(404, "NotFound", `${def.resource} "${route.name}" not found`));
    }
    const body = method === "DELETE" ? {} : await readBody(req);
    if (body === undefined) return send(400, status(400, "BadRequest", "request body is not valid JSON or too large"));
    const reply = handleWrite(
      this.store,
      { def, method, body, user, groups, now: this.options.now?.() ?? new Date(), ...(req.headers["content-type"] ? { contentType: req.headers["content-type"] } : {}), ...(query.fieldManager ? { fieldManager: query.fieldManager } : {}), ...(route.namespace ? { namespace: route.namespace } : {}), ...(route.name ? { name: route.name } : {}), ...(route.subresource ? { subresource: route.subresource } : {}) },
      (a) => this.authorized(a),
    );
    return send(reply.status, reply.body);
  }

  private authorized(a: RequestAttributes): boolean {
    if (this.forbid.some((f) => (f.resource === undefined || f.resource === a.resource) && (f.namespace === undefined || f.namespace === a.namespace) && (f.verb === undefined || f.verb === a.verb))) return false;
    return this.options.policy ? this.options.policy.allows(a) : true;
  }

  private takeFault(r: RequestRecord): Fault | undefined {
    const i = this.faults.findIndex(
      (f) => f.times > 0 && (f.verb === undefined || f.verb === r.verb) && (f.resource === undefined || f.resource === r.resource) && (f.namespace === undefined || f.namespace === r.namespace),
    );
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    f.times--;
    return f;
  }

  private discovery(path: string, send: (s: number, b: unknown) => void): void {
    const served = RESOURCES.filter((d) => !d.optional || this.store.enabledOptional.has(d.group));
    if (path === "/api") return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }] });
    if (path === "/apis") {
      const groups = [...new Set(served.filter((d) => d.group !== "").map((d) => `${d.group}|${d.version}`))].map((gv) => {
        const [name, version] = gv.split("|") as [string, string];
        const v = { groupVersion: `${name}/${version}`, version };
        return { name, versions: [v], preferredVersion: v };
      });
      return send(200, { kind: "APIGroupList", apiVersion: "v1", groups });
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    const group = m?.[2] ?? "";
    const version = m?.[1] ?? m?.[3];
    const defs = served.filter((d) => d.group === group && d.version === version);
    if (!m || defs.length === 0) return send(404, status(404, "NotFound", "the server could not find the requested resource"));
    const resources = defs.flatMap((d) => [
      { name: d.resource, singularName: d.kind.toLowerCase(), namespaced: d.namespaced, kind: d.kind, verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] },
      ...(d.subresources ?? []).map((s) => ({ name: `${d.resource}/${s}`, singularName: "", namespaced: d.namespaced, kind: d.kind, verbs: ["get", "patch", "update"] })),
    ]);
    return send(200, { kind: "APIResourceList", apiVersion: "v1", groupVersion: group === "" ? version : `${group}/${version}`, resources });
  }

  private list(def: ResourceDef, namespace: string | undefined, query: Record<string, string>, send: (s: number, b: unknown) => void, res: ServerResponse, record: RequestRecord, fault?: Fault): void {
    const selector = parseFieldSelector(query.fieldSelector ?? "", def.resource);
    if (selector === undefined) return send(400, status(400, "BadRequest", `field label not supported: ${query.fieldSelector}`));
    if (query.labelSelector !== undefined && query.labelSelector !== "") return send(400, status(400, "BadRequest", "labelSelector is not supported by the test API server"));
    let start = "";
    let listRv = this.store.resourceVersion;
    if (query.continue) {
      const token = decodeContinue(query.continue);
      if (!token) return send(400, status(400, "BadRequest", "continue key is not valid"));
      if (token.rv < this.store.compactedRevision) {
        return send(410, { ...status(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."), metadata: {} });
      }
      start = token.start;
      listRv = token.rv;
    } else if (query.resourceVersion && query.resourceVersion !== "0" && Number(query.resourceVersion) < this.store.compactedRevision && query.resourceVersionMatch === "Exact") {
      return send(410, status(410, "Expired", "too old resource version"));
    }
    const limit = Math.min(Number(query.limit) > 0 ? Number(query.limit) : Infinity, this.options.maxPageSize ?? Infinity);
    const bucket = this.store.bucket(def);
    const items: KubeObject[] = [];
    let next: string | undefined;
    for (const id of this.store.sortedIds(def, namespace)) {
      if (id <= start) continue;
      const obj = bucket.get(id)!;
      if (!selector(obj)) continue;
      if (items.length >= limit) {
        next = encodeContinue({ rv: listRv, start: objectId(items[items.length - 1]!) });
        break;
      }
      const { apiVersion: _a, kind: _k, ...bare } = obj;
      items.push(bare as KubeObject);
    }
    const body = JSON.stringify({ kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(listRv), ...(next ? { continue: next } : {}) }, items });
    record.status = 200;
    if (fault?.action === "drop-mid-body") {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
      res.write(body.slice(0, Math.floor(body.length / 2)));
      record.status = -1;
      setImmediate(() => res.socket?.destroy());
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  }

  private watch(def: ResourceDef, namespace: string | undefined, query: Record<string, string>, req: IncomingMessage, res: ServerResponse, record: RequestRecord, fault?: Fault): void {
    const selector = parseFieldSelector(query.fieldSelector ?? "", def.resource);
    if (selector === undefined) {
      record.status = 400;
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify(status(400, "BadRequest", `field label not supported: ${query.fieldSelector}`)));
      return;
    }
    record.status = 200;
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    let sent = 0;
    const dropAfter = fault?.action === "drop-watch" ? (fault.afterEvents ?? 0) : Infinity;
    let closed = false;
    const write = (ev: { type: string; object?: unknown }) => {
      if (closed) return;
      if ((ev.type === "ADDED" || ev.type === "MODIFIED" || ev.type === "DELETED") && !selector(ev.object as KubeObject)) return;
      res.write(`${JSON.stringify(ev)}\n`);
      if (++sent >= dropAfter) {
        closed = true;
        record.status = -1;
        res.socket?.destroy();
      }
    };
    const toEvent = (e: WatchEvent) => ({ type: e.type, object: e.object });
    const rvParam = query.resourceVersion;
    if (rvParam === undefined || rvParam === "" || rvParam === "0") {
      // Start "from now": synthetic ADDED for everything that exists (as the real server does).
      for (const id of this.store.sortedIds(def, namespace)) write({ type: "ADDED", object: this.store.bucket(def).get(id) });
    } else {
      const past = this.store.eventsSince(resourceKey(def), Number(rvParam));
      if (past === undefined) {
        write({ type: "ERROR", object: status(410, "Expired", `too old resource version: ${rvParam} (${this.store.compactedRevision})`) });
        res.end();
        return;
      }
      for (const e of past) if (namespace === undefined || e.object.metadata.namespace === namespace) write(toEvent(e));
    }
    const watcher = { key: resourceKey(def), ...(namespace ? { namespace } : {}), send: (e: WatchEvent) => write(toEvent(e)) };
    this.store.watchers.add(watcher);
    const bookmarks =
      query.allowWatchBookmarks === "true"
        ? setInterval(() => write({ type: "BOOKMARK", object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(this.store.resourceVersion) } } }), this.options.bookmarkIntervalMs ?? 1000)
        : undefined;
    const timeout = Number(query.timeoutSeconds) > 0 ? setTimeout(() => end(), Number(query.timeoutSeconds) * 1000) : undefined;
    const end = () => {
      if (bookmarks) clearInterval(bookmarks);
      if (timeout) clearTimeout(timeout);
      this.store.watchers.delete(watcher);
      this.openWatches.delete(end);
      if (!closed) {
        closed = true;
        res.end();
      }
    };
    this.openWatches.add(end);
    const socket = req.socket;
    this.watchSockets.add(socket);
    socket.once("close", () => this.watchSockets.delete(socket));
    req.on("close", end);
    res.on("close", end);
  }
}

export async function startKubeApi(options: KubeApiOptions = {}): Promise<KubeApiServer> {
  return new KubeApiServer(options).start();
}

type Route =
  | { kind: "discovery"; path: string }
  | { kind: "unknown" }
  | { kind: "resource"; group: string; version: string; resource: string; namespace?: string; name?: string; subresource?: string };

/** `/api/v1/...` and `/apis/G/V/...`: [namespaces/NS/]RESOURCE[/NAME[/SUB]]. */
export function parsePath(path: string): Route {
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api") {
    if (parts.length <= 2) return { kind: "discovery", path: `/${parts.join("/")}` };
    group = "";
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === "apis") {
    if (parts.length <= 3) return { kind: "discovery", path: `/${parts.join("/")}` };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return { kind: "unknown" };
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (resource === undefined || rest.length > 3) return { kind: "unknown" };
  return { kind: "resource", group, version, resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) };
}

function verbOf(method: string, name: string | undefined, watch: boolean): string {
  if (method === "GET") return watch ? "watch" : name === undefined ? "list" : "get";
  return ({ POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" } as Record<string, string>)[method] ?? method.toLowerCase();
}

export function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: code < 300 ? "Success" : "Failure", message, reason, code };
}

function encodeContinue(t: { rv: number; start: string }): string {
  return Buffer.from(JSON.stringify(t)).toString("base64url");
}

function decodeContinue(s: string): { rv: number; start: string } | undefined {
  try {
    const t = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as { rv: unknown; start: unknown };
    return typeof t.rv === "number" && typeof t.start === "string" ? { rv: t.rv, start: t.start } : undefined;
  } catch {
    return undefined;
  }
}

/** Field labels beyond metadata.name/namespace the real server supports, by resource. */
const FIELD_LABELS: Record<string, Record<string, (o: KubeObject) => unknown>> = {
  secrets: { type: (o) => o.type },
  certificatesigningrequests: { "spec.signerName": (o) => (o.spec as Record<string, unknown> | undefined)?.signerName },
};

/** `type!=helm.sh/release.v1,metadata.namespace=x`: the field labels the real server supports (name/namespace for all). */
function parseFieldSelector(text: string, resource: string): ((o: KubeObject) => boolean) | undefined {
  const preds: Array<(o: KubeObject) => boolean> = [];
  for (const term of text.split(",").filter((t) => t !== "")) {
    const m = /^([a-zA-Z.]+)(==|!=|=)(.*)$/.exec(term);
    if (!m) return undefined;
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const get: ((o: KubeObject) => unknown) | undefined =
      FIELD_LABELS[resource]?.[field] ?? (field === "metadata.name" ? (o) => o.metadata.name : field === "metadata.namespace" ? (o) => o.metadata.namespace : undefined);
    if (!get) return undefined;
    preds.push(op === "!=" ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (o) => preds.every((p) => p(o));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(c as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
