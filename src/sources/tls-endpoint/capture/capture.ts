/**
 * The lean certificate capture over a TCP socket: send the capture's ClientHello, feed the server's
 * bytes to a CaptureSession, answer as soon as the chain (and the CertificateRequest's CA names) are
 * read. A TLS 1.3 socket then stays open, within a grace period, until the session's closing flight
 * has been sent, so the server logs a completed handshake; every other socket is closed at once.
 * A connect failure or the deadline is an answer; anything else the session does not handle
 * asks the caller to fall back to node:tls. Never throws.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { ErrorCode } from "../../../errors.js";
import { classify, type ProbeError } from "../probe-error.js";
import { buildClientHelloMessage, handshakeRecord } from "./client-hello.js";
import { CaptureSession, type CaptureOutcome } from "./session.js";

export interface CaptureOptions {
  host: string;
  port: number;
  serverName?: string;
  timeoutMs: number;
  maxChain: number;
  signal?: AbortSignal;
}

export type CaptureAnswer =
  | Extract<CaptureOutcome, { kind: "captured" }>
  | { kind: "fallback"; reason: string }
  | { kind: "failed"; error: ProbeError };

// One read buffer for every capture socket of this thread: `onread` hands each read over synchronously and
// the session copies what it keeps, so no readable-stream machinery runs per chunk.
const READ_BUFFER = Buffer.alloc(64 * 1024);

export function captureCertificates(opts: CaptureOptions): Promise<CaptureAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    let socket: Socket | undefined;
    let connected = false;
    const finish = (answer: CaptureAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (answer.kind === "captured" && answer.tlsVersion === "TLSv1.3" && opts.signal?.aborted !== true) closePolitely(socket!, session, (reader) => (onBytes = reader));
      else socket?.destroy();
      resolve(answer);
    };
    const onAbort = () => finish({ kind: "failed", error: { code: ErrorCode.ABORTED, message: "scan cancelled" } });
    const timer = setTimeout(() => finish({ kind: "failed", error: { code: ErrorCode.ETIMEDOUT, message: `no TLS handshake within ${opts.timeoutMs} ms` } }), opts.timeoutMs);
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const { privateKey, publicKey } = generateKeyPairSync("x25519");
    // JWK, not DER: node 20's DER encoder and decoder cost several times the key exchange itself.
    const x25519Public = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
    const random = randomBytes(64);
    const hello = buildClientHelloMessage({ ...(opts.serverName === undefined ? {} : { serverName: opts.serverName }), random: random.subarray(0, 32), sessionId: random.subarray(32), x25519Public });
    const session = new CaptureSession(hello, privateKey, opts.maxChain);
    let onBytes = (chunk: Uint8Array) => {
      if (settled) return;
      const outcome = session.receive(chunk);
      if (outcome !== undefined) finish(outcome);
    };
    try {
      socket = connect({ host: opts.host, port: opts.port, onread: { buffer: READ_BUFFER, callback: (n, buf) => (onBytes(buf.subarray(0, n)), true) } });
    } catch (err) {
      return finish({ kind: "failed", error: classify(err) });
    }
    socket.on("connect", () => {
      connected = true;
      socket!.write(handshakeRecord(hello));
    });
    // Before the TCP connection stands, node:tls would fail the same way; after it, let node:tls look.
    socket.on("error", (err) => finish(connected ? { kind: "fallback", reason: `socket error ${(err as NodeJS.ErrnoException).code ?? ""}` } : { kind: "failed", error: classify(err) }));
    socket.on("close", () => finish({ kind: "fallback", reason: "connection closed before the Certificate" }));
  });
}

/** Longest a captured TLS 1.3 socket stays open to finish the handshake before it is destroyed. */
export const CLOSE_GRACE_MS = 1000;

/** Reads on to the server's Finished, sends the closing flight and FIN; destroys the socket after the grace period at most. */
function closePolitely(socket: Socket, session: CaptureSession, setReader: (reader: (chunk: Uint8Array) => void) => void): void {
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  socket.once("close", () => clearTimeout(timer));
  socket.on("error", () => undefined);
  let sent = false;
  const sendWhenReady = () => {
    const flight = session.closingFlight;
    if (sent) return;
    if (flight === undefined) {
      if (!session.reading) socket.destroy();
      return;
    }
    sent = true;
    socket.end(flight);
  };
  setReader((chunk) => {
    session.receive(chunk);
    sendWhenReady();
  });
  sendWhenReady();
}
