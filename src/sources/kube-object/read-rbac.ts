/**
 * Roles, ClusterRoles and their bindings into RBAC facts (model/rbac.ts), the same from a dump and from the
 * API. Bounded: a role or binding with more rules or subjects than any real one is cut, with an issue.
 */
import { ErrorCode } from "../../errors.js";
import type { KubeObjectItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import type { RbacFacts, RbacLabelSelector, RbacPolicyRule, RbacSubject } from "../../model/rbac.js";
import { formatRef, namedRef, objectRef } from "../../model/ref.js";
import { isRecord } from "../kubeconfig/read-kubeconfig.js";

const MAX_RULES = 1_000;
const MAX_SUBJECTS = 1_000;
const MAX_LIST = 256;
const MAX_SELECTORS = 64;

export type RbacKind = "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding";

export function isRbacKind(kind: string): kind is RbacKind {
  return kind === "Role" || kind === "ClusterRole" || kind === "RoleBinding" || kind === "ClusterRoleBinding";
}

/** `role:NS/NAME`, `rolebinding:NS/NAME`, `clusterrole:NAME`, `clusterrolebinding:NAME`. */
export function rbacRef(kind: RbacKind, namespace: string | undefined, name: string): string {
  if (kind === "Role") return formatRef(objectRef("role", namespace ?? "default", name));
  if (kind === "RoleBinding") return formatRef(objectRef("rolebinding", namespace ?? "default", name));
  return formatRef(namedRef(kind === "ClusterRole" ? "clusterrole" : "clusterrolebinding", name));
}

/** The fact of one RBAC object, and an issue when a bound was hit. */
export function readRbacObject(obj: Record<string, unknown>, kind: RbacKind, name: string, namespace: string | undefined): Array<KubeObjectItem | ScanIssue> {
  const ns = kind === "Role" || kind === "RoleBinding" ? (namespace ?? "default") : undefined;
  const ref = rbacRef(kind, ns, name);
  const cut: string[] = [];
  const rbac: RbacFacts = kind === "Role" || kind === "ClusterRole" ? roleFacts(obj, kind, cut) : bindingFacts(obj, cut);
  const fact: KubeObjectItem = { type: "kube-object", kind, name, ...(ns ? { namespace: ns } : {}), ref, context: ref, rbac };
  if (cut.length === 0) return [fact];
  return [fact, { code: ErrorCode.ERR_MANIFEST_INVALID, ref, message: `${kind} ${name}: ${cut.join(", ")}; the rest was not read`, material: false }];
}

function roleFacts(obj: Record<string, unknown>, kind: RbacKind, cut: string[]): RbacFacts {
  const raw = Array.isArray(obj.rules) ? obj.rules : [];
  if (raw.length > MAX_RULES) cut.push(`more than ${MAX_RULES} rules`);
  const rules = raw.slice(0, MAX_RULES).map(policyRule).filter((r): r is RbacPolicyRule => r !== undefined);
  const facts: RbacFacts = { rules };
  if (kind !== "ClusterRole") return facts;
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const labels = stringMap(meta.labels);
  if (Object.keys(labels).length > 0) facts.labels = labels;
  const agg = isRecord(obj.aggregationRule) && Array.isArray(obj.aggregationRule.clusterRoleSelectors) ? obj.aggregationRule.clusterRoleSelectors : undefined;
  if (agg !== undefined) facts.aggregation = agg.slice(0, MAX_SELECTORS).map(selector);
  return facts;
}

function bindingFacts(obj: Record<string, unknown>, cut: string[]): RbacFacts {
  const facts: RbacFacts = {};
  const ref = isRecord(obj.roleRef) ? obj.roleRef : {};
  if ((ref.kind === "Role" || ref.kind === "ClusterRole") && typeof ref.name === "string" && ref.name !== "") facts.roleRef = { kind: ref.kind, name: ref.name };
  const raw = Array.isArray(obj.subjects) ? obj.subjects : [];
  if (raw.length > MAX_SUBJECTS) cut.push(`more than ${MAX_SUBJECTS} subjects`);
  facts.subjects = raw.slice(0, MAX_SUBJECTS).map(subject).filter((s): s is RbacSubject => s !== undefined);
  return facts;
}

/** A rule granting on resources; `nonResourceURLs`-only rules give nothing here. */
function policyRule(r: unknown): RbacPolicyRule | undefined {
  if (!isRecord(r)) return undefined;
  const rule = { apiGroups: strings(r.apiGroups), resources: strings(r.resources), verbs: strings(r.verbs), resourceNames: strings(r.resourceNames) };
  return rule.resources.length === 0 || rule.verbs.length === 0 ? undefined : rule;
}

function subject(s: unknown): RbacSubject | undefined {
  if (!isRecord(s) || typeof s.name !== "string" || s.name === "") return undefined;
  if (s.kind !== "User" && s.kind !== "Group" && s.kind !== "ServiceAccount") return undefined;
  return { kind: s.kind, name: s.name, ...(typeof s.namespace === "string" && s.namespace !== "" ? { namespace: s.namespace } : {}) };
}

function selector(s: unknown): RbacLabelSelector {
  const sel = isRecord(s) ? s : {};
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.slice(0, MAX_LIST) : [];
  return {
    matchLabels: stringMap(sel.matchLabels),
    matchExpressions: exprs.filter(isRecord).map((e) => ({ key: typeof e.key === "string" ? e.key : "", operator: typeof e.operator === "string" ? e.operator : "", values: strings(e.values) })),
  };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.slice(0, MAX_LIST).filter((x): x is string => typeof x === "string") : [];
}

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v).slice(0, MAX_LIST)) if (typeof x === "string") out[k] = x;
  return out;
}
