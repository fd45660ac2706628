/**
 * HTTP answers for errors (`{"error": {"code", "message"}}` with the status each code maps to) and the
 * bounded JSON body reader: a body is refused before it is buffered when its declared length is too
 * large, and counted while it streams when it has none, so an oversized report never sits in memory.
 */
import type { Context } from "hono";
import { CertdoctorError, ErrorCode } from "../errors.js";

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.ERR_HTTP_NOT_FOUND]: 404,
  [ErrorCode.ERR_HTTP_UNAUTHORIZED]: 401,
  [ErrorCode.ERR_HTTP_UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.ERR_QUERY_INVALID]: 400,
  [ErrorCode.ERR_BODY_TOO_LARGE]: 413,
  [ErrorCode.ERR_BODY_INVALID]: 400,
  [ErrorCode.ERR_REPORT_INVALID]: 400,
  [ErrorCode.ERR_NOT_LEADER]: 409,
  [ErrorCode.ERR_STORE_UNAVAILABLE]: 503,
  [ErrorCode.ERR_STORE_WRITE]: 503,
  [ErrorCode.ERR_STORE_SCHEMA]: 503,
};

/** The HTTP status for an error code (500 for codes that are not an HTTP answer). */
export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export interface ErrorBody {
  error: { code: string; message: string; status: number };
}

export function errorBody(code: ErrorCode, message: string, status = statusOf(code)): ErrorBody {
  return { error: { code, message, status } };
}

/** Throws the error that becomes a 400 naming the parameter. */
export function badQuery(message: string): never {
  throw new CertdoctorError(ErrorCode.ERR_QUERY_INVALID, message);
}

/**
 * Reads a JSON body of at most `maxBytes`. Throws ERR_HTTP_UNSUPPORTED_MEDIA_TYPE, ERR_BODY_TOO_LARGE
 * or ERR_BODY_INVALID; never returns a partial document.
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new CertdoctorError(ErrorCode.ERR_HTTP_UNSUPPORTED_MEDIA_TYPE, `Content-Type must be application/json (got "${type.slice(0, 64)}")`);
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const body = c.req.raw.body;
  if (body === null) throw new CertdoctorError(ErrorCode.ERR_BODY_INVALID, "empty body: a JSON document is required");
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks, total).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CertdoctorError(ErrorCode.ERR_BODY_INVALID, `body is not valid JSON (${(err as Error).message.slice(0, 120)})`);
  }
}

function tooLarge(maxBytes: number): CertdoctorError {
  return new CertdoctorError(ErrorCode.ERR_BODY_TOO_LARGE, `body larger than ${maxBytes} bytes`);
}
