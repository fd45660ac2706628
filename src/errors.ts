/** Stable error codes, Node's `ERR_AREA_WHAT` style. docs/errors.md lists the same set (checked by a test). */
export const ErrorCode = {
  // usage and config: thrown, end the run with exit code 2
  ERR_USAGE: "ERR_USAGE",
  ERR_PATH_NOT_FOUND: "ERR_PATH_NOT_FOUND",
  ERR_CONFIG_INVALID: "ERR_CONFIG_INVALID",
  ERR_SCAN_EMPTY: "ERR_SCAN_EMPTY",
  // writing files and stdout (src/fs/write-atomic.ts, the CLI boundary): exit code 2
  ERR_OUTPUT_SYMLINK: "ERR_OUTPUT_SYMLINK",
  ERR_OUTPUT_NOT_REGULAR: "ERR_OUTPUT_NOT_REGULAR",
  ERR_OUTPUT_WRITE: "ERR_OUTPUT_WRITE",
  // sources: reported as ScanIssue, the scan goes on
  ERR_SOURCE_PERMISSION_DENIED: "ERR_SOURCE_PERMISSION_DENIED",
  ERR_SOURCE_UNREADABLE: "ERR_SOURCE_UNREADABLE",
  ERR_SOURCE_SYMLINK_LOOP: "ERR_SOURCE_SYMLINK_LOOP",
  ERR_SOURCE_OUTSIDE_ROOT: "ERR_SOURCE_OUTSIDE_ROOT",
  ERR_SOURCE_NOT_REGULAR: "ERR_SOURCE_NOT_REGULAR",
  ERR_FILE_TOO_LARGE: "ERR_FILE_TOO_LARGE",
  ERR_FILE_BINARY: "ERR_FILE_BINARY",
  ERR_FILE_NOT_MATERIAL: "ERR_FILE_NOT_MATERIAL",
  ERR_PEM_INVALID: "ERR_PEM_INVALID",
  ERR_PEM_TOO_LARGE: "ERR_PEM_TOO_LARGE",
  ERR_DER_INVALID: "ERR_DER_INVALID",
  ERR_CERT_INVALID: "ERR_CERT_INVALID",
  ERR_KEY_INVALID: "ERR_KEY_INVALID",
  ERR_CSR_INVALID: "ERR_CSR_INVALID",
  ERR_PKCS12_INVALID: "ERR_PKCS12_INVALID",
  ERR_PKCS12_PASSWORD: "ERR_PKCS12_PASSWORD",
  ERR_KDF_ITERATIONS: "ERR_KDF_ITERATIONS",
  ERR_KDF_BUDGET: "ERR_KDF_BUDGET",
  ERR_YAML_INVALID: "ERR_YAML_INVALID",
  ERR_YAML_LIMIT: "ERR_YAML_LIMIT",
  ERR_KUBECONFIG_INVALID: "ERR_KUBECONFIG_INVALID",
  ERR_KUBECONFIG_REF_MISSING: "ERR_KUBECONFIG_REF_MISSING",
  ERR_MANIFEST_INVALID: "ERR_MANIFEST_INVALID",
  ERR_BASE64_INVALID: "ERR_BASE64_INVALID",
  // node agent: /proc notes (ScanIssue) and delivery (logged; thrown only by `agent --once`)
  ERR_PROC_UNREADABLE: "ERR_PROC_UNREADABLE",
  ERR_DELIVERY_FAILED: "ERR_DELIVERY_FAILED",
  ERR_DELIVERY_REJECTED: "ERR_DELIVERY_REJECTED",
  ERR_SPOOL_DROPPED: "ERR_SPOOL_DROPPED",
  ERR_SPOOL_UNAVAILABLE: "ERR_SPOOL_UNAVAILABLE",
  ERR_AGENT_STOP_TIMEOUT: "ERR_AGENT_STOP_TIMEOUT",
  // Kubernetes API source: reported as ScanIssue (notes / source-forbidden findings), the scan goes on
  ERR_SOURCE_FORBIDDEN: "ERR_SOURCE_FORBIDDEN",
  ERR_SOURCE_UNAVAILABLE: "ERR_SOURCE_UNAVAILABLE",
  ERR_SOURCE_SKIPPED: "ERR_SOURCE_SKIPPED",
  // server: HTTP API answers (JSON `{error: {code, message}}`) and the history store
  ERR_HTTP_NOT_FOUND: "ERR_HTTP_NOT_FOUND",
  ERR_HTTP_UNAUTHORIZED: "ERR_HTTP_UNAUTHORIZED",
  ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: "ERR_HTTP_UNSUPPORTED_MEDIA_TYPE",
  ERR_QUERY_INVALID: "ERR_QUERY_INVALID",
  ERR_BODY_TOO_LARGE: "ERR_BODY_TOO_LARGE",
  ERR_BODY_INVALID: "ERR_BODY_INVALID",
  ERR_REPORT_INVALID: "ERR_REPORT_INVALID",
  ERR_NOT_LEADER: "ERR_NOT_LEADER",
  ERR_STORE_UNAVAILABLE: "ERR_STORE_UNAVAILABLE",
  ERR_STORE_WRITE: "ERR_STORE_WRITE",
  ERR_STORE_SCHEMA: "ERR_STORE_SCHEMA",
  // backup, restore and fixes (certdoctor backup / restore / fix): thrown, exit 2; a fix's refusal is exit 1
  ERR_BACKUP_KEY: "ERR_BACKUP_KEY",
  ERR_BACKUP_INVALID: "ERR_BACKUP_INVALID",
  ERR_BACKUP_AUTH: "ERR_BACKUP_AUTH",
  ERR_BACKUP_TOO_LARGE: "ERR_BACKUP_TOO_LARGE",
  ERR_RESTORE_UNSAFE: "ERR_RESTORE_UNSAFE",
  // TLS endpoint probes: an endpoint's `error.code` in the JSON report and its endpoint-unreachable finding.
  // Named as before this map existed (Node's errno names, the TLS alert number): reports are scripted against
  // them. A failure outside this list is reported as TLS_ERROR or ECONNECT with the original reason in the message.
  ECONNREFUSED: "ECONNREFUSED",
  ECONNRESET: "ECONNRESET",
  ETIMEDOUT: "ETIMEDOUT",
  ENOTFOUND: "ENOTFOUND",
  EAI_AGAIN: "EAI_AGAIN",
  EHOSTUNREACH: "EHOSTUNREACH",
  ENETUNREACH: "ENETUNREACH",
  EADDRNOTAVAIL: "EADDRNOTAVAIL",
  EACCES: "EACCES",
  EPERM: "EPERM",
  EPIPE: "EPIPE",
  EMFILE: "EMFILE",
  ENFILE: "ENFILE",
  ECONNECT: "ECONNECT",
  NOT_TLS: "NOT_TLS",
  TLS_ALERT_0: "TLS_ALERT_0",
  TLS_ALERT_10: "TLS_ALERT_10",
  TLS_ALERT_20: "TLS_ALERT_20",
  TLS_ALERT_21: "TLS_ALERT_21",
  TLS_ALERT_22: "TLS_ALERT_22",
  TLS_ALERT_30: "TLS_ALERT_30",
  TLS_ALERT_40: "TLS_ALERT_40",
  TLS_ALERT_41: "TLS_ALERT_41",
  TLS_ALERT_42: "TLS_ALERT_42",
  TLS_ALERT_43: "TLS_ALERT_43",
  TLS_ALERT_44: "TLS_ALERT_44",
  TLS_ALERT_45: "TLS_ALERT_45",
  TLS_ALERT_46: "TLS_ALERT_46",
  TLS_ALERT_47: "TLS_ALERT_47",
  TLS_ALERT_48: "TLS_ALERT_48",
  TLS_ALERT_49: "TLS_ALERT_49",
  TLS_ALERT_50: "TLS_ALERT_50",
  TLS_ALERT_51: "TLS_ALERT_51",
  TLS_ALERT_52: "TLS_ALERT_52",
  TLS_ALERT_60: "TLS_ALERT_60",
  TLS_ALERT_70: "TLS_ALERT_70",
  TLS_ALERT_71: "TLS_ALERT_71",
  TLS_ALERT_80: "TLS_ALERT_80",
  TLS_ALERT_86: "TLS_ALERT_86",
  TLS_ALERT_90: "TLS_ALERT_90",
  TLS_ALERT_100: "TLS_ALERT_100",
  TLS_ALERT_109: "TLS_ALERT_109",
  TLS_ALERT_110: "TLS_ALERT_110",
  TLS_ALERT_111: "TLS_ALERT_111",
  TLS_ALERT_112: "TLS_ALERT_112",
  TLS_ALERT_113: "TLS_ALERT_113",
  TLS_ALERT_114: "TLS_ALERT_114",
  TLS_ALERT_115: "TLS_ALERT_115",
  TLS_ALERT_116: "TLS_ALERT_116",
  TLS_ALERT_120: "TLS_ALERT_120",
  TLS_ALERT_121: "TLS_ALERT_121",
  TLS_UNSUPPORTED_PROTOCOL: "TLS_UNSUPPORTED_PROTOCOL",
  TLS_UNSAFE_LEGACY_RENEGOTIATION_DISABLED: "TLS_UNSAFE_LEGACY_RENEGOTIATION_DISABLED",
  TLS_DH_KEY_TOO_SMALL: "TLS_DH_KEY_TOO_SMALL",
  TLS_EXCESSIVE_MESSAGE_SIZE: "TLS_EXCESSIVE_MESSAGE_SIZE",
  TLS_ERROR: "TLS_ERROR",
  PROBE_WORKER_FAILED: "PROBE_WORKER_FAILED",
  ABORTED: "ABORTED",
  // internal
  ERR_INTERNAL: "ERR_INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The codes a TLS endpoint probe ends with (every code not in `ERR_` form). */
export type ProbeErrorCode = Exclude<ErrorCode, `ERR_${string}`>;

/** The codes a ScanIssue can carry (the `ERR_` ones): what `certdoctor_scan_issues_total` pre-creates. */
export const SCAN_ISSUE_CODES: readonly ErrorCode[] = Object.values(ErrorCode).filter((c) => c.startsWith("ERR_"));

/** `code` as a probe code when the map has it. */
export function asProbeErrorCode(code: string): ProbeErrorCode | undefined {
  return Object.hasOwn(ErrorCode, code) && !code.startsWith("ERR_") ? (code as ProbeErrorCode) : undefined;
}

export class CertdoctorError extends Error {
  readonly code: ErrorCode;
  readonly ref?: string;

  constructor(code: ErrorCode, message: string, options: { ref?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CertdoctorError";
    this.code = code;
    if (options.ref !== undefined) this.ref = options.ref;
  }
}

export function isCertdoctorError(err: unknown): err is CertdoctorError {
  return err instanceof CertdoctorError;
}

/** A short, safe description of an unknown thrown value: never includes input bytes. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
