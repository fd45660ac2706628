import { createHash } from "node:crypto";

/** Lowercase hex SHA-256 of `bytes`, no colons: certificate and SPKI fingerprints. */
export function hexSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Lowercase hex of `bytes` without copying them. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
