/**
 * RBAC facts of Roles, ClusterRoles and their bindings, as `rbac.authorization.k8s.io/v1` has them: what
 * the `rbac-cert-authority` rule needs to work out who may approve CSRs or rewrite CAs. Types only.
 */

/** One PolicyRule; absent lists are empty. `nonResourceURLs` rules grant nothing on resources and are dropped. */
export interface RbacPolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Empty: any object; otherwise only requests naming one of these (exact names, no wildcards). */
  resourceNames: string[];
}

/** A binding's subject as written: ServiceAccount subjects of a RoleBinding may omit the namespace. */
export interface RbacSubject {
  kind: "User" | "Group" | "ServiceAccount";
  name: string;
  namespace?: string;
}

/** A label selector of a ClusterRole aggregationRule (`clusterRoleSelectors[]`). */
export interface RbacLabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: Array<{ key: string; operator: string; values: string[] }>;
}

/** Facts of one Role/ClusterRole (rules, labels, aggregation) or RoleBinding/ClusterRoleBinding (roleRef, subjects). */
export interface RbacFacts {
  rules?: RbacPolicyRule[];
  /** ClusterRole labels, matched by other ClusterRoles' aggregation selectors. */
  labels?: Record<string, string>;
  /** ClusterRole aggregationRule.clusterRoleSelectors. */
  aggregation?: RbacLabelSelector[];
  roleRef?: { kind: "Role" | "ClusterRole"; name: string };
  subjects?: RbacSubject[];
}
