/**
 * x509-certificate-exporter v3's metric flags, accepted as v3 spelled them so a v3 command line (or the args
 * its Helm chart generated) carries over to `serve`, `scan --format prometheus` and `agent --metrics-file`.
 * They apply over the `--metrics-config` file. v3's source flags (`--watch-dir` …) are `--path`/`--kube` here.
 */
import { CertdoctorError, ErrorCode } from "../errors.js";
import { parseMetricsOptions, type MetricsOptions } from "./options.js";

export interface V3MetricsFlags {
  trimPathComponents?: string;
  exposeRelativeMetrics?: boolean;
  exposePerCertErrorMetrics?: boolean;
  exposeLabels?: string;
}

/** commander option specs and help. */
export const V3_METRICS_FLAGS: ReadonlyArray<readonly [string, string]> = [
  ["--trim-path-components <n>", "metrics: drop N leading directories from filepath labels (x509-certificate-exporter v3 flag)"],
  ["--expose-relative-metrics", "metrics: also x509_cert_expires_in_seconds and x509_cert_valid_since_seconds (v3 flag)"],
  ["--expose-per-cert-error-metrics", "metrics: x509_cert_error for every item, 1 when unparseable (v3 flag; on by default here)"],
  ["--expose-labels <list>", "metrics: only these comma-separated labels on x509_cert_* (v3 flag; discriminator and node always stay)"],
];

/** The options with the v3 flags given applied; a bad value is a usage error naming the flag. */
export function applyV3MetricsFlags(options: MetricsOptions, flags: V3MetricsFlags): MetricsOptions {
  let out = options;
  const apply = (flag: string, raw: Record<string, unknown>) => {
    try {
      out = parseMetricsOptions(raw, out);
    } catch (err) {
      throw new CertdoctorError(ErrorCode.ERR_USAGE, `${flag}: ${(err as Error).message.replace(/^metrics: /, "")}`, { cause: err });
    }
  };
  if (flags.trimPathComponents !== undefined) {
    const n = /^\d+$/.test(flags.trimPathComponents.trim()) ? Number(flags.trimPathComponents) : Number.NaN;
    apply("--trim-path-components", { trimPathComponents: n });
  }
  if (flags.exposeRelativeMetrics === true) apply("--expose-relative-metrics", { exposeRelative: true });
  if (flags.exposePerCertErrorMetrics === true) apply("--expose-per-cert-error-metrics", { exposePerCertError: true });
  // v3 splits the value on commas; an empty value keeps no label but the ones that keep series apart.
  if (flags.exposeLabels !== undefined) apply("--expose-labels", { metricLabelsFilterList: flags.exposeLabels.split(",") });
  return out;
}
