/**
 * Opening (and, for the client's closing flight, sealing) one TLS 1.3 protected record (RFC 8446 §5.2–5.3) with node:crypto's AEAD: the nonce is the
 * IV XOR the 64-bit record sequence number, the additional data is the record header, and the inner
 * plaintext ends with its real content type followed by zero padding.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import type { Tls13Suite, TrafficKey } from "./key-schedule.js";

const TAG_LENGTH = 16;

export interface OpenedRecord {
  contentType: number;
  content: Buffer;
}

function nonceFor(key: TrafficKey, sequence: number): Buffer {
  const nonce = Buffer.from(key.iv);
  // Sequence numbers here stay far below 2^32 (a capture reads a few records).
  for (let i = 0; i < 4; i++) nonce[11 - i] = nonce[11 - i]! ^ ((sequence >>> (8 * i)) & 0xff);
  return nonce;
}

/** One protected record (header included) holding `content` of `contentType`, without padding. */
export function sealRecord(suite: Tls13Suite, key: TrafficKey, sequence: number, contentType: number, content: Uint8Array): Buffer {
  const length = content.length + 1 + TAG_LENGTH;
  const header = Buffer.from([0x17, 0x03, 0x03, length >> 8, length & 0xff]);
  const nonce = nonceFor(key, sequence);
  const cipher =
    suite.aead === "chacha20-poly1305" ? createCipheriv(suite.aead, key.key, nonce, { authTagLength: TAG_LENGTH }) : createCipheriv(suite.aead, key.key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(header, { plaintextLength: content.length + 1 });
  const body = Buffer.concat([cipher.update(content), cipher.update(Buffer.from([contentType])), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/** Undefined when the record does not authenticate (wrong key, tampered, truncated) or has no content type. */
export function openRecord(suite: Tls13Suite, key: TrafficKey, sequence: number, header: Uint8Array, payload: Uint8Array): OpenedRecord | undefined {
  if (payload.length < TAG_LENGTH + 1) return undefined;
  const nonce = nonceFor(key, sequence);
  const decipher =
    suite.aead === "chacha20-poly1305" ? createDecipheriv(suite.aead, key.key, nonce, { authTagLength: TAG_LENGTH }) : createDecipheriv(suite.aead, key.key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(header, { plaintextLength: payload.length - TAG_LENGTH });
  decipher.setAuthTag(payload.subarray(payload.length - TAG_LENGTH));
  let inner: Buffer;
  try {
    inner = Buffer.concat([decipher.update(payload.subarray(0, payload.length - TAG_LENGTH)), decipher.final()]);
  } catch {
    return undefined;
  }
  let end = inner.length;
  while (end > 0 && inner[end - 1] === 0) end--;
  if (end === 0) return undefined;
  return { contentType: inner[end - 1]!, content: inner.subarray(0, end - 1) };
}
