/**
 * Plans the per-certificate series: one entry per certificate location (and per unparseable item) with
 * its x509-certificate-exporter v4 label set, collisions resolved by a discriminator (never an error,
 * never a dropped certificate), and the hard series cap applied. Pure: the same inventory and options
 * give the same plan; the clock is not read (values that depend on `now` are written at render time).
 */
import { createHash } from "node:crypto";
import type { InventoryCert, Location } from "../model/inventory.js";
import type { ScanIssue } from "../model/issue.js";
import { dnFieldsFromHex, type DnValues } from "./dn-fields.js";
import type { MetricsOptions } from "./options.js";
import { locationSlots, slotsOf, type LocationSlots, type X509SourceKind } from "./ref-labels.js";
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
  /** The rendered label set, discriminator included (once the plan is finished). */
  labels: string;
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

/** enix's serial label: the serial number in decimal (two's complement, so a negative serial keeps its sign). */
export function decimalSerial(hex: string): string {
  if (hex === "") return "";
  const n = BigInt(`0x${hex}`);
  const negative = Number.parseInt(hex[0]!, 16) >= 8;
  return (negative ? n - (1n << BigInt(hex.length * 4)) : n).toString();
}

function discriminatorOf(fingerprint: string, ref: string): string {
  return createHash("sha256").update(fingerprint).update("\0").update(ref).digest("hex").slice(0, 8);
}

class LabelBuilder {
  private readonly dnCache = new Map<string, DnValues>();

  constructor(private readonly options: MetricsOptions) {}

  block(slots: LocationSlots, serial: string, issuerHex: string, subjectHex: string): string {
    const o = this.options;
    const omit = !o.emitEmptyLabels;
    let out = "";
    const add = (name: string, value: string) => {
      if (omit && value === "") return;
      out += (out === "" ? "" : ",") + name + '="' + escapeLabelValue(value) + '"';
    };
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
    add("serial_number", serial);
    add("crl_number", "");
    const issuer = this.dn(issuerHex);
    for (const f of o.issuerFields) add(`issuer_${f}`, issuer[f]);
    const subject = this.dn(subjectHex);
    for (const f of o.subjectFields) add(`subject_${f}`, subject[f]);
    return out;
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
  const labels = new LabelBuilder(options);
  const entries: CertSeriesEntry[] = [];
  for (const cert of certs) {
    if (options.leafOnly && cert.record.isCA) continue;
    let serial: string | undefined;
    for (const location of cert.locations) {
      if (options.excludeBackups && location.backup) continue;
      const slots = slotsOf(location, options.trimPathComponents);
      if (slots === undefined) continue;
      serial ??= decimalSerial(cert.record.serialNumber);
      entries.push({
        kind: slots.kind,
        labels: labels.block(slots, serial, cert.record.issuerDer, cert.record.subjectDer),
        discriminator: "",
        ref: location.ref,
        cert,
        location,
      });
    }
  }
  if (options.exposePerCertError) {
    for (const issue of issues) {
      if (!isItemError(issue)) continue;
      const slots = locationSlots(issue.ref, undefined, options.trimPathComponents);
      if (slots === undefined) continue;
      entries.push({ kind: slots.kind, labels: labels.block(slots, "", "", ""), discriminator: "", ref: issue.ref });
    }
  }
  const collisions = resolveCollisions(entries, options);
  for (const e of entries) {
    if (e.discriminator !== "") e.labels += `${e.labels === "" ? "" : ","}discriminator="${e.discriminator}"`;
    else if (options.emitEmptyLabels) e.labels += `${e.labels === "" ? "" : ","}discriminator=""`;
  }
  const perCert = seriesPerCertificate(options);
  const { kept, droppedSeries } = applyCap(entries, perCert, options.maxSeries);
  return { entries: kept, collisions, droppedSeries, seriesPerCert: perCert };
}

/**
 * Gives colliding entries (same source kind and label set) a discriminator: a SHA-256 prefix of the
 * certificate's fingerprint and its ref, so each value is stable across scans. In `always` mode every
 * entry gets one. Two byte-identical certificates at two refs of one file still differ by ref.
 */
function resolveCollisions(entries: CertSeriesEntry[], options: MetricsOptions): Map<X509SourceKind, number> {
  // Keyed by the label set alone (not the kind), so no two series can ever end up with the same labels.
  const groups = new Map<string, CertSeriesEntry[] | CertSeriesEntry>();
  for (const e of entries) {
    const prev = groups.get(e.labels);
    if (prev === undefined) groups.set(e.labels, e);
    else if (Array.isArray(prev)) prev.push(e);
    else groups.set(e.labels, [prev, e]);
  }
  const collisions = new Map<X509SourceKind, number>();
  for (const group of groups.values()) {
    if (!Array.isArray(group)) continue;
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
  if (options.collisionDiscriminator === "always") {
    for (const e of entries) if (e.discriminator === "") e.discriminator = discriminatorOf(e.cert?.record.fingerprint ?? "", e.ref);
  }
  return collisions;
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
