import * as crypto from "node:crypto";

// crypto.hash (node >= 20.12) is a one-shot that skips the Hash object; package.json allows 20.11.
const oneShotHash: ((algorithm: string, data: Uint8Array, encoding: "hex") => string) | undefined =
  typeof crypto.hash === "function" ? crypto.hash : undefined;

/** Lowercase hex SHA-256 of `bytes`, no colons: certificate and SPKI fingerprints. */
export function hexSha256(bytes: Uint8Array): string {
  if (oneShotHash !== undefined) return oneShotHash("sha256", bytes, "hex");
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

/** Lowercase hex of `bytes` without copying them. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
