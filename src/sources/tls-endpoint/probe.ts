import { randomBytes } from "node:crypto";
import { Socket, connect as netConnect } from "node:net";
import type { X509Certificate } from "node:crypto";
import { connect as tlsConnect, type SecureContext, type TLSSocket } from "node:tls";
import { ErrorCode } from "../../errors.js";
import { buildClientHello, parseServerFlight, MAX_FLIGHT_BYTES, type ServerFlight } from "./handshake.js";
import { captureCertificates } from "./capture/capture.js";
import { classify, type ProbeError } from "./probe-error.js";
import { serverNameOf, type EndpointTarget } from "./spec.js";

export { classify, type ProbeError } from "./probe-error.js";

export interface ProbeOptions {
  /** Connect + handshake deadline per endpoint, ms. */
  timeoutMs: number;
  secureContext: SecureContext;
  /** Most certificates taken from one presented chain. */
  maxChain: number;
  /** Also report the CertificateRequest's acceptable CA names (node:tls path: with a second, TLS 1.2 hello). */
  clientCAs: boolean;
  /** Default "lean". */
  capture?: CaptureMode;
  signal?: AbortSignal;
}

export interface ProbeResult {
  /** DER of the presented chain, leaf first. */
  chain: Uint8Array[];
  tlsVersion?: string;
  cipher?: string;
  /** DER Names the server listed as acceptable client-certificate issuers; undefined when unknown or not requested. */
  caNames?: Uint8Array[];
  error?: ProbeError;
}



/** How a probe reads the chain: the lean capture (falling back to node:tls), or node:tls only. */
export type CaptureMode = "lean" | "node-tls";

/** Probes one endpoint. Never throws and always settles within about `timeoutMs`. */
export async function probeEndpoint(target: EndpointTarget, opts: ProbeOptions): Promise<ProbeResult> {
  let nodeOpts = opts;
  if (opts.capture !== "node-tls") {
    const started = performance.now();
    const servername = serverNameOf(target);
    const answer = await captureCertificates({ host: target.host, port: target.port, ...(servername === undefined ? {} : { serverName: servername }), timeoutMs: opts.timeoutMs, maxChain: opts.maxChain, ...(opts.signal ? { signal: opts.signal } : {}) });
    if (answer.kind === "failed") return { chain: [], error: answer.error };
    if (answer.kind === "captured") {
      const result: ProbeResult = { chain: answer.chain, tlsVersion: answer.tlsVersion };
      if (answer.cipher !== undefined) result.cipher = answer.cipher;
      if (opts.clientCAs && answer.certificateRequested) result.caNames = answer.caNames;
      return result;
    }
    // Something the capture does not handle: node:tls gets what is left of the deadline.
    nodeOpts = { ...opts, timeoutMs: Math.max(1, Math.round(opts.timeoutMs - (performance.now() - started))) };
  }
  return probeWithNodeTls(target, nodeOpts);
}

async function probeWithNodeTls(target: EndpointTarget, opts: ProbeOptions): Promise<ProbeResult> {
  const [main, flight] = await Promise.all([
    handshake(target, opts),
    opts.clientCAs ? readServerFlight(target, opts) : Promise.resolve(undefined),
  ]);
  if (flight?.certificateRequested) main.caNames = flight.caNames;
  // A TLS 1.2 server that rejects a client without a certificate: the plaintext flight still holds its chain.
  if (main.chain.length === 0 && flight !== undefined && flight.certificates.length > 0) main.chain = flight.certificates.slice(0, opts.maxChain);
  return main;
}

/** Longest a politely closed probe socket may linger before it is destroyed. */
export const CLOSE_GRACE_MS = 1000;

/**
 * After a completed handshake: close_notify + FIN, reading whatever the server still sends, so the
 * server sees a finished handshake and a clean close (a bare destroy() can reset the connection before
 * the client's Finished leaves, which servers log as a failed handshake). Anything else is destroyed.
 */
function closeSocket(socket: TLSSocket, handshakeDone: boolean): void {
  if (!handshakeDone) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  socket.once("close", () => clearTimeout(timer));
  socket.on("error", () => undefined);
  socket.resume();
  socket.end();
}

function handshake(target: EndpointTarget, opts: ProbeOptions): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let socket: TLSSocket | undefined;
    const finish = (result: ProbeResult, handshakeDone = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (socket !== undefined) closeSocket(socket, handshakeDone && opts.signal?.aborted !== true);
      resolve(result);
    };
    const onAbort = () => finish({ chain: [], error: { code: ErrorCode.ABORTED, message: "scan cancelled" } });
    const timer = setTimeout(
      () => finish({ chain: socket ? peerChain(socket, opts.maxChain) : [], error: { code: ErrorCode.ETIMEDOUT, message: `no TLS handshake within ${opts.timeoutMs} ms` } }),
      opts.timeoutMs,
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const servername = serverNameOf(target);
    try {
      socket = tlsConnect({
        host: target.host,
        port: target.port,
        ...(servername === undefined ? {} : { servername }),
        secureContext: opts.secureContext,
        rejectUnauthorized: false,
        // Never let the certificate check abort the handshake: the chain is judged by the rules.
        checkServerIdentity: () => undefined,
      });
    } catch (err) {
      return finish({ chain: [], error: classify(err) });
    }
    socket.on("secureConnect", () => {
      if (settled) return;
      const s = socket!;
      const cipher = s.getCipher();
      const result: ProbeResult = { chain: peerChain(s, opts.maxChain) };
      const version = s.getProtocol();
      if (version) result.tlsVersion = version;
      if (cipher?.standardName) result.cipher = cipher.standardName;
      finish(result, true);
    });
    socket.on("error", (err) => {
      if (!settled) finish({ chain: peerChain(socket!, opts.maxChain), error: classify(err) });
    });
    socket.on("close", () => finish({ chain: [], error: { code: ErrorCode.ECONNRESET, message: "connection closed before the TLS handshake finished" } }));
  });
}

/**
 * The presented chain, in the order the server sent it, DER only. `getPeerX509Certificate()` builds
 * nothing per field (`getPeerCertificate(true)` turned every certificate into a JS object with three
 * fingerprints and the modulus: a quarter of a probe's CPU) and, unlike it, keeps certificates that do
 * not link (a wrong or extra certificate in the chain is what the rules need to see). In Node 20 it hands
 * the chain over (a second call returns less), so each socket's chain is read once, by `finish`.
 */
function peerChain(socket: TLSSocket, max: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  try {
    let cert: X509Certificate | undefined = socket.getPeerX509Certificate();
    while (cert !== undefined && out.length < max) {
      out.push(new Uint8Array(cert.raw));
      cert = cert.issuerCertificate;
    }
  } catch {
    // A socket torn down mid-read: whatever was read so far.
  }
  return out;
}

/** Sends a TLS 1.2 ClientHello and reads the plaintext server flight; resolves undefined when it learned nothing. */
function readServerFlight(target: EndpointTarget, opts: ProbeOptions): Promise<ServerFlight | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let nextRecordEnd = 5; // parse again only once another whole record can have arrived
    let socket: Socket | undefined;
    const finish = (flight: ServerFlight | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      socket?.destroy();
      resolve(flight);
    };
    const onAbort = () => finish(undefined);
    const timer = setTimeout(() => finish(undefined), opts.timeoutMs);
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      socket = netConnect({ host: target.host, port: target.port });
    } catch {
      return finish(undefined);
    }
    socket.on("connect", () => socket!.write(buildClientHello(serverNameOf(target), randomBytes(32))));
    socket.on("data", (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > MAX_FLIGHT_BYTES) return finish(undefined);
      if (size < nextRecordEnd) return;
      const data = Buffer.concat(chunks, size);
      chunks.length = 0;
      chunks.push(data);
      nextRecordEnd = endOfRecords(data);
      const flight = parseServerFlight(data);
      if (flight.done) finish(flight.error === undefined ? flight : undefined);
    });
    socket.on("error", () => finish(undefined));
    socket.on("close", () => finish(undefined));
  });
}

/** Offset just past the first incomplete record header's record (where parsing can next make progress). */
function endOfRecords(data: Uint8Array): number {
  let pos = 0;
  while (pos + 5 <= data.length) {
    const end = pos + 5 + ((data[pos + 3]! << 8) | data[pos + 4]!);
    if (end > data.length) return end;
    pos = end;
  }
  return pos + 5;
}
