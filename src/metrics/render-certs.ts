/**
 * Writes the per-certificate families from a SeriesPlan: enix's `x509_cert_*` with its values
 * (seconds since the epoch, 0/1 expired, relative seconds), and `certdoctor_cert_info`, the same label
 * set plus fingerprint, node, role and in_use, for joins (`* on(...) group_left(node, role)`).
 * One pass over the plan: each entry's label set is built and UTF-8-encoded once and copied into every family, each family
 * into its own branch writer (families must be contiguous), appended in order at the end. With gzip,
 * memory holds compressed output plus one chunk per family, never the whole text.
 *
 * Segmented (the server): the plan is cut into segments of about 256 entries at content-defined points (an
 * entry whose ref hashes to a multiple of 256 ends one), and each family's samples of a segment are one
 * piece of whole gzip members. A rescan in which most certificates did not change then finds most pieces in the
 * previous rendering's SegmentCache (keyed by the SHA-256 of the segment's entry identities, plus the values
 * that move with the clock) and appends them as they are: neither their labels nor their compression are redone.
 */
import { createHash } from "node:crypto";
import { hash53, LabelBuilder, type CertSeriesEntry, type SeriesPlan } from "./cert-series.js";
import type { MetricsOptions } from "./options.js";
import { STEP, type Steps } from "./steps.js";
import { escapeLabelValue, formatValue, type ExpositionWriter, type MetricType, type Piece, type SampleName } from "./text-format.js";

/** A rendering's pieces: segment key -> family key -> piece. */
export type SegmentCache = Map<string, Map<string, Piece>>;

const SEGMENT_MASK = 255;
const SEGMENT_MAX = 1024;

/** The instant after which a rendering's time-dependent values are wrong; Infinity when none are. */
export interface Validity {
  validUntil: number;
}

interface CertFamily {
  name: string;
  type: MetricType;
  help: string;
  /**
   * How a segment's piece of this family can be reused: `identity` when the entries fix every sample,
   * `values` when the values also move with the clock (they join the key), `never` when they change every second.
   */
  reuse: "identity" | "values" | "never";
  value(e: CertSeriesEntry): number | undefined;
  extraLabels?(e: CertSeriesEntry): string;
}

interface Branch {
  family: CertFamily;
  w: ExpositionWriter;
  name: SampleName;
}

function families(options: MetricsOptions, now: number, validity: Validity): CertFamily[] {
  const out: CertFamily[] = [{ name: "x509_cert_not_after", type: "gauge", help: "Unix timestamp of the certificate's NotAfter.", reuse: "identity", value: (e) => (e.cert ? e.cert.record.notAfter / 1000 : undefined) }];
  if (options.exposeNotBefore) out.push({ name: "x509_cert_not_before", type: "gauge", help: "Unix timestamp of the certificate's NotBefore.", reuse: "identity", value: (e) => (e.cert ? e.cert.record.notBefore / 1000 : undefined) });
  if (options.exposeExpired) {
    out.push({
      name: "x509_cert_expired",
      type: "gauge",
      help: "1 if the certificate is expired, 0 otherwise.",
      reuse: "values",
      value(e) {
        if (!e.cert) return undefined;
        const notAfter = e.cert.record.notAfter;
        if (notAfter >= now && notAfter < validity.validUntil) validity.validUntil = notAfter + 1;
        return now > notAfter ? 1 : 0;
      },
    });
  }
  if (options.exposeRelative) {
    // Relative values change every second: a rendering is good for the second it was made in.
    validity.validUntil = Math.min(validity.validUntil, Math.floor(now / 1000) * 1000 + 1000);
    out.push({ name: "x509_cert_expires_in_seconds", type: "gauge", help: "Seconds until the certificate's NotAfter.", reuse: "never", value: (e) => (e.cert ? (e.cert.record.notAfter - now) / 1000 : undefined) });
    out.push({ name: "x509_cert_valid_since_seconds", type: "gauge", help: "Seconds since the certificate's NotBefore.", reuse: "never", value: (e) => (e.cert ? (now - e.cert.record.notBefore) / 1000 : undefined) });
  }
  if (options.exposePerCertError) out.push({ name: "x509_cert_error", type: "gauge", help: "1 if the corresponding bundle item failed to parse, 0 otherwise.", reuse: "identity", value: (e) => (e.cert ? 0 : 1) });
  const omit = !options.emitEmptyLabels;
  out.push({
    name: "certdoctor_cert_info",
    type: "info",
    reuse: "identity",
    help: "One series per x509_cert_* series, with the same labels plus the certificate's SHA-256 fingerprint, its node, layout role and whether the location is in use (not a backup or superseded copy).",
    value: (e) => (e.cert ? 1 : undefined),
    extraLabels(e) {
      const node = e.location?.node ?? "";
      const role = e.location?.role ?? "";
      let s = `fingerprint="${e.cert!.record.fingerprint}"`;
      // A reported location has its node among the x509_cert_* labels already.
      if (!e.location?.reported && (!omit || node !== "")) s += `,node="${escapeLabelValue(node)}"`;
      if (!omit || role !== "") s += `,role="${escapeLabelValue(role)}"`;
      return `${s},in_use="${e.location?.backup ? "false" : "true"}"`;
    },
  });
  return out;
}

/** Writes the per-certificate families; returns when `x509_cert_expired` (or relative values) go stale. Steps: see steps.ts. */
export function* writeCertFamilies(w: ExpositionWriter, plan: SeriesPlan, options: MetricsOptions, now: number): Steps<Validity> {
  const validity: Validity = { validUntil: Infinity };
  const branches = openBranches(w, families(options, now, validity));
  const labels = new LabelBuilder(options);
  let n = 0;
  for (const e of plan.entries) {
    if (++n % STEP === 0) yield;
    // Encoded once, copied into every family.
    const block = Buffer.from(labels.entry(e), "utf8");
    for (const b of branches) writeSample(b, e, block, b.family.value(e));
  }
  for (const b of branches) w.adopt(b.w);
  return validity;
}

/** writeCertFamilies in reusable segments (see the file comment); `previous` is the last rendering's cache (same options and format). */
export function* writeCertFamiliesSegmented(
  w: ExpositionWriter,
  plan: SeriesPlan,
  options: MetricsOptions,
  now: number,
  previous: SegmentCache | undefined,
): Steps<Validity & { segments: SegmentCache; reused: number }> {
  const validity: Validity = { validUntil: Infinity };
  const branches = openBranches(w, families(options, now, validity));
  for (const b of branches) b.w.cut(); // the HELP/TYPE lines are not part of any segment
  const labels = new LabelBuilder(options);
  const segments: SegmentCache = new Map();
  const entries = plan.entries;
  let reused = 0;
  let start = 0;
  let identities = createHash("sha256");
  for (let i = 0; i < entries.length; i++) {
    if ((i + 1) % STEP === 0) yield;
    const e = entries[i]!;
    identities.update(identityOf(e));
    if ((hash53(e.ref) & SEGMENT_MASK) !== 0 && i + 1 - start < SEGMENT_MAX && i < entries.length - 1) continue;
    const key = identities.digest("base64");
    const pieces = new Map<string, Piece>();
    reused += writeSegment(branches, entries.slice(start, i + 1), labels, previous?.get(key), pieces);
    segments.set(key, pieces);
    start = i + 1;
    identities = createHash("sha256");
  }
  for (const b of branches) w.adopt(b.w);
  return { validUntil: validity.validUntil, segments, reused };
}

function openBranches(w: ExpositionWriter, list: CertFamily[]): Branch[] {
  return list.map((family) => {
    const bw = w.branch();
    bw.family(family.name, family.type, family.help);
    return { family, w: bw, name: bw.lineName() };
  });
}

/**
 * What fixes an entry's label set and values, the clock aside: its ref and path (the location labels), the
 * certificate's fingerprint (serial, names, dates), the discriminator, and the location facts of certdoctor_cert_info.
 */
function identityOf(e: CertSeriesEntry): string {
  const l = e.location;
  return `${e.ref}\0${l?.path ?? ""}\0${e.cert?.record.fingerprint ?? ""}\0${e.discriminator}\0${l?.node ?? ""}\0${l?.role ?? ""}\0${l?.backup ? 1 : 0}${l?.reported ? 1 : 0}\n`;
}

/** One segment in every family, from `before`'s pieces where they still hold; returns the pieces reused. */
function writeSegment(branches: Branch[], seg: CertSeriesEntry[], labels: LabelBuilder, before: Map<string, Piece> | undefined, pieces: Map<string, Piece>): number {
  let reused = 0;
  let blocks: Buffer[] | undefined;
  for (const b of branches) {
    const { family } = b;
    let values: (number | undefined)[] | undefined;
    let key = family.name;
    if (family.reuse === "values") {
      values = seg.map((e) => family.value(e)); // always computed: value() also tracks the rendering's validity
      key += `\n${values.join(",")}`;
    }
    const hit = family.reuse === "never" ? undefined : before?.get(key);
    if (hit !== undefined) {
      b.w.append(hit);
      pieces.set(key, hit);
      reused++;
      continue;
    }
    blocks ??= seg.map((e) => Buffer.from(labels.entry(e), "utf8"));
    for (let j = 0; j < seg.length; j++) writeSample(b, seg[j]!, blocks[j]!, values === undefined ? family.value(seg[j]!) : values[j]);
    const piece = b.w.cut();
    if (family.reuse !== "never") pieces.set(key, piece);
  }
  return reused;
}

function writeSample(b: Branch, e: CertSeriesEntry, block: Buffer, v: number | undefined): void {
  if (v === undefined) return;
  const extra = b.family.extraLabels === undefined ? undefined : Buffer.from(b.family.extraLabels(e), "utf8");
  b.w.line(b.name, block, extra, formatValue(v));
}
