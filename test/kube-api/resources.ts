/** The resource types the test API server serves, as discovery describes them. Test-only code. */
export interface ResourceDef {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural resource name, as in URLs and RBAC rules. */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Subresources served (PUT only). */
  subresources?: string[];
  /** Served only when enabled (e.g. cert-manager's CRDs installed). */
  optional?: boolean;
}

export const RESOURCES: ResourceDef[] = [
  { group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false },
  { group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true },
  { group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false },
  { group: "", version: "v1", resource: "services", kind: "Service", namespaced: true },
  { group: "", version: "v1", resource: "events", kind: "Event", namespaced: true },
  { group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole", namespaced: false },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding", namespaced: true },
  { group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests", kind: "CertificateSigningRequest", namespaced: false, subresources: ["approval", "status"] },
  { group: "admissionregistration.k8s.io", version: "v1", resource: "validatingwebhookconfigurations", kind: "ValidatingWebhookConfiguration", namespaced: false },
  { group: "admissionregistration.k8s.io", version: "v1", resource: "mutatingwebhookconfigurations", kind: "MutatingWebhookConfiguration", namespaced: false },
  { group: "apiregistration.k8s.io", version: "v1", resource: "apiservices", kind: "APIService", namespaced: false },
  { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false },
  { group: "authorization.k8s.io", version: "v1", resource: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", namespaced: false },
  { group: "authorization.k8s.io", version: "v1", resource: "subjectaccessreviews", kind: "SubjectAccessReview", namespaced: false },
  { group: "cert-manager.io", version: "v1", resource: "certificates", kind: "Certificate", namespaced: true, optional: true },
  { group: "cert-manager.io", version: "v1", resource: "issuers", kind: "Issuer", namespaced: true, optional: true },
  { group: "cert-manager.io", version: "v1", resource: "clusterissuers", kind: "ClusterIssuer", namespaced: false, optional: true },
];

export function apiVersionOf(def: ResourceDef): string {
  return def.group === "" ? def.version : `${def.group}/${def.version}`;
}

export function resourceKey(def: ResourceDef): string {
  return `${def.group}/${def.resource}`;
}

export function findByKind(apiVersion: string, kind: string): ResourceDef | undefined {
  return RESOURCES.find((d) => apiVersionOf(d) === apiVersion && d.kind === kind);
}
