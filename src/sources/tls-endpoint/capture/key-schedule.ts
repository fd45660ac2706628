/**
 * The part of the RFC 8446 §7.1 key schedule a certificate capture needs: from the (EC)DHE shared
 * secret and the ClientHello..ServerHello transcript hash to the server's handshake traffic key and
 * IV (no PSK, so the early secret is HKDF-Extract(0, 0)). HKDF is node:crypto's HMAC.
 */
import { createHash, createHmac } from "node:crypto";

export type HashName = "sha256" | "sha384";

export interface Tls13Suite {
  id: number;
  name: string;
  hash: HashName;
  /** node:crypto cipher name of the AEAD. */
  aead: "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";
  keyLength: number;
}

export const TLS13_SUITES: readonly Tls13Suite[] = [
  { id: 0x1302, name: "TLS_AES_256_GCM_SHA384", hash: "sha384", aead: "aes-256-gcm", keyLength: 32 },
  { id: 0x1303, name: "TLS_CHACHA20_POLY1305_SHA256", hash: "sha256", aead: "chacha20-poly1305", keyLength: 32 },
  { id: 0x1301, name: "TLS_AES_128_GCM_SHA256", hash: "sha256", aead: "aes-128-gcm", keyLength: 16 },
];

export function tls13SuiteById(id: number): Tls13Suite | undefined {
  return TLS13_SUITES.find((s) => s.id === id);
}

const HASH_LENGTH: Record<HashName, number> = { sha256: 32, sha384: 48 };

export function hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac(hash, salt).update(ikm).digest();
}

/** HKDF-Expand-Label (RFC 8446 §7.1); `length` is at most 255 hash lengths, here never more than one or two. */
export function hkdfExpandLabel(hash: HashName, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, "ascii");
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, fullLabel.length]), fullLabel, Buffer.from([context.length]), context]);
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1, have = 0; have < length; i++) {
    previous = createHmac(hash, secret).update(previous).update(info).update(Buffer.from([i])).digest();
    blocks.push(previous);
    have += previous.length;
  }
  return blocks.length === 1 ? blocks[0]!.subarray(0, length) : Buffer.concat(blocks).subarray(0, length);
}

export function transcriptHash(hash: HashName, messages: readonly Uint8Array[]): Buffer {
  const h = createHash(hash);
  for (const m of messages) h.update(m);
  return h.digest();
}

export interface HandshakeSecrets {
  earlySecret: Buffer;
  handshakeSecret: Buffer;
  clientHandshakeTrafficSecret: Buffer;
  serverHandshakeTrafficSecret: Buffer;
}

/** Without a PSK the early secret and its "derived" secret are constants of the hash: computed once. */
const earlyConstants = new Map<HashName, { earlySecret: Buffer; derived: Buffer }>();
function earlyOf(hash: HashName): { earlySecret: Buffer; derived: Buffer } {
  let early = earlyConstants.get(hash);
  if (early === undefined) {
    const zeros = Buffer.alloc(HASH_LENGTH[hash]);
    const earlySecret = hkdfExtract(hash, zeros, zeros);
    early = { earlySecret, derived: hkdfExpandLabel(hash, earlySecret, "derived", transcriptHash(hash, []), HASH_LENGTH[hash]) };
    earlyConstants.set(hash, early);
  }
  return early;
}

export function deriveHandshakeSecrets(hash: HashName, sharedSecret: Uint8Array, helloHash: Uint8Array): HandshakeSecrets {
  const { earlySecret, derived } = earlyOf(hash);
  const handshakeSecret = hkdfExtract(hash, derived, sharedSecret);
  const clientHandshakeTrafficSecret = hkdfExpandLabel(hash, handshakeSecret, "c hs traffic", helloHash, HASH_LENGTH[hash]);
  const serverHandshakeTrafficSecret = hkdfExpandLabel(hash, handshakeSecret, "s hs traffic", helloHash, HASH_LENGTH[hash]);
  return { earlySecret, handshakeSecret, clientHandshakeTrafficSecret, serverHandshakeTrafficSecret };
}

export interface TrafficKey {
  key: Buffer;
  iv: Buffer;
}

export function trafficKey(suite: Tls13Suite, secret: Uint8Array): TrafficKey {
  return { key: hkdfExpandLabel(suite.hash, secret, "key", new Uint8Array(0), suite.keyLength), iv: hkdfExpandLabel(suite.hash, secret, "iv", new Uint8Array(0), 12) };
}

/** Finished.verify_data (RFC 8446 §4.4.4) over the transcript hash, with a traffic secret's finished key. */
export function finishedVerifyData(hash: HashName, trafficSecret: Uint8Array, transcript: Uint8Array): Buffer {
  const finishedKey = hkdfExpandLabel(hash, trafficSecret, "finished", new Uint8Array(0), HASH_LENGTH[hash]);
  return createHmac(hash, finishedKey).update(transcript).digest();
}
