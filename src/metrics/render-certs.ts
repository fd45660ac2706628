/**
 * Writes the per-certificate families from a SeriesPlan: enix's `x509_cert_*` with its values
 * (seconds since the epoch, 0/1 expired, relative seconds), and `certdoctor_cert_info`, the same label
 * set plus fingerprint, node, role and in_use, for joins (`* on(...) group_left(node, role)`).
 * One pass over the plan: each entry's label set is built and UTF-8-encoded once and copied into every family, each family
 * into its own branch writer (families must be contiguous), appended in order at the end. With gzip,
 * memory holds compressed output plus one chunk per family, never the whole text.
 */
import { LabelBuilder, type CertSeriesEntry, type SeriesPlan } from "./cert-series.js";
import type { MetricsOptions } from "./options.js";
import { STEP, type Steps } from "./steps.js";
import { escapeLabelValue, formatValue, type ExpositionWriter, type MetricType, type SampleName } from "./text-format.js";

/** The instant after which a rendering's time-dependent values are wrong; Infinity when none are. */
export interface Validity {
  validUntil: number;
}

interface CertFamily {
  name: string;
  type: MetricType;
  help: string;
  value(e: CertSeriesEntry): number | undefined;
  extraLabels?(e: CertSeriesEntry): string;
}

interface Branch {
  family: CertFamily;
  w: ExpositionWriter;
  name: SampleName;
}

function families(options: MetricsOptions, now: number, validity: Validity): CertFamily[] {
  const out: CertFamily[] = [{ name: "x509_cert_not_after", type: "gauge", help: "Unix timestamp of the certificate's NotAfter.", value: (e) => (e.cert ? e.cert.record.notAfter / 1000 : undefined) }];
  if (options.exposeNotBefore) out.push({ name: "x509_cert_not_before", type: "gauge", help: "Unix timestamp of the certificate's NotBefore.", value: (e) => (e.cert ? e.cert.record.notBefore / 1000 : undefined) });
  if (options.exposeExpired) {
    out.push({
      name: "x509_cert_expired",
      type: "gauge",
      help: "1 if the certificate is expired, 0 otherwise.",
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
    out.push({ name: "x509_cert_expires_in_seconds", type: "gauge", help: "Seconds until the certificate's NotAfter.", value: (e) => (e.cert ? (e.cert.record.notAfter - now) / 1000 : undefined) });
    out.push({ name: "x509_cert_valid_since_seconds", type: "gauge", help: "Seconds since the certificate's NotBefore.", value: (e) => (e.cert ? (now - e.cert.record.notBefore) / 1000 : undefined) });
  }
  if (options.exposePerCertError) out.push({ name: "x509_cert_error", type: "gauge", help: "1 if the corresponding bundle item failed to parse, 0 otherwise.", value: (e) => (e.cert ? 0 : 1) });
  const omit = !options.emitEmptyLabels;
  out.push({
    name: "certdoctor_cert_info",
    type: "info",
    help: "One series per x509_cert_* series, with the same labels plus the certificate's SHA-256 fingerprint, its node, layout role and whether the location is in use (not a backup or superseded copy).",
    value: (e) => (e.cert ? 1 : undefined),
    extraLabels(e) {
      const node = e.location?.node ?? "";
      const role = e.location?.role ?? "";
      let s = `fingerprint="${e.cert!.record.fingerprint}"`;
      if (!omit || node !== "") s += `,node="${escapeLabelValue(node)}"`;
      if (!omit || role !== "") s += `,role="${escapeLabelValue(role)}"`;
      return `${s},in_use="${e.location?.backup ? "false" : "true"}"`;
    },
  });
  return out;
}

/** Writes the per-certificate families; returns when `x509_cert_expired` (or relative values) go stale. Steps: see steps.ts. */
export function* writeCertFamilies(w: ExpositionWriter, plan: SeriesPlan, options: MetricsOptions, now: number): Steps<Validity> {
  const validity: Validity = { validUntil: Infinity };
  const branches: Branch[] = families(options, now, validity).map((family) => {
    const bw = w.branch();
    bw.family(family.name, family.type, family.help);
    return { family, w: bw, name: bw.lineName() };
  });
  const labels = new LabelBuilder(options);
  let n = 0;
  for (const e of plan.entries) {
    if (++n % STEP === 0) yield;
    // Encoded once, copied into every family.
    const block = Buffer.from(labels.entry(e), "utf8");
    for (const b of branches) {
      const v = b.family.value(e);
      if (v === undefined) continue;
      const extra = b.family.extraLabels === undefined ? undefined : Buffer.from(b.family.extraLabels(e), "utf8");
      b.w.line(b.name, block, extra, formatValue(v));
    }
  }
  for (const b of branches) w.adopt(b.w);
  return validity;
}
