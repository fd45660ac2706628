import { decodeBase64 } from "../pki/base64.js";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Strict base64 decoding of a Kubernetes data value (whitespace tolerated, as `kubectl` wraps lines).
 * Undefined when the text is not base64, so a bad value is reported instead of silently mis-decoded.
 */
export function decodeBase64Value(value: string): Uint8Array | undefined {
  const standard = decodeBase64(value);
  if (standard !== undefined) return new Uint8Array(standard.buffer, standard.byteOffset, standard.byteLength);
  const compact = value.replace(/\s+/g, "");
  if (compact.length % 4 === 1) return undefined;
  if (BASE64.test(compact)) return new Uint8Array(Buffer.from(compact, "base64"));
  if (BASE64URL.test(compact)) return new Uint8Array(Buffer.from(compact, "base64url"));
  return undefined;
}
