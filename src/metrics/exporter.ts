/**
 * The exposition of one diagnosed state, and the cache that lets every scrape of the same state share
 * one rendering. A scrape never scans: it renders the current state, or returns the rendering already
 * made for that state version (per format) while its time-dependent values still hold — `x509_cert_expired`
 * flips only at a certificate's notAfter, so a state is rendered again only when one passes. The few
 * age-valued series (pending CSRs, agent report age) are rendered at every scrape.
 */
import { rules as allRules } from "../rules/index.js";
import type { Rule } from "../rules/rule.js";
import { planSteps, type SeriesPlan } from "./cert-series.js";
import { MetricsCounters } from "./counters.js";
import { defaultMetricsOptions, type MetricsOptions } from "./options.js";
import { writeCertFamilies, writeCertFamiliesSegmented, type SegmentCache } from "./render-certs.js";
import { writeCaDivergence, writeDynamicFamilies, writeEndpoints, writeFindingFamilies, writeStateFamilies } from "./render-diagnosis.js";
import { writeSourceFamilies } from "./render-sources.js";
import type { BuildInfo, MetricsState } from "./state.js";
import { runAsync, runSync, type Steps } from "./steps.js";
import { CONTENT_TYPES, ExpositionWriter, type ExpositionFormat, type WriterOutput } from "./text-format.js";

export interface Rendered {
  contentType: string;
  /** "gzip" when the chunks are gzip members (MetricsExporterOptions.gzip). */
  encoding?: "gzip";
  chunks: Buffer[];
  /** Bytes of `chunks`. */
  bytes: number;
  /** Bytes of the exposition text (equal to `bytes` unless gzip). */
  rawBytes: number;
  samples: number;
}

interface StaticRendering extends WriterOutput {
  version: string | number;
  planKey: string;
  validUntil: number;
}

/** The per-certificate families of one plan: they depend on it and the clock only, not on the state version. */
interface CertRendering extends WriterOutput {
  planKey: string;
  validUntil: number;
  /** Its pieces for the next scan's rendering to reuse (gzip renderings only). */
  segments?: SegmentCache;
}

export interface ExporterStats {
  /** Times the per-certificate label sets were built (once per state version). */
  plans: number;
  /** Times the static part was rendered (per state version and format, again after a notAfter passed). */
  renders: number;
  /** Times the per-certificate families were rendered (per scan and format, again after a notAfter passed). */
  certRenders: number;
  /** Family pieces of a segment taken from the previous rendering, in all renderings so far (gzip only). */
  reusedPieces: number;
}

export interface MetricsExporterOptions {
  options?: MetricsOptions;
  build: BuildInfo;
  rules?: readonly Rule[];
  /**
   * Keep renderings gzip-compressed (the server): a cached exposition then costs a twentieth of its text,
   * and the text is never whole in memory. Scrapers that do not accept gzip get it decompressed on the fly.
   */
  gzip?: boolean;
}

export class MetricsExporter {
  readonly counters = new MetricsCounters();
  readonly stats: ExporterStats = { plans: 0, renders: 0, certRenders: 0, reusedPieces: 0 };
  private readonly options: MetricsOptions;
  private readonly build: BuildInfo;
  private readonly rules: readonly Rule[];
  private readonly gzip: boolean;
  private plan?: { planKey: string; plan: SeriesPlan };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly renderings = new Map<ExpositionFormat, StaticRendering>();
  private readonly certRenderings = new Map<ExpositionFormat, CertRendering>();

  constructor(init: MetricsExporterOptions) {
    this.options = init.options ?? defaultMetricsOptions;
    this.build = init.build;
    this.rules = init.rules ?? allRules;
    this.gzip = init.gzip ?? false;
  }

  /** Counts a new scan's duration, source errors, collisions and dropped series (once per scan key). */
  observe(state: MetricsState): SeriesPlan {
    return runSync(this.observeSteps(state)).plan;
  }

  /** The exposition of `state` in `format` at `now` (ms since the epoch). */
  render(state: MetricsState, format: ExpositionFormat, now: number): Rendered {
    return runSync(this.renderSteps(state, format, now));
  }

  /**
   * `render`, giving the event loop a turn every few thousand entries; renders run one at a time, so
   * concurrent scrapes of a new state wait for one rendering and share it.
   */
  renderAsync(state: MetricsState, format: ExpositionFormat, now: number): Promise<Rendered> {
    if (this.isReady(state, format, now)) return Promise.resolve(this.render(state, format, now));
    const run = this.queue.then(() => runAsync(this.renderSteps(state, format, now)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private isReady(state: MetricsState, format: ExpositionFormat, now: number): boolean {
    const cached = this.renderings.get(format);
    return this.plan?.planKey === planKeyOf(state) && cached !== undefined && cached.version === state.version && cached.planKey === this.plan.planKey && now < cached.validUntil;
  }

  private *observeSteps(state: MetricsState): Steps<{ planKey: string; plan: SeriesPlan }> {
    const scanKey = state.scanKey ?? state.version;
    this.counters.observeState(scanKey, state);
    const planKey = planKeyOf(state);
    if (this.plan?.planKey !== planKey) {
      const d = state.diagnosed;
      const plan = yield* planSteps(d.inventory.certs, d.issues, this.options, state.reported?.placements, this.plan?.plan);
      this.plan = { planKey, plan };
      this.stats.plans++;
      this.counters.observePlan(planKey, plan);
    }
    return this.plan;
  }

  private *renderSteps(state: MetricsState, format: ExpositionFormat, now: number): Steps<Rendered> {
    const { planKey, plan } = yield* this.observeSteps(state);
    let cached = this.renderings.get(format);
    if (cached === undefined || cached.version !== state.version || cached.planKey !== planKey || now >= cached.validUntil) {
      cached = yield* this.renderStatic(state, planKey, plan, format, now);
      this.renderings.set(format, cached);
      this.stats.renders++;
    }
    const dynamic = new ExpositionWriter(format, this.gzip);
    writeDynamicFamilies(dynamic, state, now);
    const tail = dynamic.finish();
    return {
      contentType: CONTENT_TYPES[format],
      ...(this.gzip ? { encoding: "gzip" as const } : {}),
      chunks: [...cached.chunks, ...tail.chunks],
      bytes: cached.bytes + tail.bytes,
      rawBytes: cached.rawBytes + tail.rawBytes,
      samples: cached.samples + tail.samples,
    };
  }

  private *renderStatic(state: MetricsState, planKey: string, plan: SeriesPlan, format: ExpositionFormat, now: number): Steps<StaticRendering> {
    const certs = yield* this.certFamilies(planKey, plan, format, now);
    const w = new ExpositionWriter(format, this.gzip);
    const d = state.diagnosed;
    writeSourceFamilies(w, state.sources, this.counters, this.build);
    writeFindingFamilies(w, d.findings, d.inventory, this.rules);
    writeCaDivergence(w, d.inventory);
    writeEndpoints(w, d.inventory, d.findings);
    writeStateFamilies(w, state);
    const rest = w.finish(false);
    return {
      version: state.version,
      planKey,
      validUntil: certs.validUntil,
      chunks: [...certs.chunks, ...rest.chunks],
      bytes: certs.bytes + rest.bytes,
      rawBytes: certs.rawBytes + rest.rawBytes,
      samples: certs.samples + rest.samples,
    };
  }

  /**
   * The per-certificate families (all but a few hundred bytes of a large exposition), shared by every state
   * version of one scan: a source's progress or a new finding count does not write 800,000 samples again.
   */
  private *certFamilies(planKey: string, plan: SeriesPlan, format: ExpositionFormat, now: number): Steps<CertRendering> {
    const cached = this.certRenderings.get(format);
    if (cached !== undefined && cached.planKey === planKey && now < cached.validUntil) return cached;
    const w = new ExpositionWriter(format, this.gzip);
    let out: CertRendering;
    if (this.gzip) {
      // Segments pay off where pieces are whole gzip members; uncompressed renderings are made once (CLI, agent).
      const r = yield* writeCertFamiliesSegmented(w, plan, this.options, now, cached?.segments);
      this.stats.reusedPieces += r.reused;
      out = { planKey, validUntil: r.validUntil, segments: r.segments, ...w.finish(false) };
    } else {
      const { validUntil } = yield* writeCertFamilies(w, plan, this.options, now);
      out = { planKey, validUntil, ...w.finish(false) };
    }
    this.certRenderings.set(format, out);
    this.stats.certRenders++;
    return out;
  }
}

/** The scan and the agents' reports a plan is made from. */
function planKeyOf(state: MetricsState): string {
  return `${state.scanKey ?? state.version}\0${state.reported?.key ?? ""}`;
}

/** One exposition of one state: `scan --format prometheus` and the agent's textfile. */
export function renderMetrics(state: MetricsState, init: MetricsExporterOptions, format: ExpositionFormat, now: number): Rendered {
  return new MetricsExporter(init).render(state, format, now);
}
