/**
 * RBAC as kube-apiserver's RBAC authorizer evaluates it, over the Role/ClusterRole/binding facts of the
 * inventory: who (a binding's subject, plus the groups every such identity is in) may do what, and through
 * which binding, role and rule. Semantics follow k8s.io/component-helpers/auth/rbac (VerbMatches,
 * APIGroupMatches, ResourceMatches with `*` and `*∕SUB`, ResourceNameMatches: exact names only),
 * rbac.go's appliesToUser (a RoleBinding's ServiceAccount subject without namespace is in the binding's
 * namespace) and the ClusterRole aggregation controller (an aggregated ClusterRole holds the rules of every
 * ClusterRole its selectors match, transitively). Requests without a namespace (cluster-scoped resources)
 * are granted by ClusterRoleBindings only. Pure.
 */
import type { KubeObjectItem } from "../../model/items.js";
import type { RbacLabelSelector, RbacPolicyRule, RbacSubject } from "../../model/rbac.js";

/** An identity as the authorizer sees it: a user, a group, or a ServiceAccount `NS/NAME`. */
export interface Principal {
  kind: "User" | "Group" | "ServiceAccount";
  name: string;
  /** ServiceAccounts only. */
  namespace?: string;
}

/** What is asked, as in a SubjectAccessReview's resourceAttributes. */
export interface Access {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Absent: a cluster-scoped request. */
  namespace?: string;
  /** Absent: a request naming no object (create, list). */
  name?: string;
}

/** One rule reaching a principal: through which binding, which role, and (aggregated) which ClusterRole it came from. */
export interface Grant {
  principal: Principal;
  binding: KubeObjectItem;
  role: { kind: "Role" | "ClusterRole"; name: string; ref: string };
  rule: RbacPolicyRule;
  /** The ClusterRole the rule was aggregated from, when it is not the bound role's own. */
  aggregatedFrom?: string;
  /** RoleBindings: the only namespace the grant holds in. */
  namespace?: string;
}

export function principalKey(p: Principal): string {
  return p.kind === "ServiceAccount" ? `ServiceAccount ${p.namespace}/${p.name}` : `${p.kind} ${p.name}`;
}

/** The groups the authenticators put every such identity in (system:authenticated, the service-account groups). */
export function impliedGroups(p: Principal): string[] {
  if (p.kind === "ServiceAccount") return ["system:serviceaccounts", `system:serviceaccounts:${p.namespace}`, "system:authenticated"];
  if (p.kind === "User") return p.name === "system:anonymous" ? ["system:unauthenticated"] : ["system:authenticated"];
  if (p.name === "system:authenticated" || p.name === "system:unauthenticated") return [];
  if (p.name.startsWith("system:serviceaccounts:")) return ["system:serviceaccounts", "system:authenticated"];
  return ["system:authenticated"];
}

export class RbacGraph {
  private readonly byPrincipal = new Map<string, { principal: Principal; grants: Grant[] }>();

  private constructor() {}

  /** The RBAC graph of the inventory's facts; undefined when no binding was read at all. */
  static of(objects: readonly KubeObjectItem[]): RbacGraph | undefined {
    const bindings = objects.filter((o) => (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") && o.rbac !== undefined);
    if (bindings.length === 0) return undefined;
    const graph = new RbacGraph();
    const roles = new Map<string, KubeObjectItem>();
    for (const o of objects) if ((o.kind === "Role" || o.kind === "ClusterRole") && o.rbac !== undefined) roles.set(roleKey(o.kind, o.namespace, o.name), o);
    const clusterRules = aggregatedRules([...roles.values()].filter((r) => r.kind === "ClusterRole"));
    for (const b of bindings) {
      const ref = b.rbac!.roleRef;
      if (ref === undefined) continue;
      const namespace = b.kind === "RoleBinding" ? b.namespace : undefined;
      // A RoleBinding's roleRef of kind Role names a Role in the binding's own namespace.
      const role = ref.kind === "ClusterRole" ? roles.get(roleKey("ClusterRole", undefined, ref.name)) : b.kind === "RoleBinding" ? roles.get(roleKey("Role", namespace, ref.name)) : undefined;
      if (role === undefined) continue;
      const rules = ref.kind === "ClusterRole" ? (clusterRules.get(ref.name) ?? []) : (role.rbac!.rules ?? []).map((rule) => ({ rule, from: undefined }));
      for (const s of b.rbac!.subjects ?? []) {
        const principal = principalOf(s, namespace);
        if (principal === undefined) continue;
        const entry = graph.entry(principal);
        for (const { rule, from } of rules) {
          entry.grants.push({ principal, binding: b, role: { kind: ref.kind, name: ref.name, ref: role.ref }, rule, ...(from ? { aggregatedFrom: from } : {}), ...(namespace ? { namespace } : {}) });
        }
      }
    }
    return graph;
  }

  /** Every identity some binding names (ServiceAccounts with their namespace resolved). */
  principals(): Principal[] {
    return [...this.byPrincipal.values()].map((e) => e.principal);
  }

  /** Every grant `p` holds: its own, and (with-groups) those of the groups it is in. */
  grants(p: Principal, own: "with-groups" | "groups-only" = "with-groups"): Grant[] {
    const holders = own === "with-groups" ? [principalKey(p)] : [];
    for (const g of impliedGroups(p)) holders.push(principalKey({ kind: "Group", name: g }));
    return holders.flatMap((k) => this.byPrincipal.get(k)?.grants ?? []);
  }

  /** The grants that allow `access` to `p`: its own, and those of the groups it is in. Empty: forbidden. */
  allows(p: Principal, access: Access, own: "with-groups" | "groups-only" = "with-groups"): Grant[] {
    return this.grants(p, own).filter((g) => grantAllows(g, access));
  }

  private entry(p: Principal): { principal: Principal; grants: Grant[] } {
    const key = principalKey(p);
    let e = this.byPrincipal.get(key);
    if (e === undefined) this.byPrincipal.set(key, (e = { principal: p, grants: [] }));
    return e;
  }
}

function roleKey(kind: string, namespace: string | undefined, name: string): string {
  return kind === "Role" ? `Role ${namespace}/${name}` : `ClusterRole ${name}`;
}

/** rbac.go appliesToUser: a ServiceAccount subject without namespace is in the RoleBinding's namespace (none for a ClusterRoleBinding). */
function principalOf(s: RbacSubject, bindingNamespace: string | undefined): Principal | undefined {
  if (s.kind !== "ServiceAccount") return { kind: s.kind, name: s.name };
  const namespace = s.namespace ?? bindingNamespace;
  return namespace === undefined ? undefined : { kind: "ServiceAccount", name: s.name, namespace };
}

export function grantAllows(g: Grant, a: Access): boolean {
  // cluster-scoped requests are visited against ClusterRoleBindings only
  if (g.namespace !== undefined && g.namespace !== a.namespace) return false;
  return ruleAllows(g.rule, a);
}

export function ruleAllows(r: RbacPolicyRule, a: Access): boolean {
  return matches(r.verbs, a.verb) && matches(r.apiGroups, a.group) && resourceMatches(r.resources, a.resource, a.subresource) && resourceNameMatches(r.resourceNames, a.name);
}

function matches(list: readonly string[], value: string): boolean {
  return list.some((x) => x === "*" || x === value);
}

function resourceMatches(list: readonly string[], resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return list.some((x) => x === "*" || x === combined || (subresource !== undefined && x === `*/${subresource}`));
}

function resourceNameMatches(names: readonly string[], name: string | undefined): boolean {
  if (names.length === 0) return true;
  return name !== undefined && names.includes(name);
}

/**
 * Each ClusterRole's effective rules: its own, plus (for an aggregated one) those of every ClusterRole its
 * selectors match, transitively — what the aggregation controller writes into `rules` on a live cluster,
 * and what a dump of not-yet-applied manifests leaves empty. (The controller replaces the aggregated role's
 * own rules; keeping them too errs on the side of reporting.)
 */
function aggregatedRules(clusterRoles: KubeObjectItem[]): Map<string, Array<{ rule: RbacPolicyRule; from: string | undefined }>> {
  const out = new Map<string, Array<{ rule: RbacPolicyRule; from: string | undefined }>>();
  const own = (r: KubeObjectItem) => (r.rbac?.rules ?? []).map((rule) => ({ rule, from: undefined as string | undefined }));
  for (const role of clusterRoles) {
    const rules = own(role);
    const seen = new Set<string>([role.name]);
    let frontier = [role];
    while (frontier.length > 0) {
      const next: KubeObjectItem[] = [];
      for (const agg of frontier) {
        for (const sel of agg.rbac?.aggregation ?? []) {
          for (const other of clusterRoles) {
            if (seen.has(other.name) || !selectorMatches(sel, other.rbac?.labels ?? {})) continue;
            seen.add(other.name);
            for (const { rule } of own(other)) rules.push({ rule, from: other.name });
            next.push(other);
          }
        }
      }
      frontier = next;
    }
    out.set(role.name, rules);
  }
  return out;
}

/**
 * metav1.LabelSelectorAsSelector: every matchLabels pair and every expression. An empty selector matches
 * every ClusterRole (cluster-admin included): the aggregation controller lists with labels.Everything().
 */
export function selectorMatches(sel: RbacLabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const pairs = Object.entries(sel.matchLabels);
  if (!pairs.every(([k, v]) => labels[k] === v)) return false;
  return sel.matchExpressions.every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case "In":
        return has && e.values.includes(labels[e.key]!);
      case "NotIn":
        return !has || !e.values.includes(labels[e.key]!);
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        return false;
    }
  });
}
