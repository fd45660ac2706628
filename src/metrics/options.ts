/**
 * What the exposition contains. Names follow x509-certificate-exporter's `metrics.*` config keys so an
 * enix config section can be copied; defaults differ where enix's make a shipped alert unable to fire
 * (not-before and per-certificate errors are on here). Validated once at start-up: a bad value is a
 * config error (ERR_CONFIG_INVALID), never a surprise at scrape time.
 */
import { CertdoctorError, ErrorCode } from "../errors.js";
import { NODE_LABEL, x509LabelNames } from "./cert-series.js";
import { DN_FIELDS, type DnField } from "./dn-fields.js";

export type CollisionDiscriminator = "auto" | "always";

export interface MetricsOptions {
  /** `x509_cert_expires_in_seconds` and `x509_cert_valid_since_seconds` (enix default: off). */
  exposeRelative: boolean;
  /** `x509_cert_not_before` (enix default: off; on here so CertificateNotYetValid can fire). */
  exposeNotBefore: boolean;
  /** `x509_cert_expired` (enix default: on). */
  exposeExpired: boolean;
  /** `x509_cert_error`: 1 per unparseable item, 0 per certificate (enix default: off; on here so CertificateError can fire). */
  exposePerCertError: boolean;
  /** Subject fields kept as `subject_*` labels, in enix's order C, ST, L, O, OU, CN. */
  subjectFields: DnField[];
  issuerFields: DnField[];
  /** Leading directory components removed from `filepath`. */
  trimPathComponents: number;
  /** Only non-CA certificates get `x509_cert_*` series. */
  leafOnly: boolean;
  /** Backup and superseded copies (kubeadm `pki/expired`, `*.bak`, old kubelet rotations) get no series. */
  excludeBackups: boolean;
  /** `auto`: a discriminator value only on colliding label sets (enix default); `always`: on every series. */
  collisionDiscriminator: CollisionDiscriminator;
  /** Write irrelevant label slots as `""` like enix does. Off, they are left out: Prometheus stores the same series. */
  emitEmptyLabels: boolean;
  /** Hard cap on per-certificate series (all `x509_cert_*` and `certdoctor_cert_info` together). */
  maxSeries: number;
  /**
   * Only these labels on the per-certificate series (enix v3's `--expose-labels`, its chart's
   * `metricLabelsFilterList`); all when absent. The discriminator and an agent location's node always stay:
   * they are what keeps two series apart.
   */
  labelFilter?: readonly string[];
}

export const defaultMetricsOptions: Readonly<MetricsOptions> = Object.freeze({
  exposeRelative: false,
  exposeNotBefore: true,
  exposeExpired: true,
  exposePerCertError: true,
  subjectFields: [...DN_FIELDS],
  issuerFields: [...DN_FIELDS],
  trimPathComponents: 0,
  leafOnly: false,
  excludeBackups: true,
  collisionDiscriminator: "auto",
  emitEmptyLabels: true,
  maxSeries: 2_000_000,
});

const MAX_SERIES_LIMIT = 50_000_000;
const BOOLEAN_KEYS = ["exposeRelative", "exposeNotBefore", "exposeExpired", "exposePerCertError", "leafOnly", "excludeBackups", "emitEmptyLabels"] as const;

function fail(message: string): never {
  throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `metrics: ${message}`);
}

function parseFields(key: string, value: unknown): DnField[] {
  if (!Array.isArray(value)) fail(`${key} must be a list of ${DN_FIELDS.join(", ")}`);
  const wanted = new Set<string>();
  for (const v of value) {
    const f = typeof v === "string" ? v.trim().toUpperCase() : "";
    if (!(DN_FIELDS as readonly string[]).includes(f)) fail(`${key}: unknown field ${JSON.stringify(v)} (use ${DN_FIELDS.join(", ")})`);
    wanted.add(f);
  }
  // An empty list means all fields, as in enix.
  return wanted.size === 0 ? [...DN_FIELDS] : DN_FIELDS.filter((f) => wanted.has(f));
}

/** Labels `metricLabelsFilterList` may name: every per-certificate label of enix's schema, and the node. */
function filterableLabels(): Set<string> {
  return new Set([...x509LabelNames({ issuerFields: [...DN_FIELDS], subjectFields: [...DN_FIELDS] }), NODE_LABEL]);
}

function parseLabelFilter(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) fail("metricLabelsFilterList must be a list of label names");
  const known = filterableLabels();
  const names = (value as string[]).map((v) => v.trim()).filter((v) => v !== "");
  for (const n of names) if (!known.has(n)) fail(`metricLabelsFilterList: unknown label ${JSON.stringify(n)} (use ${[...known].join(", ")})`);
  return [...new Set(names)];
}

/**
 * Options from a config object (`metrics:` section, enix key names) over `base` (the defaults unless given);
 * unknown keys are an error.
 */
export function parseMetricsOptions(raw: unknown, base: Readonly<MetricsOptions> = defaultMetricsOptions): MetricsOptions {
  const out: MetricsOptions = { ...base, subjectFields: [...base.subjectFields], issuerFields: [...base.issuerFields] };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== "object" || Array.isArray(raw)) fail("must be a mapping");
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== "boolean") fail(`${key} must be true or false`);
      out[key as (typeof BOOLEAN_KEYS)[number]] = value;
      continue;
    }
    switch (key) {
      case "exposeSubjectFields":
        out.subjectFields = parseFields(key, value);
        break;
      case "exposeIssuerFields":
        out.issuerFields = parseFields(key, value);
        break;
      case "trimPathComponents":
        if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 64) fail("trimPathComponents must be an integer from 0 to 64");
        out.trimPathComponents = value as number;
        break;
      case "collisionDiscriminator":
        if (value !== "auto" && value !== "always") fail('collisionDiscriminator must be "auto" or "always" (certdoctor never drops a colliding certificate)');
        out.collisionDiscriminator = value;
        break;
      case "metricLabelsFilterList":
        if (value === null) delete out.labelFilter;
        else out.labelFilter = parseLabelFilter(value);
        break;
      case "maxSeries":
        if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_SERIES_LIMIT) fail(`maxSeries must be an integer from 1 to ${MAX_SERIES_LIMIT}`);
        out.maxSeries = value as number;
        break;
      default:
        fail(`unknown option ${JSON.stringify(key)}`);
    }
  }
  return out;
}
