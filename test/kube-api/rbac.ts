/**
 * A small RBAC authorizer for the test API server, fed with the shipped deploy/*.yaml: ClusterRoles,
 * Roles and their bindings, evaluated like kube-apiserver's RBAC authorizer (union of rules; a
 * RoleBinding grants only in its own namespace). Test-only code.
 */
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

export interface RequestAttributes {
  user: string;
  /** The user's groups; subjects of kind Group match these. */
  groups?: string[];
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Undefined for cluster-scoped requests and all-namespace lists. */
  namespace?: string;
  /** The object's name (get/update/delete, and `signers` for approve); rules with resourceNames match only named requests. */
  name?: string;
}

/** The groups the real authenticators put a user in: every user is system:authenticated, service accounts and nodes get theirs. */
export function defaultGroups(user: string): string[] {
  const sa = /^system:serviceaccount:([^:]+):/.exec(user);
  if (sa) return ["system:serviceaccounts", `system:serviceaccounts:${sa[1]}`, "system:authenticated"];
  if (user.startsWith("system:node:")) return ["system:nodes", "system:authenticated"];
  return ["system:authenticated"];
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

/** Users by name, groups as `group:NAME` (a user and a group may share a name). A RoleBinding's ServiceAccount without namespace is in the binding's. */
function subjectName(s: Doc, bindingNamespace?: string): string {
  if (s.kind === "ServiceAccount") return `system:serviceaccount:${s.namespace ?? bindingNamespace}:${s.name}`;
  if (s.kind === "Group") return `group:${s.name}`;
  return String(s.name);
}

export class RbacPolicy {
  private readonly grants: Grant[] = [];

  static fromYaml(texts: string[], rewriteNamespace?: (ns: string) => string[]): RbacPolicy {
    const docs: Doc[] = [];
    for (const t of texts) for (const d of yaml.loadAll(t)) if (d && typeof d === "object") docs.push(d as Doc);
    aggregateClusterRoles(docs.filter((d) => d.kind === "ClusterRole"));
    const policy = new RbacPolicy();
    const clusterRoles = new Map<string, PolicyRule[]>();
    const roles = new Map<string, PolicyRule[]>();
    for (const d of docs) {
      if (d.kind === "ClusterRole") clusterRoles.set(d.metadata.name, d.rules ?? []);
      if (d.kind === "Role") for (const ns of rewriteNamespace?.(d.metadata.namespace) ?? [d.metadata.namespace]) roles.set(`${ns}/${d.metadata.name}`, d.rules ?? []);
    }
    for (const d of docs) {
      const subjects = (d.subjects ?? []).map((s: Doc) => subjectName(s, d.kind === "RoleBinding" ? d.metadata.namespace : undefined));
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
    const who = [a.user, ...(a.groups ?? defaultGroups(a.user)).map((g) => `group:${g}`)];
    return this.grants.some(
      (g) =>
        g.subjects.some((s) => who.includes(s)) &&
        (g.namespace === undefined || g.namespace === a.namespace) &&
        g.rules.some((r) => matches(r.apiGroups, a.group) && matches(r.resources, resource) && matches(r.verbs, a.verb) && namesMatch(r.resourceNames, a)),
    );
  }
}

/** An empty or absent resourceNames matches any request; otherwise only a named request whose name is listed (`signers` also accept `DOMAIN/*`). */
function namesMatch(names: string[] | undefined, a: RequestAttributes): boolean {
  if (names === undefined || names.length === 0) return true;
  if (a.name === undefined) return false;
  const domainWildcard = a.resource === "signers" && a.name.includes("/") ? `${a.name.slice(0, a.name.indexOf("/"))}/*` : undefined;
  return names.includes(a.name) || (domainWildcard !== undefined && names.includes(domainWildcard));
}

function matches(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === "*" || x === value || (value.includes("/") && x === `*/${value.slice(value.indexOf("/") + 1)}`));
}

/**
 * What kube-controller-manager's clusterrole-aggregation controller does: an aggregated ClusterRole's
 * `rules` become the union of the rules of every other ClusterRole its selectors match (an empty selector
 * matches all), repeated until nothing changes. Returns the changed roles.
 */
export function aggregateClusterRoles(roles: Doc[]): Doc[] {
  const changed = new Map<string, Doc>();
  for (let pass = 0; pass < 10; pass++) {
    let any = false;
    for (const r of roles) {
      const selectors: Doc[] | undefined = r.aggregationRule?.clusterRoleSelectors;
      if (!Array.isArray(selectors)) continue;
      const rules: Doc[] = [];
      for (const other of roles) {
        if (other === r || !selectors.some((sel) => labelsMatch(sel ?? {}, other.metadata?.labels ?? {}))) continue;
        for (const rule of other.rules ?? []) if (!rules.some((x) => JSON.stringify(x) === JSON.stringify(rule))) rules.push(rule);
      }
      if (JSON.stringify(rules) === JSON.stringify(r.rules ?? [])) continue;
      r.rules = rules;
      changed.set(r.metadata.name, r);
      any = true;
    }
    if (!any) break;
  }
  return [...changed.values()];
}

function labelsMatch(sel: Doc, labels: Record<string, string>): boolean {
  const exprs: Doc[] = sel.matchExpressions ?? [];
  return (
    Object.entries((sel.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v) &&
    exprs.every((e) => {
      const has = e.key in labels;
      if (e.operator === "In") return has && e.values.includes(labels[e.key]);
      if (e.operator === "NotIn") return !has || !e.values.includes(labels[e.key]);
      if (e.operator === "Exists") return has;
      if (e.operator === "DoesNotExist") return !has;
      return false;
    })
  );
}
