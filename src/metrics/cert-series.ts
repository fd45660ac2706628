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
import type { CertRecord } from "../model/cert.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import type { ScanIssue } from "../model/issue.js";
import { serialToDecimal } from "../pki/x509.js";
import { dnFieldsFromHex, dnFieldsFromRfc2253, type DnValues } from "./dn-fields.js";
import type { MetricsOptions } from "./options.js";
import { locationSlots, mayHaveSlots, slotsOf, type LocationSlots, type X509SourceKind } from "./ref-labels.js";
import type { ReportedPlacement } from "./state.js";
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

/** Every label of `x509_cert_*` for the given options, in enix's order (a location an agent reported adds NODE_LABEL). */
export function x509LabelNames(options: Pick<MetricsOptions, "issuerFields" | "subjectFields" | "labelFilter">): string[] {
  const all = [...LOCATION_LABELS, "serial_number", "crl_number", ...options.issuerFields.map((f) => `issuer_${f}`), ...options.subjectFields.map((f) => `subject_${f}`)];
  const keep = options.labelFilter === undefined ? undefined : new Set(options.labelFilter);
  return [...all.filter((l) => keep === undefined || keep.has(l)), "discriminator"];
}

/**
 * The label a location an agent reported adds after enix's: the same path on two nodes is two locations,
 * where enix's DaemonSet pods are told apart by their scrape target.
 */
export const NODE_LABEL = "node";

/** What the series read of a certificate: a scanned one's record, or the facts an agent reported. */
export interface SeriesCert {
  record: Pick<CertRecord, "fingerprint" | "serialNumber" | "subject" | "issuer" | "subjectDer" | "issuerDer" | "notBefore" | "notAfter" | "isCA">;
}

/** What the series read of a location; `reported` marks one a node agent reported (labelled with its node). */
export type SeriesLocation = Pick<Location, "ref" | "path" | "node" | "role" | "backup"> & { reported?: true };

export interface CertSeriesEntry {
  kind: X509SourceKind;
  /** Discriminator value, "" when the label set is unique (auto mode). */
  discriminator: string;
  ref: string;
  /** Absent for an item that failed to parse (`x509_cert_error 1`). */
  cert?: SeriesCert;
  location?: SeriesLocation;
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

function locationTemplate(kind: X509SourceKind, emitEmpty: boolean, keep: ReadonlySet<string> | undefined): LocationTemplate {
  const out: LocationTemplate = [];
  for (const label of LOCATION_LABELS) {
    if (keep !== undefined && !keep.has(label)) continue;
    const slot = SLOT_OF[kind][label];
    if (slot !== undefined) out.push({ head: `,${label}="`, slot, keepEmpty: emitEmpty });
    else if (!emitEmpty) continue;
    else if (typeof out[out.length - 1] === "string") out[out.length - 1] += `,${label}=""`;
    else out.push(`,${label}=""`);
  }
  return out;
}

/** The slots a kind's location labels read, with each label's index in LOCATION_LABELS. */
function placeSlotsOf(kind: X509SourceKind, keep: ReadonlySet<string> | undefined): Array<[number, SlotField]> {
  const out: Array<[number, SlotField]> = [];
  LOCATION_LABELS.forEach((label, i) => {
    const slot = SLOT_OF[kind][label];
    if (slot !== undefined && (keep === undefined || keep.has(label))) out.push([i, slot]);
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
  private lastCert?: SeriesCert;
  private lastCertPart = "";
  private itemErrorPart?: string;

  /** The labels kept (MetricsOptions.labelFilter); undefined keeps all. */
  private readonly keep: ReadonlySet<string> | undefined;

  constructor(private readonly options: MetricsOptions) {
    this.keep = options.labelFilter === undefined ? undefined : new Set(options.labelFilter);
  }

  /** An entry's full label set, discriminator included. */
  entry(e: CertSeriesEntry): string {
    const o = this.options;
    const slots = e.location ? slotsOf(e.location, o.trimPathComponents) : locationSlots(e.ref, undefined, o.trimPathComponents);
    let labels = "";
    if (slots !== undefined) {
      const where = this.locationPart(slots);
      const what = e.cert ? this.certPart(e.cert) : (this.itemErrorPart ??= this.namePart("", dnFieldsFromHex(""), dnFieldsFromHex("")));
      labels = where === "" ? what : what === "" ? where : `${where},${what}`;
    }
    if (e.discriminator !== "") labels += `${labels === "" ? "" : ","}discriminator="${e.discriminator}"`;
    else if (o.emitEmptyLabels) labels += `${labels === "" ? "" : ","}discriminator=""`;
    if (e.location?.reported) labels += `${labels === "" ? "" : ","}${NODE_LABEL}="${escapeLabelValue(e.location.node ?? "")}"`;
    return labels;
  }

  /**
   * The location labels' values as a string, equal for two entries whose location labels are equal (an empty
   * value is no label, whatever the kind): `index:value` of each non-empty one, in label order.
   */
  placeKey(slots: LocationSlots, location: SeriesLocation | undefined): string {
    let key = location?.reported ? `node:${location.node ?? ""}\0` : "";
    for (const [index, slot] of (this.placeSlots[slots.kind] ??= placeSlotsOf(slots.kind, this.keep))) {
      const v = slots[slot];
      if (v !== "") key += `${index}:${v}\0`;
    }
    return key;
  }

  /** The `serial_number` label's value ("" for an unparseable item). */
  serialKey(e: CertSeriesEntry): string {
    if (this.keep !== undefined && !this.keep.has("serial_number")) return "";
    return e.cert ? serialToDecimal(e.cert.record.serialNumber) : "";
  }

  private certPart(cert: SeriesCert): string {
    if (this.lastCert !== cert) {
      const r = cert.record;
      this.lastCert = cert;
      // A reported certificate has its names in display form only.
      const issuer = r.issuerDer === "" && r.issuer !== "" ? this.dn(r.issuer, dnFieldsFromRfc2253) : this.dn(r.issuerDer, dnFieldsFromHex);
      // Subjects are nearly all distinct (and each certificate's part is built once per pass): not cached.
      const subject = r.subjectDer === "" && r.subject !== "" ? dnFieldsFromRfc2253(r.subject) : dnFieldsFromHex(r.subjectDer);
      this.lastCertPart = this.namePart(serialToDecimal(r.serialNumber), issuer, subject);
    }
    return this.lastCertPart;
  }

  private adder(): { add(name: string, value: string): void; out(): string } {
    const omit = !this.options.emitEmptyLabels;
    const keep = this.keep;
    let out = "";
    return {
      add(name, value) {
        if ((omit && value === "") || (keep !== undefined && !keep.has(name))) return;
        out += (out === "" ? "" : ",") + name + '="' + escapeLabelValue(value) + '"';
      },
      out: () => out,
    };
  }

  private locationPart(slots: LocationSlots): string {
    const template = (this.templates[slots.kind] ??= locationTemplate(slots.kind, this.options.emitEmptyLabels, this.keep));
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

  private namePart(serial: string, issuer: DnValues, subject: DnValues): string {
    const o = this.options;
    const { add, out } = this.adder();
    add("serial_number", serial);
    add("crl_number", "");
    for (const f of o.issuerFields) add(`issuer_${f}`, issuer[f]);
    for (const f of o.subjectFields) add(`subject_${f}`, subject[f]);
    return out();
  }

  /** Issuers' fields, cached by their DER hex or display text (the two never look alike: `30…` vs `CN=…`). */
  private dn(name: string, read: (name: string) => DnValues): DnValues {
    let v = this.dnCache.get(name);
    if (v === undefined) {
      v = read(name);
      this.dnCache.set(name, v);
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

/** Reported placements as series certificates (one per fingerprint) and locations, in the store's order. */
function* reportedEntries(placements: readonly ReportedPlacement[]): Generator<{ cert: SeriesCert; location: SeriesLocation }> {
  const certs = new Map<string, SeriesCert>();
  for (const p of placements) {
    let cert = certs.get(p.fingerprint);
    if (cert === undefined) {
      const record = { fingerprint: p.fingerprint, serialNumber: p.serialNumber, subject: p.subject, issuer: p.issuer, subjectDer: "", issuerDer: "", notBefore: p.notBefore, notAfter: p.notAfter, isCA: p.isCA };
      certs.set(p.fingerprint, (cert = { record }));
    }
    yield { cert, location: { ref: p.ref, node: p.node, backup: p.backup, reported: true, ...(p.role ? { role: p.role } : {}) } };
  }
}

/** Plans the per-certificate series of an inventory (and of the certificates agents reported). */
export function planCertSeries(certs: readonly InventoryCert[], issues: readonly ScanIssue[], options: MetricsOptions, reported: readonly ReportedPlacement[] = [], previous?: SeriesPlan): SeriesPlan {
  return runSync(planSteps(certs, issues, options, reported, previous));
}

/** planCertSeries as steps (see steps.ts). */
export function* planSteps(
  certs: readonly InventoryCert[],
  issues: readonly ScanIssue[],
  options: MetricsOptions,
  reported: readonly ReportedPlacement[] = [],
  previous?: SeriesPlan,
): Steps<SeriesPlan> {
  let entries: CertSeriesEntry[] = [];
  for (const { cert, locations } of inPlanOrder(certs)) {
    if (options.leafOnly && cert.record.isCA) continue;
    for (const location of locations) {
      if (options.excludeBackups && location.backup) continue;
      if (mayHaveSlots(location.ref)) entries.push({ kind: "file", discriminator: "", ref: location.ref, cert, location });
    }
  }
  for (const { cert, location } of reportedEntries(reported)) {
    if (options.leafOnly && cert.record.isCA) continue;
    if (options.excludeBackups && location.backup) continue;
    if (mayHaveSlots(location.ref)) entries.push({ kind: "file", discriminator: "", ref: location.ref, cert, location });
  }
  if (options.exposePerCertError) {
    for (const issue of issues) if (isItemError(issue) && mayHaveSlots(issue.ref)) entries.push({ kind: "file", discriminator: "", ref: issue.ref });
  }
  let collisions: Map<X509SourceKind, number>;
  if (previous !== undefined && previous.droppedSeries === 0 && samePlaces(previous.entries, entries)) {
    // A rescan that found every certificate where it was: the same label sets, so the same kinds and discriminators.
    for (let i = 0; i < entries.length; i++) {
      entries[i]!.kind = previous.entries[i]!.kind;
      entries[i]!.discriminator = previous.entries[i]!.discriminator;
    }
    collisions = previous.collisions;
  } else {
    // Each entry's slots, for finding collisions; not kept in the plan (see the file comment).
    const slotsList: LocationSlots[] = [];
    const kept: CertSeriesEntry[] = [];
    for (const e of entries) {
      const slots = e.location ? slotsOf(e.location, options.trimPathComponents) : locationSlots(e.ref, undefined, options.trimPathComponents);
      if (slots === undefined) continue;
      e.kind = slots.kind;
      kept.push(e);
      slotsList.push(slots);
    }
    entries = kept;
    collisions = yield* resolveCollisions(entries, slotsList, options);
  }
  const perCert = seriesPerCertificate(options);
  const { kept, droppedSeries } = applyCap(entries, perCert, options.maxSeries);
  return { entries: kept, collisions, droppedSeries, seriesPerCert: perCert };
}

/** Whether two plans' entries are the same certificates at the same places with the same location facts, in order. */
function samePlaces(before: readonly CertSeriesEntry[], now: readonly CertSeriesEntry[]): boolean {
  if (before.length !== now.length) return false;
  for (let i = 0; i < now.length; i++) {
    const a = before[i]!;
    const b = now[i]!;
    if (a.ref !== b.ref || a.cert?.record.fingerprint !== b.cert?.record.fingerprint) return false;
    const la = a.location;
    const lb = b.location;
    if (la === undefined || lb === undefined) {
      if (la !== lb) return false;
      continue;
    }
    if (la.path !== lb.path || la.node !== lb.node || la.role !== lb.role || la.backup !== lb.backup || la.reported !== lb.reported) return false;
  }
  return true;
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
    const key = labels.placeKey(slotsList[i]!, e.location);
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
