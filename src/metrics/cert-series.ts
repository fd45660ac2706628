/**
 * Plans the per-certificate series: one entry per certificate location (and per unparseable item) with
 * its x509-certificate-exporter v4 label set, collisions resolved by a discriminator (never an error,
 * never a dropped certificate), and the hard series cap applied. Pure: the same inventory and options
 * give the same plan; the clock is not read (values that depend on `now` are written at render time).
 *
 * A plan does not keep the label strings (about 600 bytes per location with enix's empty slots, which
 * would be most of the memory at 100,000 locations): `LabelBuilder.entry()` rebuilds them at render time,
 * once per entry for all its families. Collisions are found without building every label set: entries are
 * grouped by their location labels, then by serial, and only entries equal in both are compared by their
 * exact label sets.
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

/** cyrb53: a fast 53-bit string hash (for content-defined segment boundaries, never for identity). */
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

type SlotField = Exclude<keyof LocationSlots, "kind">;

/** The slot each location label reads, per source kind; a label not listed is always "" for that kind. */
const SLOT_OF: Readonly<Record<X509SourceKind, Partial<Record<(typeof LOCATION_LABELS)[number], SlotField>>>> = {
  file: { filename: "filename", filepath: "filepath" },
  kubeconfig: { filename: "filename", filepath: "filepath", embedded_kind: "embeddedKind", embedded_key: "embeddedKey" },
  "kube-secret": { secret_namespace: "namespace", secret_name: "name", secret_key: "key" },
  "kube-configmap": { configmap_namespace: "namespace", configmap_name: "name", configmap_key: "key" },
  "kube-cabundle": { cabundle_resource_kind: "cabundleKind", cabundle_resource_name: "name", cabundle_entry: "cabundleEntry" },
};

/**
 * A kind's location labels as literal text (`,name=""` runs of the slots that are always empty) and the
 * slots read per entry (`,name="` + value + `"`); every piece starts with a comma, the first one is cut.
 */
type LocationTemplate = Array<string | { head: string; slot: SlotField; keepEmpty: boolean }>;

function locationTemplate(kind: X509SourceKind, emitEmpty: boolean): LocationTemplate {
  const out: LocationTemplate = [];
  for (const label of LOCATION_LABELS) {
    const slot = SLOT_OF[kind][label];
    if (slot !== undefined) out.push({ head: `,${label}="`, slot, keepEmpty: emitEmpty });
    else if (!emitEmpty) continue;
    else if (typeof out[out.length - 1] === "string") out[out.length - 1] += `,${label}=""`;
    else out.push(`,${label}=""`);
  }
  return out;
}

/** The slots a kind's location labels read, with each label's index in LOCATION_LABELS. */
function placeSlotsOf(kind: X509SourceKind): Array<[number, SlotField]> {
  const out: Array<[number, SlotField]> = [];
  LOCATION_LABELS.forEach((label, i) => {
    const slot = SLOT_OF[kind][label];
    if (slot !== undefined) out.push([i, slot]);
  });
  return out;
}

/**
 * Builds label sets. The certificate part (serial, issuer and subject fields) is the same at every location
 * of a certificate and is kept for the last certificate seen (a pass meets a certificate's locations in a
 * row); issuers' DN fields are cached per DER name for the duration of one pass.
 */
export class LabelBuilder {
  private readonly dnCache = new Map<string, DnValues>();
  private readonly templates: Partial<Record<X509SourceKind, LocationTemplate>> = {};
  private readonly placeSlots: Partial<Record<X509SourceKind, Array<[number, SlotField]>>> = {};
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

  /**
   * The location labels' values as a string, equal for two entries whose location labels are equal (an empty
   * value is no label, whatever the kind): `index:value` of each non-empty one, in label order.
   */
  placeKey(slots: LocationSlots): string {
    let key = "";
    for (const [index, slot] of (this.placeSlots[slots.kind] ??= placeSlotsOf(slots.kind))) {
      const v = slots[slot];
      if (v !== "") key += `${index}:${v}\0`;
    }
    return key;
  }

  /** The `serial_number` label's value ("" for an unparseable item). */
  serialKey(e: CertSeriesEntry): string {
    return e.cert ? serialToDecimal(e.cert.record.serialNumber) : "";
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
    const template = (this.templates[slots.kind] ??= locationTemplate(slots.kind, this.options.emitEmptyLabels));
    let out = "";
    for (const part of template) {
      if (typeof part === "string") {
        out += part;
        continue;
      }
      const v = slots[part.slot];
      if (v !== "" || part.keepEmpty) out += part.head + escapeLabelValue(v) + '"';
    }
    return out === "" ? "" : out.slice(1);
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

/**
 * Certificates with their locations in ref order, ordered by their first ref (then fingerprint): a scan meets
 * certificates and a shared CA's thousands of locations in the order its parsers finish, and the same plan
 * order from scan to scan is what lets a rescan reuse the last rendering (render-certs.ts). Ordered by place,
 * a file's certificates stay together, which is also what gzip compresses best.
 */
function inPlanOrder(certs: readonly InventoryCert[]): Array<{ cert: InventoryCert; locations: readonly Location[] }> {
  const out = certs.map((cert) => ({ cert, locations: cert.locations.length < 2 ? cert.locations : [...cert.locations].sort(byRef) }));
  return out.sort((a, b) => byRef(a.locations[0], b.locations[0]) || compare(a.cert.record.fingerprint, b.cert.record.fingerprint));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byRef = (a: Location | undefined, b: Location | undefined) => compare(a?.ref ?? "", b?.ref ?? "");

/** Plans the per-certificate series of an inventory. */
export function planCertSeries(certs: readonly InventoryCert[], issues: readonly ScanIssue[], options: MetricsOptions): SeriesPlan {
  return runSync(planSteps(certs, issues, options));
}

/** planCertSeries as steps (see steps.ts). */
export function* planSteps(certs: readonly InventoryCert[], issues: readonly ScanIssue[], options: MetricsOptions): Steps<SeriesPlan> {
  const entries: CertSeriesEntry[] = [];
  // Each entry's slots, for finding collisions; not kept in the plan (see the file comment).
  const slotsList: LocationSlots[] = [];
  for (const { cert, locations } of inPlanOrder(certs)) {
    if (options.leafOnly && cert.record.isCA) continue;
    for (const location of locations) {
      if (options.excludeBackups && location.backup) continue;
      const slots = slotsOf(location, options.trimPathComponents);
      if (slots === undefined) continue;
      entries.push({ kind: slots.kind, discriminator: "", ref: location.ref, cert, location });
      slotsList.push(slots);
    }
  }
  if (options.exposePerCertError) {
    for (const issue of issues) {
      if (!isItemError(issue)) continue;
      const slots = locationSlots(issue.ref, undefined, options.trimPathComponents);
      if (slots === undefined) continue;
      entries.push({ kind: slots.kind, discriminator: "", ref: issue.ref });
      slotsList.push(slots);
    }
  }
  const collisions = yield* resolveCollisions(entries, slotsList, options);
  const perCert = seriesPerCertificate(options);
  const { kept, droppedSeries } = applyCap(entries, perCert, options.maxSeries);
  return { entries: kept, collisions, droppedSeries, seriesPerCert: perCert };
}

/**
 * Gives colliding entries (same source kind and label set) a discriminator: a SHA-256 prefix of the
 * certificate's fingerprint and its ref, so each value is stable across scans. In `always` mode every
 * entry gets one. Two byte-identical certificates at two refs of one file still differ by ref.
 */
function* resolveCollisions(entries: CertSeriesEntry[], slotsList: readonly LocationSlots[], options: MetricsOptions): Steps<Map<X509SourceKind, number>> {
  // Keyed by the label set alone (not the kind), so no two series can ever end up with the same labels. Equal
  // label sets need equal location labels first, then equal serial labels: only entries equal in both (the
  // same certificate twice in one place, a re-issued serial) have their whole label sets built and compared.
  const labels = new LabelBuilder(options);
  const places = new Map<string, CertSeriesEntry[] | CertSeriesEntry>();
  for (let i = 0; i < entries.length; i++) {
    if ((i + 1) % STEP === 0) yield;
    const e = entries[i]!;
    const key = labels.placeKey(slotsList[i]!);
    const prev = places.get(key);
    if (prev === undefined) places.set(key, e);
    else if (Array.isArray(prev)) prev.push(e);
    else places.set(key, [prev, e]);
  }
  const collisions = new Map<X509SourceKind, number>();
  for (const place of places.values()) {
    if (!Array.isArray(place)) continue;
    for (const sameSerial of groupBy(place, (e) => labels.serialKey(e)).values()) {
      if (sameSerial.length < 2) continue;
      for (const group of groupBy(sameSerial, (e) => labels.entry(e)).values()) if (group.length > 1) discriminate(group, collisions);
    }
  }
  if (options.collisionDiscriminator === "always") {
    for (const e of entries) if (e.discriminator === "") e.discriminator = discriminatorOf(e.cert?.record.fingerprint ?? "", e.ref);
  }
  return collisions;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list === undefined) out.set(k, [x]);
    else list.push(x);
  }
  return out;
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
