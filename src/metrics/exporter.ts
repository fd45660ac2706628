/**
 * The exposition of one diagnosed state, and the cache that lets every scrape of the same state share
 * one rendering. A scrape never scans: it renders the current state, or returns the rendering already
 * made for that state version (per format) while its time-dependent values still hold — `x509_cert_expired`
 * flips only at a certificate's notAfter, so a state is rendered again only when one passes. The few
 * age-valued series (pending CSRs, agent report age) are rendered at every scrape.
 */
import { rules as allRules } from "../rules/index.js";
import type { Rule } from "../rules/rule.js";
import { planCertSeries, type SeriesPlan } from "./cert-series.js";
import { MetricsCounters } from "./counters.js";
import { defaultMetricsOptions, type MetricsOptions } from "./options.js";
import { writeCertFamilies } from "./render-certs.js";
import { writeCaDivergence, writeDynamicFamilies, writeEndpoints, writeFindingFamilies, writeStateFamilies } from "./render-diagnosis.js";
import { writeSourceFamilies } from "./render-sources.js";
import type { BuildInfo, MetricsState } from "./state.js";
import { CONTENT_TYPES, ExpositionWriter, type ExpositionFormat } from "./text-format.js";

export interface Rendered {
  contentType: string;
  chunks: Buffer[];
  bytes: number;
  samples: number;
}

interface StaticRendering {
  version: string | number;
  validUntil: number;
  chunks: Buffer[];
  bytes: number;
  samples: number;
}

export interface ExporterStats {
  /** Times the per-certificate label sets were built (once per state version). */
  plans: number;
  /** Times the static part was rendered (per state version and format, again after a notAfter passed). */
  renders: number;
}

export interface MetricsExporterOptions {
  options?: MetricsOptions;
  build: BuildInfo;
  rules?: readonly Rule[];
}

export class MetricsExporter {
  readonly counters = new MetricsCounters();
  readonly stats: ExporterStats = { plans: 0, renders: 0 };
  private readonly options: MetricsOptions;
  private readonly build: BuildInfo;
  private readonly rules: readonly Rule[];
  private plan?: { scanKey: string | number; plan: SeriesPlan };
  private readonly renderings = new Map<ExpositionFormat, StaticRendering>();

  constructor(init: MetricsExporterOptions) {
    this.options = init.options ?? defaultMetricsOptions;
    this.build = init.build;
    this.rules = init.rules ?? allRules;
  }

  /** Counts a new scan's duration, source errors, collisions and dropped series (once per scan key). */
  observe(state: MetricsState): SeriesPlan {
    const scanKey = state.scanKey ?? state.version;
    this.counters.observeState(scanKey, state);
    if (this.plan?.scanKey !== scanKey) {
      const d = state.diagnosed;
      this.plan = { scanKey, plan: planCertSeries(d.inventory.certs, d.issues, this.options) };
      this.stats.plans++;
      this.counters.observePlan(scanKey, this.plan.plan);
    }
    return this.plan.plan;
  }

  /** The exposition of `state` in `format` at `now` (ms since the epoch). */
  render(state: MetricsState, format: ExpositionFormat, now: number): Rendered {
    const plan = this.observe(state);
    let cached = this.renderings.get(format);
    if (cached === undefined || cached.version !== state.version || now >= cached.validUntil) {
      cached = this.renderStatic(state, plan, format, now);
      this.renderings.set(format, cached);
      this.stats.renders++;
    }
    const dynamic = new ExpositionWriter(format);
    writeDynamicFamilies(dynamic, state, now);
    const tail = dynamic.finish();
    return {
      contentType: CONTENT_TYPES[format],
      chunks: [...cached.chunks, ...tail.chunks],
      bytes: cached.bytes + tail.bytes,
      samples: cached.samples + tail.samples,
    };
  }

  private renderStatic(state: MetricsState, plan: SeriesPlan, format: ExpositionFormat, now: number): StaticRendering {
    const w = new ExpositionWriter(format);
    const d = state.diagnosed;
    const { validUntil } = writeCertFamilies(w, plan, this.options, now);
    writeSourceFamilies(w, state.sources, this.counters, this.build);
    writeFindingFamilies(w, d.findings, d.inventory, this.rules);
    writeCaDivergence(w, d.inventory);
    writeEndpoints(w, d.inventory, d.findings);
    writeStateFamilies(w, state);
    const out = w.finish(false);
    return { version: state.version, validUntil, ...out };
  }
}

/** One exposition of one state: `scan --format prometheus` and the agent's textfile. */
export function renderMetrics(state: MetricsState, init: MetricsExporterOptions, format: ExpositionFormat, now: number): Rendered {
  return new MetricsExporter(init).render(state, format, now);
}
