/**
 * enix's per-source and health families: `x509_source_up`, `x509_source_errors_total`,
 * `x509_cert_collision_total`, `x509_exporter_build_info`, and certdoctor's scan counters
 * (`certdoctor_scan_duration_seconds`, `certdoctor_scan_issues_total`, dropped series).
 */
import { arch, platform } from "node:process";
import type { MetricsCounters } from "./counters.js";
import { SCAN_DURATION_BUCKETS } from "./counters.js";
import type { SourceStatus } from "./source-status.js";
import type { BuildInfo } from "./state.js";
import { escapeLabelValue as esc, formatValue, type ExpositionWriter } from "./text-format.js";

/** Go's GOARCH names for Node's process.arch, so `go_arch`-style dashboards group alike. */
const GO_ARCH: Readonly<Record<string, string>> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" };

export function writeSourceFamilies(w: ExpositionWriter, sources: readonly SourceStatus[], counters: MetricsCounters, build: BuildInfo): void {
  w.family("x509_source_up", "gauge", "1 if the source was read in the last collection, 0 if it failed.");
  for (const s of sources) w.sample(`source_kind="${esc(s.kind)}",source_name="${esc(s.name)}"`, s.up ? 1 : 0);

  w.family("x509_source_errors_total", "counter", "Errors emitted by sources, by reason code.");
  const errors = [...counters.sourceErrors.values()].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name) || cmp(a.reason, b.reason));
  for (const e of errors) w.sample(`source_kind="${esc(e.kind)}",source_name="${esc(e.name)}",reason="${esc(e.reason)}"`, e.value);

  w.family(
    "x509_cert_collision_total",
    "counter",
    "Certificates that shared their label set with another one, counted once per collected state; the discriminator label keeps them apart (never dropped, never an error).",
  );
  for (const [kind, n] of counters.collisions) w.sample(`source_kind="${kind}"`, n);

  w.family("x509_exporter_build_info", "info", "Constant 1, with build labels.");
  w.sample(
    `version="${esc(build.version)}",built="${esc(build.built ?? "")}",git_commit="${esc(build.gitCommit ?? "")}",runtime="node ${esc(process.versions.node)}",go_os="${esc(platform)}",go_arch="${esc(GO_ARCH[arch] ?? arch)}"`,
    1,
  );

  w.family("certdoctor_metrics_dropped_series_total", "counter", "Per-certificate series left out because the metrics.maxSeries cap was reached, counted once per collected state.");
  w.sample("", counters.droppedSeries);

  w.family("certdoctor_scan_issues_total", "counter", "Scan notes and item errors by error code (docs/errors.md).");
  for (const [code, n] of [...counters.scanIssues].sort((a, b) => cmp(a[0], b[0]))) w.sample(`code="${code}"`, n);

  w.family("certdoctor_scan_duration_seconds", "histogram", "Duration of the scans that produced the exposed states.");
  SCAN_DURATION_BUCKETS.forEach((le, i) => w.sample(`le="${formatValue(le)}"`, counters.scanBuckets[i]!, "_bucket"));
  w.sample('le="+Inf"', counters.scanCount, "_bucket");
  w.sample("", counters.scanSeconds, "_sum");
  w.sample("", counters.scanCount, "_count");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
