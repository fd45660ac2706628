/**
 * Source health for `x509_source_up` and `x509_source_errors_total`: which sources a scan read, whether
 * each came up, and its errors by reason in x509-certificate-exporter's vocabulary (`bad_pem`,
 * `permission_denied`, …; certdoctor-only reasons where enix has none). Derived from the scan's
 * configured roots and sources and its ScanIssues: the engine does not report per-source status itself.
 */
import { parseRef } from "../model/ref.js";
import { ErrorCode } from "../errors.js";
import type { ScanIssue } from "../model/issue.js";
import { parseKubeApiRef } from "../model/kube-api-ref.js";

export interface SourceStatus {
  /** `source_kind`: file, kube-secret, kube-configmap, kube-cabundle, kube-csr, tls-endpoint, process. */
  kind: string;
  /** `source_name`: the scanned root for files, `kubernetes` for the API, `endpoints`, `proc`. */
  name: string;
  up: boolean;
  /** Errors of this scan by reason. */
  errors: Map<string, number>;
}

/** enix's static reasons (`pkg/cert/reason.go` BundleReasons): every known source gets them at 0. */
export const ENIX_REASONS = [
  "bad_pem",
  "bad_crl",
  "bad_der",
  "bad_jks",
  "bad_pkcs12",
  "bad_passphrase",
  "no_certificate_found",
  "read_failed",
  "permission_denied",
  "not_found",
  "api_error",
  "decode_failed",
  "broken_symlink",
  "out_of_scope_symlink",
  "parse_timeout",
  "walk_error",
  "rate_limited",
] as const;

/** Reasons certdoctor adds where enix has no word for what happened. */
export const CERTDOCTOR_REASONS = ["file_too_large", "bad_key", "bad_csr", "http_403"] as const;

export const SOURCE_REASONS: readonly string[] = [...ENIX_REASONS, ...CERTDOCTOR_REASONS];

/** Error code -> reason; codes absent here are notes, not errors (a binary file, a skipped kind). */
const REASON_BY_CODE: Partial<Record<string, string>> = {
  [ErrorCode.ERR_SOURCE_PERMISSION_DENIED]: "permission_denied",
  [ErrorCode.ERR_SOURCE_UNREADABLE]: "read_failed",
  [ErrorCode.ERR_SOURCE_SYMLINK_LOOP]: "walk_error",
  [ErrorCode.ERR_FILE_TOO_LARGE]: "file_too_large",
  [ErrorCode.ERR_PEM_INVALID]: "bad_pem",
  [ErrorCode.ERR_PEM_TOO_LARGE]: "bad_pem",
  [ErrorCode.ERR_CERT_INVALID]: "bad_pem",
  [ErrorCode.ERR_DER_INVALID]: "bad_der",
  [ErrorCode.ERR_KEY_INVALID]: "bad_key",
  [ErrorCode.ERR_CSR_INVALID]: "bad_csr",
  [ErrorCode.ERR_PKCS12_INVALID]: "bad_pkcs12",
  [ErrorCode.ERR_PKCS12_PASSWORD]: "bad_passphrase",
  // Not a broken bundle: reading it would cost more key derivation than the scan allows (enix's word for "gave up, too slow").
  [ErrorCode.ERR_KDF_ITERATIONS]: "parse_timeout",
  [ErrorCode.ERR_KDF_BUDGET]: "parse_timeout",
  [ErrorCode.ERR_YAML_INVALID]: "decode_failed",
  [ErrorCode.ERR_YAML_LIMIT]: "decode_failed",
  [ErrorCode.ERR_MANIFEST_INVALID]: "decode_failed",
  [ErrorCode.ERR_KUBECONFIG_INVALID]: "decode_failed",
  [ErrorCode.ERR_BASE64_INVALID]: "decode_failed",
  [ErrorCode.ERR_KUBECONFIG_REF_MISSING]: "not_found",
  [ErrorCode.ERR_PROC_UNREADABLE]: "read_failed",
  [ErrorCode.ERR_SOURCE_FORBIDDEN]: "http_403",
  [ErrorCode.ERR_SOURCE_UNAVAILABLE]: "api_error",
};

export function reasonOf(code: string): string | undefined {
  return REASON_BY_CODE[code];
}

/** What a scan was asked to read. */
export interface ScannedSources {
  /** Absolute roots given with --path (or the agent's node roots). */
  paths: readonly string[];
  /** `Source.kind` of every further source: "kube-api", "tls-endpoint", "process". */
  sourceKinds: readonly string[];
}

const KUBE_NAME = "kubernetes";
const KIND_BY_RESOURCE: Readonly<Record<string, string>> = {
  secrets: "kube-secret",
  configmaps: "kube-configmap",
  validatingwebhookconfigurations: "kube-cabundle",
  mutatingwebhookconfigurations: "kube-cabundle",
  apiservices: "kube-cabundle",
  customresourcedefinitions: "kube-cabundle",
  certificatesigningrequests: "kube-csr",
};
const KIND_BY_REF_KIND: Readonly<Record<string, string>> = {
  secret: "kube-secret",
  configmap: "kube-configmap",
  webhook: "kube-cabundle",
  apiservice: "kube-cabundle",
  crd: "kube-cabundle",
  csr: "kube-csr",
};


function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/** The statuses of every source a scan read, in a stable order, with this scan's errors. */
export function deriveSourceStatuses(issues: readonly ScanIssue[], scanned: ScannedSources): SourceStatus[] {
  const statuses = new Map<string, SourceStatus>();
  const add = (kind: string, name: string) => {
    const key = `${kind}\0${name}`;
    let s = statuses.get(key);
    if (s === undefined) statuses.set(key, (s = { kind, name, up: true, errors: new Map() }));
    return s;
  };
  // Longest root first, so a file under nested roots counts for the innermost.
  const roots = [...new Set(scanned.paths)].sort((a, b) => b.length - a.length);
  for (const root of roots) add("file", root);
  const kube = scanned.sourceKinds.includes("kube-api");
  if (kube) for (const kind of ["kube-secret", "kube-configmap", "kube-cabundle", "kube-csr"]) add(kind, KUBE_NAME);
  if (scanned.sourceKinds.includes("tls-endpoint")) add("tls-endpoint", "endpoints");
  if (scanned.sourceKinds.includes("process")) add("process", "proc");

  for (const issue of issues) {
    const reason = reasonOf(issue.code);
    if (reason === undefined) continue;
    const ref = parseRef(issue.ref);
    const kind = ref?.kind ?? "";
    let status: SourceStatus | undefined;
    if (kind === "kube-api") {
      const req = parseKubeApiRef(issue.ref);
      const sourceKind = req ? KIND_BY_RESOURCE[req.resource] : undefined;
      if (sourceKind === undefined) continue;
      status = add(sourceKind, KUBE_NAME);
      // A kind that cannot be read at all (cluster-wide 403, or failing past its retries) is down.
      if (issue.code === ErrorCode.ERR_SOURCE_UNAVAILABLE || req?.namespace === undefined) status.up = false;
    } else if (kube && KIND_BY_REF_KIND[kind] !== undefined) {
      status = add(KIND_BY_REF_KIND[kind]!, KUBE_NAME);
    } else if (kind === "endpoint") {
      status = add("tls-endpoint", "endpoints");
    } else if (kind === "process") {
      status = add("process", "proc");
    } else {
      const path = ref?.location ?? issue.ref;
      // A Secret or ConfigMap from a kubectl dump has an object ref, not a path: it counts for the first root.
      const root = roots.find((r) => isUnder(path, r)) ?? scanned.paths[0];
      if (root === undefined) continue;
      status = add("file", root);
      if (path === root && (issue.code === ErrorCode.ERR_SOURCE_PERMISSION_DENIED || issue.code === ErrorCode.ERR_SOURCE_UNREADABLE)) status.up = false;
    }
    status.errors.set(reason, (status.errors.get(reason) ?? 0) + 1);
  }
  return [...statuses.values()].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
