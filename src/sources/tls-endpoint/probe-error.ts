/** The stable code (one of ErrorCode's probe codes) of a failed connection or handshake. */
import { ErrorCode, asProbeErrorCode, type ProbeErrorCode } from "../../errors.js";

export interface ProbeError {
  code: ProbeErrorCode;
  message: string;
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

