/**
 * `GET /metrics`: the exposition of the server's current state (docs/metrics.md), Prometheus text 0.0.4
 * or OpenMetrics 1.0.0 by `Accept`. A scrape never scans: it reads `ServerState.current()` and renders it
 * with one MetricsExporter, which renders a state version once and hands every later scrape the same
 * Buffers; the store's health, the agents' last reports and the certificates they reported (re-read only when
 * the store's placements marker moved) are read at most once per `storeTtlMs`, by one request at a time
 * (concurrent scrapes share it). Renderings are kept gzip-compressed (a twentieth of the
 * text) and sent as they are to scrapers that accept gzip (Prometheus does); others get them decompressed
 * on the fly. Once the endpoint has been scraped, a new state is rendered as soon as it is published, so
 * the next scrape finds it ready. Authenticated with the API's bearer token unless `metrics.public` is set
 * (enix's exporter is scraped without credentials).
 */
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { Inventory } from "../inventory/inventory.js";
import { acceptsGzip, negotiateFormat } from "../metrics/accept.js";
import { MetricsExporter, type Rendered } from "../metrics/exporter.js";
import type { MetricsOptions } from "../metrics/options.js";
import { deriveSourceStatuses, type SourceStatus } from "../metrics/source-status.js";
import type { AgentStatus, BuildInfo, MetricsState, ReportedPlacement, StoreStatus } from "../metrics/state.js";
import type { ExpositionFormat } from "../metrics/text-format.js";
import type { RouteModule, ServerContext } from "./app.js";
import type { CurrentState, SourceProgress } from "./state.js";

export interface ServerMetricsConfig {
  options?: MetricsOptions;
  build?: BuildInfo;
  /** Serve /metrics without the bearer token. */
  public?: boolean;
  /** How long the store's health and agents' last reports are reused between scrapes, ms (default 5 s). */
  storeTtlMs?: number;
}

const DEFAULT_STORE_TTL_MS = 5_000;
/** A format nobody scraped for this long (a one-off curl) is no longer rendered ahead. */
const RENDER_AHEAD_FOR_MS = 15 * 60_000;
/** A number per Diagnosis object: the scan key of every state version that carries it. */
const diagnosisIds = new WeakMap<object, number>();
let nextDiagnosisId = 1;

function diagnosisKey(d: object): string {
  let id = diagnosisIds.get(d);
  if (id === undefined) diagnosisIds.set(d, (id = nextDiagnosisId++));
  return `d${id}`;
}
const EMPTY_INVENTORY = new Inventory([], [], [], [], []);

interface StoreView {
  at: number;
  agents: readonly AgentStatus[];
  store: StoreStatus;
  /** The certificates the agents reported, keyed by the store's placements marker. */
  reported?: MetricsState["reported"];
}

/** The store's scopes of node agents (`agent:<node>`). */
const AGENT_SCOPES = "agent:";

/** Source ids of `ServerState` (`path:/root`, `kube`, `endpoints`) as the (kind, name) pairs of x509_source_up. */
function isProgressOf(progress: SourceProgress, s: SourceStatus): boolean {
  if (progress.kind === "file") return s.kind === "file" && progress.name === `path:${s.name}`;
  if (progress.kind === "kube-api") return s.kind.startsWith("kube-");
  return s.kind === "tls-endpoint";
}

/** The MetricsState of one server state (without the per-scrape store view). */
export function metricsStateOf(cur: CurrentState): MetricsState {
  const d = cur.diagnosis;
  if (d === undefined) {
    return { version: `s${cur.version}`, diagnosed: { inventory: EMPTY_INVENTORY, findings: [], issues: [] }, sources: [] };
  }
  const sources = deriveSourceStatuses(d.result.issues, { paths: d.paths, sourceKinds: d.sourceKinds });
  // A source whose last pass failed outright is down, whatever its items said before.
  for (const p of cur.sources) {
    if (p.lastError === undefined) continue;
    for (const s of sources) if (isProgressOf(p, s)) s.up = false;
  }
  return {
    version: `s${cur.version}`,
    scanKey: diagnosisKey(d.result),
    diagnosed: { inventory: d.result.inventory, findings: d.result.findings, issues: d.result.issues, evaluatedAt: d.result.evaluatedAt, durationMs: d.result.stats.durationMs },
    sources,
  };
}

/** The server's exposition: one per app, shared by every scrape. */
export class ServerMetrics {
  readonly exporter: MetricsExporter;
  /** Store reads made for scrapes (for tests and the bench: scrapes must not multiply them). */
  storeReads = 0;
  private state?: { version: number; state: MetricsState };
  private view?: StoreView;
  private pending?: Promise<StoreView>;
  private readonly ttl: number;
  /** When each format was last scraped: a new state is rendered ahead in the formats scraped lately, the latest first. */
  private readonly scraped = new Map<ExpositionFormat, number>();
  private warming = false;

  constructor(private readonly ctx: ServerContext) {
    const m = ctx.metrics ?? {};
    this.exporter = new MetricsExporter({ build: m.build ?? { version: "unknown" }, gzip: true, ...(m.options ? { options: m.options } : {}) });
    this.ttl = m.storeTtlMs ?? DEFAULT_STORE_TTL_MS;
    ctx.state.subscribe(() => this.renderAhead());
  }

  async collect(format: ExpositionFormat): Promise<Rendered> {
    this.scraped.set(format, Date.now());
    const view = await this.storeView(this.ctx.clock());
    return this.exporter.renderAsync({ ...this.current(), ...fromStore(view, this.ctx.state.current().leader) }, format, this.ctx.clock());
  }

  private current(): MetricsState {
    const cur = this.ctx.state.current();
    if (this.state?.version !== cur.version) this.state = { version: cur.version, state: metricsStateOf(cur) };
    return this.state.state;
  }

  /** Renders a newly published state in the formats scraped so far, once the publisher's turn is over. */
  private renderAhead(): void {
    if (this.scraped.size === 0 || this.warming) return;
    this.warming = true;
    setImmediate(() => {
      this.warming = false;
      const state = { ...this.current(), ...(this.view ? fromStore(this.view, this.ctx.state.current().leader) : { agents: [] }) };
      const recent = [...this.scraped].filter(([, at]) => Date.now() - at < RENDER_AHEAD_FOR_MS).sort((a, b) => b[1] - a[1]);
      for (const [format] of recent) {
        this.exporter.renderAsync(state, format, this.ctx.clock()).catch((err: unknown) => {
          this.ctx.log("error", "rendering the metrics ahead failed; the next scrape renders them", { error: err instanceof Error ? err.message : String(err) });
        });
      }
    });
  }

  private storeView(now: number): Promise<StoreView> {
    if (this.view !== undefined && now - this.view.at < this.ttl) return Promise.resolve(this.view);
    this.pending ??= this.readStore(now).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async readStore(now: number): Promise<StoreView> {
    this.storeReads++;
    const store = this.ctx.store;
    const [status, agents, reported] = await Promise.allSettled([store.status(), store.agents(), this.readReported()]);
    const up = status.status === "fulfilled" && status.value.ok;
    // Agents last known when the store cannot answer: their ages keep growing, as they would.
    const list = agents.status === "fulfilled" ? agents.value.map((a) => ({ node: a.node, lastReportAt: a.lastReportAt })) : (this.view?.agents ?? []);
    const certs = reported.status === "fulfilled" ? reported.value : this.view?.reported;
    if (reported.status === "rejected") this.ctx.log("error", "the agents' certificates were not read for /metrics; the last ones read are kept", { error: reported.reason instanceof Error ? reported.reason.message : String(reported.reason) });
    this.view = { at: now, agents: latestPerNode(list), store: { backend: store.backend, up }, ...(certs ? { reported: certs } : {}) };
    return this.view;
  }

  /** The agents' certificates: read again only when the store's marker says a report changed them. */
  private async readReported(): Promise<MetricsState["reported"]> {
    const store = this.ctx.store;
    const key = await store.placementsMarker(AGENT_SCOPES);
    if (this.view?.reported?.key === key) return this.view.reported;
    const placements: ReportedPlacement[] = [];
    for (const p of await store.currentPlacements(AGENT_SCOPES)) {
      const node = p.node ?? p.scope.slice(AGENT_SCOPES.length);
      placements.push({ ref: p.ref, node, role: p.role, backup: p.backup, fingerprint: p.fingerprint, serialNumber: p.serialNumber, subject: p.subject, issuer: p.issuer, notBefore: p.notBefore, notAfter: p.notAfter, isCA: p.isCA });
    }
    return { key, placements };
  }
}

/**
 * What a MetricsState takes from the store's view. The agents' certificates only on the replica that scans
 * (every replica reads the same store): like the server's own series, they are the leader's to show, so an
 * alert on them fires once, not once per replica.
 */
function fromStore(view: StoreView, leader: boolean): Pick<MetricsState, "agents" | "store" | "reported"> {
  return { agents: view.agents, store: view.store, ...(view.reported && leader ? { reported: view.reported } : {}) };
}

/** One series per node: a node whose agent was reinstalled has two agent ids; the latest report counts. */
function latestPerNode(agents: readonly AgentStatus[]): AgentStatus[] {
  const byNode = new Map<string, AgentStatus>();
  for (const a of agents) {
    const prev = byNode.get(a.node);
    if (prev === undefined || a.lastReportAt > prev.lastReportAt) byNode.set(a.node, a);
  }
  return [...byNode.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

function streamOf(chunks: readonly Buffer[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}

export const metricsRoutes: RouteModule = {
  name: "metrics",
  register(app, ctx) {
    const metrics = new ServerMetrics(ctx);
    if (!ctx.metrics?.public) app.use("/metrics", ctx.requireAuth());
    app.get("/metrics", async (c) => {
      const rendered = await metrics.collect(negotiateFormat(c.req.header("accept")));
      c.header("Content-Type", rendered.contentType);
      c.header("Cache-Control", "no-store");
      c.header("Vary", "Accept, Accept-Encoding");
      if (rendered.encoding !== "gzip") {
        c.header("Content-Length", String(rendered.bytes));
        return c.body(streamOf(rendered.chunks));
      }
      if (acceptsGzip(c.req.header("accept-encoding"))) {
        c.header("Content-Encoding", "gzip");
        c.header("Content-Length", String(rendered.bytes));
        return c.body(streamOf(rendered.chunks));
      }
      c.header("Content-Length", String(rendered.rawBytes));
      return c.body(Readable.toWeb(Readable.from(rendered.chunks).pipe(createGunzip())) as ReadableStream<Uint8Array>);
    });
  },
};
