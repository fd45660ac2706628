import type { ProbeErrorCode } from "../errors.js";
import type { CsrInfo, KeyInfo } from "./cert.js";
import type { RbacFacts } from "./rbac.js";

/**
 * Stable location ref, one string form `kind:location#key`, e.g. `file:/etc/kubernetes/pki/ca.crt`,
 * `file:/bundle.pem#2`, `kubeconfig:/etc/kubernetes/admin.conf#users/kubernetes-admin`,
 * `secret:kubeedge/casecret#cadata`, `configmap:kube-system/kube-root-ca.crt#ca.crt`, `csr:csr-abc12`,
 * `webhook:my-hook#webhooks/0/clientConfig/caBundle`, later `endpoint:HOST:PORT`.
 * The store, the API and the metrics all use it as the id. Its typed value, with the one formatter and
 * parser, is `SourceRef` in ./ref.ts: build and read refs there, never by template or prefix test.
 */
export type RefString = string;

/** Where an item physically came from and how it relates to its neighbours. */
export interface ItemPlace {
  ref: RefString;
  /** Absolute filesystem path of the file it was read from, when it came from a file. */
  path?: string;
  /** The file at `path` is a symbolic link (kubelet rotation relies on that). */
  symlink?: boolean;
  /**
   * Trust context id: the unit whose anchors a leaf must verify against. A Secret (`secret:ns/name`),
   * a kubeconfig cluster (`kubeconfig:/path`), a directory (`dir:/abs/dir`), a webhook (`webhook:NAME`).
   */
  context: string;
  /** Explicitly designated as a trust anchor in its context (ca.crt, certificate-authority-data, caBundle, cadata). */
  anchor?: boolean;
  /** Certificates and keys with the same pair id must belong together (tls.crt/tls.key, X.crt/X.key, kubeconfig user). */
  pair?: string;
}

export interface CertItem extends ItemPlace {
  type: "cert";
  der: Uint8Array;
}

export interface KeyItem extends ItemPlace {
  type: "key";
  key: KeyInfo;
}

/** A PKCS#10 request found as a file or Secret value (not a Kubernetes CSR object). */
export interface CsrItem extends ItemPlace {
  type: "csr";
  csr: CsrInfo;
}

export interface KubeCsrCondition {
  type: string; // Approved | Denied | Failed
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: number;
}

/** A `certificates.k8s.io/v1` CertificateSigningRequest object. Its issued certificate comes as a separate CertItem. */
export interface KubeCsrItem extends ItemPlace {
  type: "kube-csr";
  name: string;
  signerName: string;
  usages: string[];
  username?: string;
  groups: string[];
  /** spec.expirationSeconds, when set. */
  expirationSeconds?: number;
  /** ms since epoch */
  createdAt?: number;
  conditions: KubeCsrCondition[];
  request?: CsrInfo;
  /** The issued certificate is present in status.certificate. */
  issued: boolean;
}

/**
 * What a live TLS endpoint answered. The certificates it presented come as CertItems with refs
 * `endpoint:HOST:PORT#N` (N = position in the presented chain, 0 = its own certificate).
 */
export interface EndpointItem extends ItemPlace {
  type: "endpoint";
  host: string;
  port: number;
  /** Server name sent in the handshake, when any. */
  sni?: string;
  /** Refs of the presented chain, in the order presented. */
  chain: RefString[];
  tlsVersion?: string;
  cipher?: string;
  /** Distinguished names the server listed as acceptable client-certificate issuers (CertificateRequest). */
  acceptableCAs?: string[];
  /** The handshake or connection failed: a stable code (e.g. ECONNREFUSED, ETIMEDOUT, TLS_ALERT_80, NOT_TLS; docs/errors.md) and a message. */
  error?: { code: ProbeErrorCode; message: string };
  /** ms since epoch when it was probed. */
  probedAt: number;
}

/**
 * Public facts about a Kubernetes object read from the API that rules need besides its certificates:
 * which Service a webhook/APIService/CRD caBundle is for, a Node's addresses, what a cert-manager
 * Certificate manages. Never holds Secret payloads. `ref` is the object's own ref (the caBundle's trust
 * context for webhooks, `node:NAME`, `certificate.cert-manager.io:NS/NAME`, `issuer.cert-manager.io:NS/NAME`).
 */
export interface KubeObjectItem extends ItemPlace {
  type: "kube-object";
  kind: string;
  name: string;
  namespace?: string;
  /** clientConfig.service / spec.service of a webhook, APIService or CRD conversion webhook. */
  service?: { namespace: string; name: string; port?: number };
  /** Node status.addresses (hostnames and IPs). */
  addresses?: string[];
  /** cert-manager Certificate: the Secret it writes and the issuer (`Issuer/NAME` or `ClusterIssuer/NAME`). */
  secretName?: string;
  issuerRef?: string;
  /** cert-manager CA Issuer/ClusterIssuer: spec.ca.secretName, the Secret holding the CA and its key. */
  caSecretName?: string;
  /** Role, ClusterRole, RoleBinding, ClusterRoleBinding. */
  rbac?: RbacFacts;
}

export type RawItem = CertItem | KeyItem | CsrItem | KubeCsrItem | EndpointItem | KubeObjectItem;
