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
  // internal
  ERR_INTERNAL: "ERR_INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

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
