/** Markdown section of bench/results.md for the endpoint-probing bench. */
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import type { BlackboxAvailability } from "./blackbox.js";
import type { ServerStats } from "./endpoint-servers.js";

export const ENDPOINT_HEADING = "## Endpoint probing";
/** Hand-written profile notes of the endpoint path; no bench writes it, every bench keeps it. */
export const ENDPOINT_PROFILE_HEADING = "## Endpoint CPU profile";
/** The section of a run with another endpoint count than the default (the 10,000-endpoint memory check). */
export const ENDPOINT_SCALE_HEADING = "## Endpoint scale";

export function endpointHeading(endpoints: number): string {
  return endpoints === 1000 ? ENDPOINT_HEADING : ENDPOINT_SCALE_HEADING;
}

export type VariantId = "cli-on" | "cli-off" | "probe-on" | "probe-off" | "probe-node-tls" | "blackbox";

export interface PassResult {
  wallMs: number;
  /** Probe phase inside the scan (probe-once variants only). */
  probeMs?: number;
  /** Endpoints whose own certificate the client reported. */
  captured: number;
  /** Endpoints whose client-CA names were read (certdoctor only). */
  clientCAs?: number;
  /** CPU time of the probing process during the pass (certdoctor: the whole process; blackbox: the exporter), ms. */
  clientCpuMs?: number;
  /** Peak RSS of the probing process (probe-once variants only), KiB. */
  maxRssKiB?: number;
  server: ServerStats;
}

export interface VariantResult {
  id: VariantId;
  runs: PassResult[];
  median?: PassResult;
  error?: string;
}

export interface EndpointBenchInfo {
  endpoints: number;
  processes: number;
  perProcessAlg: string[];
  openFilesLimit: string;
  concurrency: number;
  timeoutMs: number;
  runs: number;
  loadAtStart: number;
  blackbox: BlackboxAvailability;
  problems: string[];
}

const LABELS: Record<VariantId, string> = {
  "cli-on": "`certdoctor scan --endpoints-file F --format json` (client-CA read on, the default)",
  "cli-off": "`certdoctor scan --endpoints-file F --format json --no-endpoint-client-cas`",
  "probe-on": "certdoctor probe phase, client-CA read on (lean capture, the default)",
  "probe-off": "certdoctor probe phase, client-CA read off",
  "probe-node-tls": "certdoctor probe phase, client-CA read on, node:tls path only (the former default)",
  blackbox: "blackbox exporter `/probe` (tcp, `tls: true`)",
};

const seconds = (ms: number | undefined) => (ms === undefined ? "—" : (ms / 1000).toFixed(2));

function formatServer(s: ServerStats): string {
  const errors = Object.entries(s.clientErrors)
    .map(([code, n]) => `${code} ${n}`)
    .join(", ");
  return `${s.handshakes} / ${s.connections}${errors ? ` (${errors})` : ""}`;
}

function formatCpu(m: PassResult): string {
  return `${seconds(m.clientCpuMs)} + ${seconds(m.server.cpuMs)}`;
}

export function renderEndpointSection(variants: VariantResult[], info: EndpointBenchInfo): string {
  const byId = new Map(variants.map((v) => [v.id, v]));
  const bb = byId.get("blackbox")?.median?.wallMs;
  const ratio = (ms: number | undefined) => (ms === undefined || bb === undefined ? "—" : `${(bb / ms).toFixed(2)}x`);
  const row = (v: VariantResult) => {
    const m = v.median;
    if (!m) return `| ${LABELS[v.id]} | n/a (${v.error ?? "not run"}) | — | — | — | — | — | — | — |`;
    const wall = v.id.startsWith("probe-") ? m.probeMs : m.wallMs;
    return [
      LABELS[v.id],
      v.id.startsWith("probe-") ? `(${seconds(m.wallMs)} scan)` : seconds(m.wallMs),
      v.id.startsWith("probe-") ? seconds(m.probeMs) : "—",
      `${m.captured} / ${info.endpoints}`,
      m.clientCAs === undefined ? "—" : String(m.clientCAs),
      formatServer(m.server),
      formatCpu(m),
      m.maxRssKiB === undefined ? "—" : (m.maxRssKiB / 1024).toFixed(0),
      v.id === "blackbox" ? "1.00x" : ratio(wall),
    ].join(" | ").replace(/^/, "| ").concat(" |");
  };
  const cliOn = byId.get("cli-on")?.median?.wallMs;
  const cliCpu = byId.get("cli-on")?.median?.clientCpuMs;
  const bbCpu = byId.get("blackbox")?.median?.clientCpuMs;
  const probeOn = byId.get("probe-on")?.median?.probeMs;
  const mark = (ok: boolean) => (ok ? "met" : "MISSED");
  const targetLines =
    bb === undefined || cliOn === undefined
      ? ["- certdoctor at least as fast as the blackbox exporter: not measured in this run."]
      : [
          `- certdoctor at least as fast as the blackbox exporter, whole command (Node start-up, probe with client-CA read, verify, rules, JSON report) against the exporter's probes alone: ${seconds(cliOn)} s vs ${seconds(bb)} s — ${mark(cliOn <= bb)}`,
          ...(probeOn === undefined ? [] : [`- probe phase alone (client-CA read on) against the exporter's probes: ${seconds(probeOn)} s vs ${seconds(bb)} s — ${mark(probeOn <= bb)}`]),
          ...(cliCpu === undefined || bbCpu === undefined
            ? []
            : [`- less client CPU than the blackbox exporter: whole command ${seconds(cliCpu)} CPU-s (start-up included) vs exporter + its HTTP driver ${seconds(bbCpu)} CPU-s — ${mark(cliCpu < bbCpu)}`]),
        ];
  const bbNote = info.blackbox.ok ? `prometheus-blackbox-exporter ${info.blackbox.version}` : `blackbox exporter unavailable: ${info.blackbox.reason}`;
  const lines = [
    `${endpointHeading(info.endpoints)} (${info.endpoints.toLocaleString("en-US")} loopback TLS endpoints)`,
    "",
    `\`npm run bench -- --endpoints\`. Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; ${bbNote}. Median of ${info.runs} runs by wall time, after one unmeasured warm-up pass of every client; ` +
      "all clients probe the same endpoints in the same run, interleaved, the order rotated each run; every certdoctor pass is a fresh process.",
    `Endpoints: ${info.endpoints} node:tls listeners on 127.0.0.1 in ${info.processes} processes (${info.perProcessAlg.join(" + ")}; each a distinct leaf, served with its CA, ` +
      `asking for an optional client certificate), open-files limit ${info.openFilesLimit}. Both tools: ${info.concurrency} endpoints in flight, ${info.timeoutMs / 1000} s deadline per endpoint.`,
    `1-minute load average: ${info.loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end ` +
      `(above ${availableParallelism()} means other processes competed for the cores and inflated the times).`,
    "",
    "| client | wall s | probe phase s | endpoints captured | client-CA names read | server handshakes / connections (early closes) | CPU s client + servers | peak RSS MiB | blackbox s ÷ this |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...variants.map(row),
    "",
    "- wall s: certdoctor, the whole command in a fresh process (Node start-up, probing, parsing, chain verification, rules, JSON report); blackbox, the 1,000 `/probe` requests against the running, warmed exporter (its start-up not counted).",
    "- probe phase s: `bench/endpoint-probe-once.ts`, a separate fresh process running `scan()` with the same endpoint source: from the source's first pull to its last item; the scan time is in parentheses.",
    "- endpoints captured: certdoctor, the endpoint's own leaf (by SHA-256) at `endpoint:127.0.0.1:PORT#0` with a verified issuer; blackbox, `probe_success 1` with `probe_ssl_earliest_cert_expiry` equal to that leaf's notAfter (and its fingerprint in `probe_ssl_last_chain_info`).",
    "- CPU s: user + system time of the probing process during the pass (certdoctor: the whole process, start-up included, via the shell's `times` or `process.cpuUsage()`; blackbox: the exporter's /proc/PID/stat delta plus the bench's HTTP driver, which plays Prometheus) + of the two server processes. On a 2-core box every client competes with the servers for CPU, so a cheaper client also leaves more CPU to the servers.",
    "- server counters: handshakes completed / TCP connections accepted during the median pass, summed over the server processes; early closes are connections that ended before a handshake (the node:tls path's client-CA read sends a plaintext TLS 1.2 hello, reads the server's flight and hangs up, so it shows one per endpoint; the lean capture completes TLS 1.3 handshakes and hangs up on TLS 1.2 after ServerHelloDone, ADR 0006).",
    "- peak RSS: the probe-once process (scan included, no JSON output), from `process.resourceUsage().maxRSS`.",
    "",
    "Targets (issue 17): the whole command at least as fast as the blackbox exporter's probes, with less client CPU; bounded memory at 10,000 endpoints (`npm run bench -- --endpoints --endpoint-count 10000`).",
    "",
    ...targetLines,
  ];
  if (info.problems.length > 0) lines.push("", "Problems (the bench exits non-zero):", "", ...info.problems.map((p) => `- ${p}`));
  return `${lines.join("\n")}\n`;
}
