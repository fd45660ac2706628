/**
 * Writes the per-certificate families from a SeriesPlan: enix's `x509_cert_*` with its values
 * (seconds since the epoch, 0/1 expired, relative seconds), and `certdoctor_cert_info`, the same label
 * set plus fingerprint, node, role and in_use, for joins (`* on(...) group_left(node, role)`).
 * Each family is one pass over the plan with the label sets rendered once in the plan.
 */
import type { CertSeriesEntry, SeriesPlan } from "./cert-series.js";
import type { MetricsOptions } from "./options.js";
import { escapeLabelValue, formatValue, type ExpositionWriter } from "./text-format.js";

const FLUSH_CHARS = 64 * 1024;

/** The instant after which a rendering's time-dependent values are wrong; Infinity when none are. */
export interface Validity {
  validUntil: number;
}

function writeFamily(
  w: ExpositionWriter,
  entries: readonly CertSeriesEntry[],
  value: (e: CertSeriesEntry) => number | undefined,
  extraLabels?: (e: CertSeriesEntry) => string,
): void {
  const name = w.sampleName();
  let buf = "";
  let n = 0;
  for (const e of entries) {
    const v = value(e);
    if (v === undefined) continue;
    const extra = extraLabels === undefined ? "" : extraLabels(e);
    const labels = extra === "" ? e.labels : e.labels === "" ? extra : `${e.labels},${extra}`;
    buf += labels === "" ? `${name} ${formatValue(v)}\n` : `${name}{${labels}} ${formatValue(v)}\n`;
    n++;
    if (buf.length >= FLUSH_CHARS) {
      w.raw(buf, n);
      buf = "";
      n = 0;
    }
  }
  if (n > 0) w.raw(buf, n);
}

/** Writes the per-certificate families; returns when `x509_cert_expired` (or relative values) go stale. */
export function writeCertFamilies(w: ExpositionWriter, plan: SeriesPlan, options: MetricsOptions, now: number): Validity {
  const entries = plan.entries;
  let validUntil = Infinity;
  w.family("x509_cert_not_after", "gauge", "Unix timestamp of the certificate's NotAfter.");
  writeFamily(w, entries, (e) => (e.cert ? e.cert.record.notAfter / 1000 : undefined));
  if (options.exposeNotBefore) {
    w.family("x509_cert_not_before", "gauge", "Unix timestamp of the certificate's NotBefore.");
    writeFamily(w, entries, (e) => (e.cert ? e.cert.record.notBefore / 1000 : undefined));
  }
  if (options.exposeExpired) {
    w.family("x509_cert_expired", "gauge", "1 if the certificate is expired, 0 otherwise.");
    writeFamily(w, entries, (e) => {
      if (!e.cert) return undefined;
      const notAfter = e.cert.record.notAfter;
      if (notAfter >= now && notAfter < validUntil) validUntil = notAfter + 1;
      return now > notAfter ? 1 : 0;
    });
  }
  if (options.exposeRelative) {
    // Relative values change every second: a rendering is good for the second it was made in.
    validUntil = Math.min(validUntil, Math.floor(now / 1000) * 1000 + 1000);
    w.family("x509_cert_expires_in_seconds", "gauge", "Seconds until the certificate's NotAfter.");
    writeFamily(w, entries, (e) => (e.cert ? (e.cert.record.notAfter - now) / 1000 : undefined));
    w.family("x509_cert_valid_since_seconds", "gauge", "Seconds since the certificate's NotBefore.");
    writeFamily(w, entries, (e) => (e.cert ? (now - e.cert.record.notBefore) / 1000 : undefined));
  }
  if (options.exposePerCertError) {
    w.family("x509_cert_error", "gauge", "1 if the corresponding bundle item failed to parse, 0 otherwise.");
    writeFamily(w, entries, (e) => (e.cert ? 0 : 1));
  }
  w.family(
    "certdoctor_cert_info",
    "info",
    "One series per x509_cert_* series, with the same labels plus the certificate's SHA-256 fingerprint, its node, layout role and whether the location is in use (not a backup or superseded copy).",
  );
  const omit = !options.emitEmptyLabels;
  writeFamily(
    w,
    entries,
    (e) => (e.cert ? 1 : undefined),
    (e) => {
      const node = e.location?.node ?? "";
      const role = e.location?.role ?? "";
      let s = `fingerprint="${e.cert!.record.fingerprint}"`;
      if (!omit || node !== "") s += `,node="${escapeLabelValue(node)}"`;
      if (!omit || role !== "") s += `,role="${escapeLabelValue(role)}"`;
      return `${s},in_use="${e.location?.backup ? "false" : "true"}"`;
    },
  );
  return { validUntil };
}
