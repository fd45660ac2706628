/**
 * `--metrics-config FILE`: the metrics options as YAML or JSON — either the options mapping itself or a
 * document with a `metrics:` section, so the `metrics:` block of an x509-certificate-exporter config can
 * be used as it is. Bounded in size; any problem is a config error naming the file.
 */
import { readFileSync, statSync } from "node:fs";
import { load } from "js-yaml";
import { CertdoctorError, ErrorCode } from "../errors.js";
import { defaultMetricsOptions, parseMetricsOptions, type MetricsOptions } from "./options.js";

const MAX_CONFIG_BYTES = 256 * 1024;

function fail(path: string, why: string, cause?: unknown): never {
  throw new CertdoctorError(ErrorCode.ERR_CONFIG_INVALID, `--metrics-config ${path}: ${why}`, cause === undefined ? {} : { cause });
}

export function readMetricsConfig(path: string | undefined): MetricsOptions {
  if (path === undefined) return { ...defaultMetricsOptions };
  let text: string;
  try {
    if (statSync(path).size > MAX_CONFIG_BYTES) fail(path, `larger than ${MAX_CONFIG_BYTES} bytes`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof CertdoctorError) throw err;
    fail(path, (err as NodeJS.ErrnoException).code ?? "unreadable", err);
  }
  let doc: unknown;
  try {
    doc = load(text, { json: true });
  } catch (err) {
    fail(path, `not YAML or JSON (${(err as Error).message.split("\n")[0]})`, err);
  }
  const section = doc !== null && typeof doc === "object" && !Array.isArray(doc) && Object.keys(doc).length === 1 && "metrics" in doc ? (doc as { metrics: unknown }).metrics : doc;
  try {
    return parseMetricsOptions(section);
  } catch (err) {
    fail(path, (err as Error).message, err);
  }
}
