/**
 * A small RBAC authorizer for the test API server, fed with the shipped deploy/*.yaml: ClusterRoles,
 * Roles and their bindings, evaluated like kube-apiserver's RBAC authorizer (union of rules; a
 * RoleBinding grants only in its own namespace). Test-only code.
 */
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

export interface RequestAttributes {
  user: string;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Undefined for cluster-scoped requests and all-namespace lists. */
  namespace?: string;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

interface Grant {
  rules: PolicyRule[];
  namespace?: string;
  subjects: string[];
}

type Doc = Record<string, any>;

function subjectName(s: Doc): string {
  if (s.kind === "ServiceAccount") return `system:serviceaccount:${s.namespace}:${s.name}`;
  return String(s.name);
}

export class RbacPolicy {
  private readonly grants: Grant[] = [];

  static fromYaml(texts: string[], rewriteNamespace?: (ns: string) => string[]): RbacPolicy {
    const docs: Doc[] = [];
    for (const t of texts) for (const d of yaml.loadAll(t)) if (d && typeof d === "object") docs.push(d as Doc);
    const policy = new RbacPolicy();
    const clusterRoles = new Map<string, PolicyRule[]>();
    const roles = new Map<string, PolicyRule[]>();
    for (const d of docs) {
      if (d.kind === "ClusterRole") clusterRoles.set(d.metadata.name, d.rules ?? []);
      if (d.kind === "Role") for (const ns of rewriteNamespace?.(d.metadata.namespace) ?? [d.metadata.namespace]) roles.set(`${ns}/${d.metadata.name}`, d.rules ?? []);
    }
    for (const d of docs) {
      const subjects = (d.subjects ?? []).map(subjectName);
      if (d.kind === "ClusterRoleBinding") policy.grants.push({ rules: clusterRoles.get(d.roleRef.name) ?? [], subjects });
      if (d.kind === "RoleBinding") {
        for (const ns of rewriteNamespace?.(d.metadata.namespace) ?? [d.metadata.namespace]) {
          const rules = d.roleRef.kind === "ClusterRole" ? clusterRoles.get(d.roleRef.name) : roles.get(`${ns}/${d.roleRef.name}`);
          policy.grants.push({ rules: rules ?? [], namespace: ns, subjects });
        }
      }
    }
    return policy;
  }

  static fromFiles(paths: string[], rewriteNamespace?: (ns: string) => string[]): RbacPolicy {
    return RbacPolicy.fromYaml(
      paths.map((p) => readFileSync(p, "utf8")),
      rewriteNamespace,
    );
  }

  allows(a: RequestAttributes): boolean {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return this.grants.some(
      (g) =>
        g.subjects.includes(a.user) &&
        (g.namespace === undefined || g.namespace === a.namespace) &&
        g.rules.some((r) => matches(r.apiGroups, a.group) && matches(r.resources, resource) && matches(r.verbs, a.verb) && r.resourceNames === undefined),
    );
  }
}

function matches(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === "*" || x === value);
}
