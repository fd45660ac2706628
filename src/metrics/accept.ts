/**
 * Picks the exposition format from an HTTP `Accept` header, as Prometheus's own client libraries do:
 * OpenMetrics 1.0.0 when the client accepts `application/openmetrics-text` (version 1.0.0, 0.0.1 or
 * none — Prometheus 2.x asks for both) with a q-value at least that of text, else text 0.0.4. A missing,
 * malformed or unsatisfiable header gets text: a scrape is never refused for its Accept header.
 */
import type { ExpositionFormat } from "./text-format.js";

const OPENMETRICS_VERSIONS = new Set(["1.0.0", "0.0.1"]);
/** Longest header read; the rest is ignored (a header is a few hundred bytes in practice). */
const MAX_ACCEPT_CHARS = 4096;
const MAX_RANGES = 64;

interface Range {
  type: string;
  version?: string;
  q: number;
}

function parseRange(part: string): Range | undefined {
  const [mediaType, ...params] = part.split(";");
  const type = mediaType!.trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+*-]+$/.test(type) && type !== "*/*") return undefined;
  let q = 1;
  let version: string | undefined;
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq < 0) continue;
    const key = p.slice(0, eq).trim().toLowerCase();
    const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    if (key === "q") {
      const n = Number(value);
      q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? n : 0;
    } else if (key === "version") {
      version = value;
    }
  }
  return version === undefined ? { type, q } : { type, version, q };
}

export function negotiateFormat(accept: string | undefined | null): ExpositionFormat {
  if (!accept) return "text";
  let openmetrics = 0;
  let text = 0;
  let n = 0;
  for (const part of accept.slice(0, MAX_ACCEPT_CHARS).split(",")) {
    if (++n > MAX_RANGES) break;
    const r = parseRange(part);
    if (r === undefined) continue;
    if (r.type === "application/openmetrics-text") {
      if (r.version === undefined || OPENMETRICS_VERSIONS.has(r.version)) openmetrics = Math.max(openmetrics, r.q);
    } else if (r.type === "text/plain" || r.type === "text/*" || r.type === "*/*") {
      text = Math.max(text, r.q);
    }
  }
  return openmetrics > 0 && openmetrics >= text ? "openmetrics" : "text";
}

/** Does an `Accept-Encoding` header allow gzip (`gzip` or `*` with a non-zero q-value, RFC 9110 §12.5.3)? */
export function acceptsGzip(header: string | undefined | null): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  let n = 0;
  for (const part of header.slice(0, MAX_ACCEPT_CHARS).split(",")) {
    if (++n > MAX_RANGES) break;
    const [coding, ...params] = part.split(";");
    const name = coding!.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(m[1]!) ? Number(m[1]) : 0;
    }
    if (name === "gzip" || name === "x-gzip") gzip = Math.max(gzip ?? 0, q);
    else if (name === "*") star = q;
  }
  return (gzip ?? star ?? 0) > 0;
}
