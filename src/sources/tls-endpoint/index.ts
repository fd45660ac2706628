import { blockRef, endpointRef, fileRef, formatRef, mustParseRef, withKey } from "../../model/ref.js";
import { readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createSecureContext, type SecureContext } from "node:tls";
import { ErrorCode, describeError } from "../../errors.js";
import type { EndpointItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { ReadContext, Source } from "../../model/scan.js";
import { formatDistinguishedName } from "../../pki/names.js";
import { readMaterial } from "../material.js";
import type { CaptureMode, ProbeResult } from "./probe.js";
import { startProbePool } from "./probe-pool.js";
import { launchProbes } from "./probe-queue.js";
import { endpointAddress, serverNameOf, type EndpointTarget } from "./spec.js";

export { parseEndpointSpec, parseEndpointsFile, endpointAddress, type EndpointTarget } from "./spec.js";

export interface EndpointSourceOptions {
  /** Endpoints probed at once (default 64). */
  concurrency?: number;
  /** Connect + handshake deadline per endpoint, ms (default 5000). */
  timeoutMs?: number;
  /** Report the acceptable client-CA names (default true); on the node:tls path this takes a second, TLS 1.2 hello. */
  clientCAs?: boolean;
  /** How chains are read (default "lean": the lean capture, node:tls where it cannot). */
  capture?: CaptureMode;
  /** Worker threads probing (default: defaultProbeWorkers(targets, capture); 1 = on the calling thread). */
  workers?: number;
  /** Clock for EndpointItem.probedAt (default Date.now). */
  clock?: () => number;
}

export const DEFAULT_CONCURRENCY = 64;
export const DEFAULT_TIMEOUT_MS = 5000;

/** Probes TLS endpoints: one EndpointItem each, its presented chain as CertItems, and the `ca=FILE` anchors. */
export function endpointSource(targets: readonly EndpointTarget[], options: EndpointSourceOptions = {}): Source {
  return {
    kind: "tls-endpoint",
    discover: (ctx) => discoverEndpoints(targets, options, ctx),
    describe: () => `${targets.length} endpoint${targets.length === 1 ? "" : "s"}`,
  };
}

async function* discoverEndpoints(targets: readonly EndpointTarget[], options: EndpointSourceOptions, ctx: ReadContext): AsyncGenerator<RawItem | ScanIssue> {
  const concurrency = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, 4096));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = options.clock ?? Date.now;
  const clientCAs = options.clientCAs ?? true;
  const capture = options.capture ?? "lean";
  const workers = Math.max(1, Math.min(options.workers ?? defaultProbeWorkers(targets.length, capture), MAX_PROBE_WORKERS));
  const caCache = new Map<string, Array<RawItem | ScanIssue>>();
  // One internal signal for every probe, linked once to the caller's.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  let results: ReadonlyArray<Promise<ProbeResult>>;
  let stopPool = () => undefined as void;
  if (workers > 1) {
    const pool = startProbePool(targets, { workers, concurrency, timeoutMs, maxChain: ctx.limits.maxChainLength, clientCAs, capture });
    results = pool.results;
    stopPool = () => pool.stop();
    stop.signal.addEventListener("abort", stopPool, { once: true });
  } else {
    // No CA store: the chain is judged by the rules, not by OpenSSL.
    const secureContext: SecureContext = createSecureContext({ ca: [] as string[] });
    results = launchProbes(targets, { timeoutMs, secureContext, maxChain: ctx.limits.maxChainLength, clientCAs, capture, concurrency, signal: stop.signal });
  }
  let completed = false;
  try {
    // Results are yielded in target order, whatever order probes finish in: refs stay stable.
    for (let i = 0; i < targets.length; i++) {
      if (stop.signal.aborted) return;
      const target = targets[i]!;
      const result = await results[i]!;
      if (stop.signal.aborted) return;
      yield* itemsFor(target, result, clock());
      if (target.ca !== undefined || target.caData !== undefined) yield* anchorsFor(target, ctx, caCache);
    }
    completed = true;
  } finally {
    ctx.signal?.removeEventListener("abort", onAbort);
    // Early exit (cancelled or the consumer stopped): end the probes still running. After a complete run
    // the workers end by themselves once their last sockets have closed politely.
    if (!completed) stop.abort();
  }
}

/** Targets from which probing moves to worker threads (below it, starting workers costs more than it saves). */
export const POOL_MIN_TARGETS = 200;
const MAX_PROBE_WORKERS = 16;

/**
 * node:tls probes: one worker per core for a run of at least POOL_MIN_TARGETS endpoints, else the calling
 * thread. The lean capture always probes on the calling thread: measured on 1,000 endpoints it was as fast
 * as two workers and cheaper (no worker start-up, no result messages); see bench/results.md.
 */
export function defaultProbeWorkers(targetCount: number, capture: CaptureMode = "node-tls"): number {
  return capture === "node-tls" && targetCount >= POOL_MIN_TARGETS ? availableParallelism() : 1;
}

function* itemsFor(target: EndpointTarget, result: ProbeResult, probedAt: number): Generator<RawItem> {
  const address = endpointAddress(target);
  const own = endpointRef(address);
  const context = formatRef(own);
  const chain = result.chain.map((_, n) => formatRef(withKey(own, String(n))));
  const item: EndpointItem = { type: "endpoint", ref: context, context, host: target.host, port: target.port, chain, probedAt };
  const sni = serverNameOf(target);
  if (sni !== undefined) item.sni = sni;
  if (result.tlsVersion !== undefined) item.tlsVersion = result.tlsVersion;
  if (result.cipher !== undefined) item.cipher = result.cipher;
  if (result.caNames !== undefined) item.acceptableCAs = result.caNames.map(nameText);
  if (result.error !== undefined) item.error = result.error;
  yield item;
  for (let n = 0; n < result.chain.length; n++) yield { type: "cert", der: result.chain[n]!, ref: chain[n]!, context };
}

function nameText(der: Uint8Array): string {
  try {
    return formatDistinguishedName(der);
  } catch {
    return `#${Buffer.from(der.subarray(0, 512)).toString("hex").toUpperCase()}`;
  }
}

/** The `ca=FILE` certificates, as anchors in the endpoint's own trust context. Read once per file. */
function* anchorsFor(target: EndpointTarget, ctx: ReadContext, cache: Map<string, Array<RawItem | ScanIssue>>): Generator<RawItem | ScanIssue> {
  const file = target.ca;
  const own = endpointRef(endpointAddress(target));
  const context = formatRef(own);
  const key = file ?? target.caData!.ref;
  let items = cache.get(key);
  if (items === undefined) {
    items = file !== undefined ? readCaFile(file, ctx) : readCaData(target.caData!, ctx);
    cache.set(key, items);
  }
  // Own refs (`endpoint:HOST:PORT#ca/N`): the same file scanned with --path keeps its own location.
  let n = 0;
  for (const item of items) {
    if ("type" in item && item.type === "cert") {
      yield { type: "cert", der: item.der, ref: formatRef(withKey(own, `ca/${n++}`)), ...(file === undefined ? {} : { path: file }), context, anchor: true };
    } else if (!("type" in item)) yield item;
  }
}

function readCaData(data: { ref: string; bytes: Uint8Array }, ctx: ReadContext): Array<RawItem | ScanIssue> {
  if (data.bytes.length > ctx.limits.maxFileBytes) return [{ code: ErrorCode.ERR_FILE_TOO_LARGE, ref: data.ref, message: `CA data larger than ${ctx.limits.maxFileBytes} bytes`, material: true }];
  const ref = mustParseRef(data.ref);
  // Block 0 keeps the value's ref; block N is `cluster:NAME#certificate-authority-data#N`.
  const items = readMaterial(data.bytes, { ref, blockRef: (n) => (n === 0 ? ref : withKey(ref, `${ref.key ?? ""}#${n}`)), context: data.ref }, ctx);
  return items.filter((i) => !("type" in i) || i.type === "cert");
}

function readCaFile(file: string, ctx: ReadContext): Array<RawItem | ScanIssue> {
  const at = fileRef(file);
  const ref = formatRef(at);
  try {
    const size = statSync(file).size;
    if (size > ctx.limits.maxFileBytes) return [{ code: ErrorCode.ERR_FILE_TOO_LARGE, ref, message: `CA file larger than ${ctx.limits.maxFileBytes} bytes`, material: true }];
    const bytes = readFileSync(file);
    const items = readMaterial(bytes, { ref: at, blockRef: (n) => (n === 0 ? at : blockRef(at, n)), context: ref, path: file }, ctx);
    const certs = items.filter((i) => "type" in i && i.type === "cert");
    if (certs.length === 0 && !items.some((i) => !("type" in i))) return [{ code: ErrorCode.ERR_PEM_INVALID, ref, message: "no CA certificate in the endpoint's ca= file", material: true }];
    return items.filter((i) => !("type" in i) || i.type === "cert");
  } catch (err) {
    const code = (err as { code?: string }).code === "EACCES" ? ErrorCode.ERR_SOURCE_PERMISSION_DENIED : ErrorCode.ERR_SOURCE_UNREADABLE;
    return [{ code, ref, message: `cannot read the endpoint's ca= file: ${describeError(err)}`, material: true }];
  }
}
