import { randomBytes } from "node:crypto";
import { Socket, connect as netConnect } from "node:net";
import type { X509Certificate } from "node:crypto";
import { connect as tlsConnect, type SecureContext, type TLSSocket } from "node:tls";
import { ErrorCode, asProbeErrorCode, type ProbeErrorCode } from "../../errors.js";
import { buildClientHello, parseServerFlight, MAX_FLIGHT_BYTES, type ServerFlight } from "./handshake.js";
import { serverNameOf, type EndpointTarget } from "./spec.js";

export interface ProbeOptions {
  /** Connect + handshake deadline per endpoint, ms. */
  timeoutMs: number;
  secureContext: SecureContext;
  /** Most certificates taken from one presented chain. */
  maxChain: number;
  /** Also read the CertificateRequest's acceptable CA names with a second, TLS 1.2 hello. */
  clientCAs: boolean;
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

export interface ProbeError {
  code: ProbeErrorCode;
  message: string;
}

/** Probes one endpoint. Never throws and always settles within about `timeoutMs`. */
export async function probeEndpoint(target: EndpointTarget, opts: ProbeOptions): Promise<ProbeResult> {
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

const NOT_TLS_REASONS = /wrong version number|packet length too long|record layer failure|unknown protocol|http request|record_layer_failure/i;

/** A stable code (one of ErrorCode's probe codes) for a connection or handshake failure. */
export function classify(err: unknown): ProbeError {
  const e = err as { code?: string; message?: string };
  const message = (e.message ?? String(err)).split("\n")[0]!.replace(/^[0-9A-F]{16,}:error:[0-9A-F]+:SSL routines:[^:]*:/, "").trim();
  const alert = /SSL alert number (\d+)/.exec(e.message ?? "");
  if (alert) return { code: asProbeErrorCode(`TLS_ALERT_${alert[1]}`) ?? ErrorCode.TLS_ERROR, message };
  if (NOT_TLS_REASONS.test(e.message ?? "")) return { code: ErrorCode.NOT_TLS, message: "the peer did not answer with TLS" };
  const code = e.code ?? "";
  if (/^E[A-Z_]+$/.test(code) && !code.startsWith("ERR_")) return { code: asProbeErrorCode(code) ?? ErrorCode.ECONNECT, message };
  if (code.startsWith("ERR_SSL_")) return { code: asProbeErrorCode(`TLS_${code.slice("ERR_SSL_".length)}`) ?? ErrorCode.TLS_ERROR, message };
  return { code: ErrorCode.TLS_ERROR, message };
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
