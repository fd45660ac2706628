/**
 * A certificate capture as a pure state machine over the server's bytes: it is given the ClientHello it
 * sent (and the X25519 key behind its key share) and reads the server's answer up to the Certificate
 * message. TLS 1.2: the flight up to ServerHelloDone is plaintext (the capture then hangs up, as the
 * former client-CA read did). TLS 1.3: the server's handshake keys come from the RFC 8446 key schedule
 * and the flight is decrypted up to Certificate; that is the capture. The session then reads on to the
 * server's Finished and offers `closingFlight` (an empty client Certificate if one was asked for, and
 * the client's Finished, nothing verified) so the server sees a completed handshake, not a failed one in
 * its log. Anything it does not handle (a HelloRetryRequest, an alert, a record it does not
 * expect, malformed or oversized input) ends in `fallback`, and the caller probes with node:tls instead.
 */
import { createPublicKey, diffieHellman, type KeyObject } from "node:crypto";
import { MAX_FLIGHT_BYTES } from "../handshake.js";
import { TLS12_SUITES, GROUP_X25519 } from "./client-hello.js";
import { deriveHandshakeSecrets, finishedVerifyData, tls13SuiteById, trafficKey, transcriptHash, type Tls13Suite, type TrafficKey } from "./key-schedule.js";
import { MalformedTls } from "./reader.js";
import { openRecord, sealRecord } from "./record-protection.js";
import * as msg from "./server-messages.js";

const CT_CHANGE_CIPHER_SPEC = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_APPLICATION_DATA = 23;
const MAX_PLAINTEXT_RECORD = 16384 + 2048;
const MAX_CIPHERTEXT_RECORD = 16384 + 256;

export type CaptureOutcome =
  | { kind: "captured"; tlsVersion: "TLSv1.3" | "TLSv1.2"; cipher?: string; chain: Uint8Array[]; certificateRequested: boolean; caNames: Uint8Array[] }
  | { kind: "fallback"; reason: string };

interface Tls13State {
  suite: Tls13Suite;
  key: TrafficKey;
  sequence: number;
  clientSecret: Buffer;
  /** Every handshake message so far, ClientHello first (the transcript). */
  transcript: Uint8Array[];
  /** certificate_request_context of the CertificateRequest, when the server sent one. */
  requestContext?: Uint8Array;
}

const HS_CERTIFICATE_VERIFY = 15;
const HS_FINISHED = 20;
// ChangeCipherSpec, sent once before the client's protected flight (middlebox compatibility mode).
const CHANGE_CIPHER_SPEC_RECORD = Buffer.from([0x14, 0x03, 0x03, 0x00, 0x01, 0x01]);

export class CaptureSession {
  private buffered: Buffer = Buffer.alloc(0);
  private received = 0;
  private handshake: Buffer = Buffer.alloc(0);
  private serverHello?: msg.ServerHello;
  private serverHelloMessage?: Uint8Array;
  private tls13?: Tls13State;
  private chain?: Uint8Array[];
  private certificateRequested = false;
  private caNames: Uint8Array[] = [];
  private outcome?: CaptureOutcome;
  /** After a TLS 1.3 capture: still reading towards the server's Finished. */
  private closing = false;
  private flight?: Buffer;

  constructor(
    private readonly clientHello: Uint8Array,
    private readonly x25519Private: KeyObject,
    private readonly maxChain: number,
  ) {}

  /** What to send the server before closing (TLS 1.3, once its Finished has been read); else undefined. */
  get closingFlight(): Buffer | undefined {
    return this.flight;
  }

  /** Feeds bytes from the server; returns the outcome once there is one (and the same outcome after). */
  receive(chunk: Uint8Array): CaptureOutcome | undefined {
    if (!this.reading) return this.outcome;
    this.received += chunk.length;
    if (this.received > MAX_FLIGHT_BYTES) {
      this.settle({ kind: "fallback", reason: "server flight too large" });
      return this.outcome;
    }
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    try {
      this.readRecords();
    } catch (err) {
      if (!(err instanceof MalformedTls)) throw err;
      this.settle({ kind: "fallback", reason: err.message });
    }
    return this.outcome;
  }

  /** The session still reads the server's bytes (before an outcome, or while closing). */
  get reading(): boolean {
    return this.outcome === undefined || this.closing;
  }

  /** The first outcome is final; after a TLS 1.3 capture, reading goes on until closing ends (or fails). */
  private settle(outcome: CaptureOutcome): void {
    if (this.outcome === undefined) {
      this.outcome = outcome;
      this.closing = outcome.kind === "captured" && this.tls13 !== undefined;
    } else this.closing = false;
    if (this.closing) return;
    this.buffered = Buffer.alloc(0);
    this.handshake = Buffer.alloc(0);
    if (this.tls13) this.tls13.transcript = [];
  }

  private readRecords(): void {
    while (this.reading && this.buffered.length >= 5) {
      const type = this.buffered[0]!;
      const length = (this.buffered[3]! << 8) | this.buffered[4]!;
      if (this.buffered[1] !== 3) return this.settle({ kind: "fallback", reason: "not TLS" });
      if (length > (this.tls13 ? MAX_CIPHERTEXT_RECORD : MAX_PLAINTEXT_RECORD)) return this.settle({ kind: "fallback", reason: "record too long" });
      if (this.buffered.length < 5 + length) return;
      const header = this.buffered.subarray(0, 5);
      const payload = this.buffered.subarray(5, 5 + length);
      this.buffered = this.buffered.subarray(5 + length);
      this.readRecord(type, header, payload);
    }
  }

  private readRecord(type: number, header: Uint8Array, payload: Uint8Array): void {
    if (type === CT_ALERT) return this.settle({ kind: "fallback", reason: payload.length >= 2 ? `alert ${payload[1]}` : "alert" });
    if (this.tls13 === undefined) {
      if (type !== CT_HANDSHAKE) return this.settle({ kind: "fallback", reason: `unexpected record type ${type}` });
      return this.readHandshake(payload);
    }
    // Middlebox compatibility (RFC 8446 §D.4): one plaintext ChangeCipherSpec may come before the protected records.
    if (type === CT_CHANGE_CIPHER_SPEC && payload.length === 1 && payload[0] === 1) return;
    if (type !== CT_APPLICATION_DATA) return this.settle({ kind: "fallback", reason: `unexpected record type ${type}` });
    const opened = openRecord(this.tls13.suite, this.tls13.key, this.tls13.sequence++, header, payload);
    if (opened === undefined) return this.settle({ kind: "fallback", reason: "a protected record did not authenticate" });
    if (opened.contentType === CT_ALERT) return this.settle({ kind: "fallback", reason: opened.content.length >= 2 ? `alert ${opened.content[1]}` : "alert" });
    if (opened.contentType !== CT_HANDSHAKE) return this.settle({ kind: "fallback", reason: `unexpected protected content type ${opened.contentType}` });
    this.readHandshake(opened.content);
  }

  /** Appends to the handshake stream and reads every whole message in it. */
  private readHandshake(fragment: Uint8Array): void {
    this.handshake = this.handshake.length === 0 ? Buffer.from(fragment) : Buffer.concat([this.handshake, fragment]);
    while (this.reading && this.handshake.length >= 4) {
      const length = (this.handshake[1]! << 16) | (this.handshake[2]! << 8) | this.handshake[3]!;
      if (length > MAX_FLIGHT_BYTES) return this.settle({ kind: "fallback", reason: "handshake message too long" });
      if (this.handshake.length < 4 + length) return;
      const type = this.handshake[0]!;
      const message = this.handshake.subarray(0, 4 + length);
      this.handshake = this.handshake.subarray(4 + length);
      const wasTls13 = this.tls13 !== undefined;
      const outcome = this.readMessage(type, message);
      if (outcome !== undefined) this.settle(outcome);
      // Keys change after the ServerHello: bytes left in a plaintext record would be misread.
      else if (!wasTls13 && this.tls13 !== undefined && this.handshake.length > 0) return this.settle({ kind: "fallback", reason: "handshake data after ServerHello in the same record" });
    }
  }

  private readMessage(type: number, message: Uint8Array): CaptureOutcome | undefined {
    const body = message.subarray(4);
    if (this.serverHello === undefined) {
      if (type !== msg.HS_SERVER_HELLO) return { kind: "fallback", reason: `handshake message ${type} before ServerHello` };
      return this.readServerHello(body, message);
    }
    if (this.tls13 === undefined) return this.readTls12Message(type, body);
    this.tls13.transcript.push(message);
    return this.closing ? this.readClosingMessage(type) : this.readTls13Message(type, body);
  }

  /** After the capture: CertificateVerify, then Finished, after which the client's closing flight is ready. */
  private readClosingMessage(type: number): CaptureOutcome | undefined {
    if (type === HS_CERTIFICATE_VERIFY) return undefined;
    if (type !== HS_FINISHED) return { kind: "fallback", reason: `handshake message ${type} after Certificate` };
    const t = this.tls13!;
    const hash = t.suite.hash;
    const messages: Uint8Array[] = [];
    if (t.requestContext !== undefined) {
      // An empty Certificate: the client has none to offer (RFC 8446 §4.4.2).
      const ctx = t.requestContext;
      const body = Buffer.concat([Buffer.from([ctx.length]), ctx, Buffer.from([0, 0, 0])]);
      messages.push(Buffer.concat([Buffer.from([msg.HS_CERTIFICATE, 0, 0, body.length]), body]));
    }
    const verifyData = finishedVerifyData(hash, t.clientSecret, transcriptHash(hash, [...t.transcript, ...messages]));
    messages.push(Buffer.concat([Buffer.from([HS_FINISHED, 0, 0, verifyData.length]), verifyData]));
    const clientKey = trafficKey(t.suite, t.clientSecret);
    this.flight = Buffer.concat([CHANGE_CIPHER_SPEC_RECORD, sealRecord(t.suite, clientKey, 0, CT_HANDSHAKE, Buffer.concat(messages))]);
    // Closing ends here: nothing the server sends next is needed.
    this.settle(this.outcome!);
    return undefined;
  }

  private readServerHello(body: Uint8Array, message: Uint8Array): CaptureOutcome | undefined {
    const hello = msg.parseServerHello(body);
    this.serverHello = hello;
    this.serverHelloMessage = message;
    if (hello.helloRetryRequest) return { kind: "fallback", reason: `HelloRetryRequest for group ${hello.retryGroup ?? "?"}` };
    if (hello.version === 0x0303) return TLS12_SUITES.some(([id]) => id === hello.cipherSuite) ? undefined : { kind: "fallback", reason: "unknown TLS 1.2 cipher suite" };
    if (hello.version !== 0x0304) return { kind: "fallback", reason: `TLS version ${hello.version.toString(16)}` };
    const suite = tls13SuiteById(hello.cipherSuite);
    if (suite === undefined) return { kind: "fallback", reason: "unknown TLS 1.3 cipher suite" };
    if (hello.keyShare?.group !== GROUP_X25519 || hello.keyShare.key.length !== 32) return { kind: "fallback", reason: "no X25519 key share" };
    let shared: Buffer;
    try {
      const publicKey = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(hello.keyShare.key).toString("base64url") }, format: "jwk" });
      shared = diffieHellman({ privateKey: this.x25519Private, publicKey });
    } catch {
      // A small-order point gives OpenSSL's all-zero-secret error.
      return { kind: "fallback", reason: "unusable X25519 key share" };
    }
    const secrets = deriveHandshakeSecrets(suite.hash, shared, transcriptHash(suite.hash, [this.clientHello, this.serverHelloMessage]));
    this.tls13 = {
      suite,
      key: trafficKey(suite, secrets.serverHandshakeTrafficSecret),
      sequence: 0,
      clientSecret: secrets.clientHandshakeTrafficSecret,
      transcript: [this.clientHello, message],
    };
    return undefined;
  }

  private readTls13Message(type: number, body: Uint8Array): CaptureOutcome | undefined {
    switch (type) {
      case msg.HS_ENCRYPTED_EXTENSIONS:
        return undefined;
      case msg.HS_CERTIFICATE_REQUEST:
        this.certificateRequested = true;
        this.caNames = msg.parseCertificateRequest13(body);
        this.tls13!.requestContext = Uint8Array.from(body.subarray(1, 1 + body[0]!));
        return undefined;
      case msg.HS_CERTIFICATE: {
        const chain = msg.parseCertificate13(body, this.maxChain);
        if (chain.length === 0) return { kind: "fallback", reason: "empty Certificate" };
        return this.captured("TLSv1.3", this.tls13!.suite.name, chain);
      }
      default:
        return { kind: "fallback", reason: `handshake message ${type} before Certificate` };
    }
  }

  private readTls12Message(type: number, body: Uint8Array): CaptureOutcome | undefined {
    switch (type) {
      case msg.HS_CERTIFICATE:
        if (this.chain !== undefined) return { kind: "fallback", reason: "second Certificate" };
        this.chain = msg.parseCertificate12(body, this.maxChain);
        if (this.chain.length === 0) return { kind: "fallback", reason: "empty Certificate" };
        return undefined;
      case msg.HS_SERVER_KEY_EXCHANGE:
        return undefined;
      case msg.HS_CERTIFICATE_REQUEST:
        this.certificateRequested = true;
        this.caNames = msg.parseCertificateRequest12(body);
        return undefined;
      case msg.HS_SERVER_HELLO_DONE: {
        if (this.chain === undefined) return { kind: "fallback", reason: "no Certificate before ServerHelloDone" };
        const suite = TLS12_SUITES.find(([id]) => id === this.serverHello!.cipherSuite);
        return this.captured("TLSv1.2", suite?.[1], this.chain);
      }
      default:
        return { kind: "fallback", reason: `handshake message ${type} in a TLS 1.2 flight` };
    }
  }

  private captured(tlsVersion: "TLSv1.3" | "TLSv1.2", cipher: string | undefined, chain: Uint8Array[]): CaptureOutcome {
    return { kind: "captured", tlsVersion, ...(cipher === undefined ? {} : { cipher }), chain, certificateRequested: this.certificateRequested, caNames: this.caNames };
  }
}
