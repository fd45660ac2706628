/**
 * Plans the per-certificate series: one entry per certificate location (and per unparseable item) with
 * its x509-certificate-exporter v4 label set, collisions resolved by a discriminator (never an error,
 * never a dropped certificate), and the hard series cap applied. Pure: the same inventory and options
 * give the same plan; the clock is not read (values that depend on `now` are written at render time).
 *
 * A plan does not keep the label strings (about 600 bytes per location with enix's empty slots, which
 * would be most of the memory at 100,000 locations): `LabelBuilder.entry()` rebuilds them at render time,
 * once per entry for all its families. Collisions are found by a 53-bit hash of each label set, and
 * entries that share a hash are compared by their exact label sets.
 */
import { createHash } from "node:crypto";
import type { InventoryCert, Location } from "../model/inventory.js";
import type { ScanIssue } from "../model/issue.js";
import { serialToDecimal } from "../pki/x509.js";
import { dnFieldsFromHex, type DnValues } from "./dn-fields.js";
import type { MetricsOptions } from "./options.js";
import { locationSlots, slotsOf, type LocationSlots, type X509SourceKind } from "./ref-labels.js";
import { runSync, STEP, type Steps } from "./steps.js";
import { escapeLabelValue } from "./text-format.js";

/** The location slots of enix's schema, in its order (`pkg/registry/labels.go`). */
export const LOCATION_LABELS = [
  "filename",
  "filepath",
  "embedded_kind",
  "embedded_key",
  "secret_namespace",
  "secret_name",
  "secret_key",
  "configmap_namespace",
  "configmap_name",
  "configmap_key",
  "cabundle_resource_kind",
  "cabundle_resource_name",
  "cabundle_entry",
] as const;

/** Every label of `x509_cert_*` for the given options, in enix's order. */
export function x509LabelNames(options: Pick<MetricsOptions, "issuerFields" | "subjectFields">): string[] {
  return [
    ...LOCATION_LABELS,
    "serial_number",
    "crl_number",
    ...options.issuerFields.map((f) => `issuer_${f}`),
    ...options.subjectFields.map((f) => `subject_${f}`),
    "discriminator",
  ];
}

export interface CertSeriesEntry {
  kind: X509SourceKind;
  /** Discriminator value, "" when the label set is unique (auto mode). */
  discriminator: string;
  ref: string;
  /** Absent for an item that failed to parse (`x509_cert_error 1`). */
  cert?: InventoryCert;
  location?: Location;
}

export interface SeriesPlan {
  entries: CertSeriesEntry[];
  /** Extra certificates that shared a label set, per source kind (enix counts len(group) - 1). */
  collisions: Map<X509SourceKind, number>;
  /** Series left out by the cap. */
  droppedSeries: number;
  /** Series each certificate entry yields (the x509 families on, plus certdoctor_cert_info). */
  seriesPerCert: number;
}

const ISSUE_CODES_WITHOUT_SERIES = new Set(["ERR_FILE_TOO_LARGE", "ERR_FILE_BINARY", "ERR_SOURCE_SKIPPED"]);

/** Series one certificate location produces with these options. */
export function seriesPerCertificate(o: MetricsOptions): number {
  return 1 + Number(o.exposeNotBefore) + Number(o.exposeExpired) + 2 * Number(o.exposeRelative) + Number(o.exposePerCertError) + 1;
}

function discriminatorOf(fingerprint: string, ref: string): string {
  return createHash("sha256").update(fingerprint).update("\0").update(ref).digest("hex").slice(0, 8);
}

/** cyrb53: a fast 53-bit string hash (grouping only, never identity: see the file comment). */
export function hash53(str: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Builds label sets. The certificate part (serial, issuer and subject fields) is the same at every location
 * of a certificate and is kept for the last certificate seen (a pass meets a certificate's locations in a
 * row); issuers' DN fields are cached per DER name for the duration of one pass.
 */
export class LabelBuilder {
  private readonly dnCache = new Map<string, DnValues>();
  private lastCert?: InventoryCert;
  private lastCertPart = "";
  private itemErrorPart?: string;

  constructor(private readonly options: MetricsOptions) {}

  /** An entry's full label set, discriminator included. */
  entry(e: CertSeriesEntry): string {
    const o = this.options;
    const slots = e.location ? slotsOf(e.location, o.trimPathComponents) : locationSlots(e.ref, undefined, o.trimPathComponents);
    let labels = "";
    if (slots !== undefined) {
      const where = this.locationPart(slots);
      const what = e.cert ? this.certPart(e.cert) : (this.itemErrorPart ??= this.namePart("", "", ""));
      labels = where === "" ? what : what === "" ? where : `${where},${what}`;
    }
    if (e.discriminator !== "") labels += `${labels === "" ? "" : ","}discriminator="${e.discriminator}"`;
    else if (o.emitEmptyLabels) labels += `${labels === "" ? "" : ","}discriminator=""`;
    return labels;
  }

  private certPart(cert: InventoryCert): string {
    if (this.lastCert !== cert) {
      this.lastCert = cert;
      this.lastCertPart = this.namePart(serialToDecimal(cert.record.serialNumber), cert.record.issuerDer, cert.record.subjectDer);
    }
    return this.lastCertPart;
  }

  private adder(): { add(name: string, value: string): void; out(): string } {
    const omit = !this.options.emitEmptyLabels;
    let out = "";
    return {
      add(name, value) {
        if (omit && value === "") return;
        out += (out === "" ? "" : ",") + name + '="' + escapeLabelValue(value) + '"';
      },
      out: () => out,
    };
  }

  private locationPart(slots: LocationSlots): string {
    const { add, out } = this.adder();
    add("filename", slots.filename);
    add("filepath", slots.filepath);
    add("embedded_kind", slots.embeddedKind);
    add("embedded_key", slots.embeddedKey);
    const secret = slots.kind === "kube-secret";
    const configmap = slots.kind === "kube-configmap";
    add("secret_namespace", secret ? slots.namespace : "");
    add("secret_name", secret ? slots.name : "");
    add("secret_key", secret ? slots.key : "");
    add("configmap_namespace", configmap ? slots.namespace : "");
    add("configmap_name", configmap ? slots.name : "");
    add("configmap_key", configmap ? slots.key : "");
    const cabundle = slots.kind === "kube-cabundle";
    add("cabundle_resource_kind", cabundle ? slots.cabundleKind : "");
    add("cabundle_resource_name", cabundle ? slots.name : "");
    add("cabundle_entry", cabundle ? slots.cabundleEntry : "");
    return out();
  }

  private namePart(serial: string, issuerHex: string, subjectHex: string): string {
    const o = this.options;
    const { add, out } = this.adder();
    add("serial_number", serial);
    add("crl_number", "");
    const issuer = this.dn(issuerHex);
    for (const f of o.issuerFields) add(`issuer_${f}`, issuer[f]);
    // Subjects are nearly all distinct (and each certificate's part is built once per pass): not cached.
    const subject = subjectHex === "" ? this.dn("") : dnFieldsFromHex(subjectHex);
    for (const f of o.subjectFields) add(`subject_${f}`, subject[f]);
    return out();
  }

  private dn(hex: string): DnValues {
    let v = this.dnCache.get(hex);
    if (v === undefined) {
      v = dnFieldsFromHex(hex);
      this.dnCache.set(hex, v);
    }
    return v;
  }
}

/** Is this issue an item that should have been a certificate (enix's per-item error)? */
function isItemError(issue: ScanIssue): boolean {
  return issue.material && !ISSUE_CODES_WITHOUT_SERIES.has(issue.code);
}

/** Plans the per-certificate series of an inventory. */
export function planCertSeries(certs: readonly InventoryCert[], issues: readonly ScanIssue[], options: MetricsOptions): SeriesPlan {
  return runSync(planSteps(certs, issues, options));
}

/** planCertSeries as steps (see steps.ts). */
export function* planSteps(certs: readonly InventoryCert[], issues: readonly ScanIssue[], options: MetricsOptions): Steps<SeriesPlan> {
  const entries: CertSeriesEntry[] = [];
  for (const cert of certs) {
    if (options.leafOnly && cert.record.isCA) continue;
    for (const location of cert.locations) {
      if (options.excludeBackups && location.backup) continue;
      const slots = slotsOf(location, options.trimPathComponents);
      if (slots === undefined) continue;
      entries.push({ kind: slots.kind, discriminator: "", ref: location.ref, cert, location });
    }
  }
  if (options.exposePerCertError) {
    for (const issue of issues) {
      if (!isItemError(issue)) continue;
      const slots = locationSlots(issue.ref, undefined, options.trimPathComponents);
      if (slots === undefined) continue;
      entries.push({ kind: slots.kind, discriminator: "", ref: issue.ref });
    }
  }
  const collisions = yield* resolveCollisions(entries, options);
  const perCert = seriesPerCertificate(options);
  const { kept, droppedSeries } = applyCap(entries, perCert, options.maxSeries);
  return { entries: kept, collisions, droppedSeries, seriesPerCert: perCert };
}

/**
 * Gives colliding entries (same source kind and label set) a discriminator: a SHA-256 prefix of the
 * certificate's fingerprint and its ref, so each value is stable across scans. In `always` mode every
 * entry gets one. Two byte-identical certificates at two refs of one file still differ by ref.
 */
function* resolveCollisions(entries: CertSeriesEntry[], options: MetricsOptions): Steps<Map<X509SourceKind, number>> {
  // Keyed by the label set alone (not the kind), so no two series can ever end up with the same labels.
  const labels = new LabelBuilder(options);
  const groups = new Map<number, CertSeriesEntry[] | CertSeriesEntry>();
  let n = 0;
  for (const e of entries) {
    if (++n % STEP === 0) yield;
    const key = hash53(labels.entry(e));
    const prev = groups.get(key);
    if (prev === undefined) groups.set(key, e);
    else if (Array.isArray(prev)) prev.push(e);
    else groups.set(key, [prev, e]);
  }
  const collisions = new Map<X509SourceKind, number>();
  for (const hashed of groups.values()) {
    if (!Array.isArray(hashed)) continue;
    // Entries that share a hash, split by their exact label sets (a hash clash is not a collision).
    const exact = new Map<string, CertSeriesEntry[]>();
    for (const e of hashed) {
      const key = labels.entry(e);
      const list = exact.get(key);
      if (list === undefined) exact.set(key, [e]);
      else list.push(e);
    }
    for (const group of exact.values()) if (group.length > 1) discriminate(group, collisions);
  }
  if (options.collisionDiscriminator === "always") {
    for (const e of entries) if (e.discriminator === "") e.discriminator = discriminatorOf(e.cert?.record.fingerprint ?? "", e.ref);
  }
  return collisions;
}

/** Entries with one label set: a distinct, stable discriminator each; counts n - 1 collisions for the kind. */
function discriminate(group: CertSeriesEntry[], collisions: Map<X509SourceKind, number>): void {
  const kind = group[0]!.kind;
  collisions.set(kind, (collisions.get(kind) ?? 0) + group.length - 1);
  const used = new Set<string>();
  for (const e of group) {
    let d = discriminatorOf(e.cert?.record.fingerprint ?? "", e.ref);
    // Same certificate and ref twice (two notes about one item), or a 32-bit prefix clash: still unique.
    for (let n = 1; used.has(d); n++) d = discriminatorOf(e.cert?.record.fingerprint ?? "", `${e.ref}\0${n}`);
    used.add(d);
    e.discriminator = d;
  }
}

/**
 * Keeps at most `maxSeries` series. When over, the most urgent stay: certificates before unparseable
 * items, live locations before backups, then the soonest notAfter; ties by ref, so the choice is stable.
 */
function applyCap(entries: CertSeriesEntry[], perCert: number, maxSeries: number): { kept: CertSeriesEntry[]; droppedSeries: number } {
  const cost = (e: CertSeriesEntry) => (e.cert ? perCert : 1);
  let total = 0;
  for (const e of entries) total += cost(e);
  if (total <= maxSeries) return { kept: entries, droppedSeries: 0 };
  const rank = (e: CertSeriesEntry) => (e.cert === undefined ? 2 : e.location?.backup ? 1 : 0);
  const ordered = [...entries].sort(
    (a, b) => rank(a) - rank(b) || (a.cert?.record.notAfter ?? 0) - (b.cert?.record.notAfter ?? 0) || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0),
  );
  const kept: CertSeriesEntry[] = [];
  let used = 0;
  for (const e of ordered) {
    if (used + cost(e) > maxSeries) continue;
    used += cost(e);
    kept.push(e);
  }
  return { kept, droppedSeries: total - used };
}
