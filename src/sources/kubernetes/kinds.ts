/** What the Kubernetes API source reads, and the RBAC each read needs (deploy/rbac.yaml grants exactly this). */
import { formatRef, kubeApiRef } from "../../model/ref.js";

export interface KindSpec {
  apiVersion: string;
  kind: string;
  /** "" for the core group. */
  group: string;
  /** Plural resource name (URL path segment and RBAC resource). */
  resource: string;
  namespaced: boolean;
  /** Server-side filter: never transfer objects that cannot hold certificates. */
  fieldSelector?: string;
  /** Read only when the API group is served (e.g. cert-manager's CRDs are installed). */
  optional?: boolean;
}

/** Helm keeps every release's whole chart (often megabytes) in `helm.sh/release.v1` Secrets: never list them. */
export const SECRET_FIELD_SELECTOR = "type!=helm.sh/release.v1";

export const KINDS: readonly KindSpec[] = [
  { apiVersion: "v1", kind: "Secret", group: "", resource: "secrets", namespaced: true, fieldSelector: SECRET_FIELD_SELECTOR },
  { apiVersion: "v1", kind: "ConfigMap", group: "", resource: "configmaps", namespaced: true },
  { apiVersion: "v1", kind: "Node", group: "", resource: "nodes", namespaced: false },
  { apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", group: "certificates.k8s.io", resource: "certificatesigningrequests", namespaced: false },
  { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", namespaced: false },
  { apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", namespaced: false },
  { apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", group: "apiregistration.k8s.io", resource: "apiservices", namespaced: false },
  { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", group: "apiextensions.k8s.io", resource: "customresourcedefinitions", namespaced: false },
  // who may approve CSRs or rewrite CAs (rule rbac-cert-authority)
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", group: "rbac.authorization.k8s.io", resource: "clusterroles", namespaced: false },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings", namespaced: false },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", group: "rbac.authorization.k8s.io", resource: "roles", namespaced: true },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", group: "rbac.authorization.k8s.io", resource: "rolebindings", namespaced: true },
  { apiVersion: "cert-manager.io/v1", kind: "Certificate", group: "cert-manager.io", resource: "certificates", namespaced: true, optional: true },
  { apiVersion: "cert-manager.io/v1", kind: "Issuer", group: "cert-manager.io", resource: "issuers", namespaced: true, optional: true },
  { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", group: "cert-manager.io", resource: "clusterissuers", namespaced: false, optional: true },
];

/** The REST path of a collection: `/api/v1/secrets`, `/api/v1/namespaces/NS/secrets`, `/apis/G/V/RESOURCE`. */
export function collectionPath(spec: KindSpec, namespace?: string): string {
  const root = spec.group === "" ? `/api/${spec.apiVersion}` : `/apis/${spec.apiVersion}`;
  return namespace === undefined ? `${root}/${spec.resource}` : `${root}/namespaces/${encodeURIComponent(namespace)}/${spec.resource}`;
}

/** `kube-api:/api/v1/namespaces/NS/secrets#list`: the ref of a read that failed (what source-forbidden parses). */
export function readRef(spec: KindSpec, verb: string, namespace?: string): string {
  return formatRef(kubeApiRef(collectionPath(spec, namespace), verb));
}

/** Parses a `kube-api:` ref back into the RBAC attributes of the request (the inverse of readRef). */
export { parseKubeApiRef as parseReadRef } from "../../model/kube-api-ref.js";
