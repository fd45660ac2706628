import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObjectItem } from "../../model/items.js";
import type { RbacFacts, RbacPolicyRule } from "../../model/rbac.js";
import { RbacGraph, type Access, type Principal } from "./grants.js";

type Rule = Partial<RbacPolicyRule> & { verbs: string[]; resources: string[] };
const rule = (r: Rule): RbacPolicyRule => ({ apiGroups: [""], resourceNames: [], ...r });

function obj(kind: string, name: string, rbac: RbacFacts, namespace?: string): KubeObjectItem {
  const ref = `${kind.toLowerCase()}:${namespace ? `${namespace}/` : ""}${name}`;
  return { type: "kube-object", kind, name, ...(namespace ? { namespace } : {}), ref, context: ref, rbac };
}
const clusterRole = (name: string, rules: Rule[], extra: Partial<RbacFacts> = {}) => obj("ClusterRole", name, { rules: rules.map(rule), ...extra });
const role = (ns: string, name: string, rules: Rule[]) => obj("Role", name, { rules: rules.map(rule) }, ns);
const crb = (name: string, roleName: string, subjects: RbacFacts["subjects"]) => obj("ClusterRoleBinding", name, { roleRef: { kind: "ClusterRole", name: roleName }, subjects });
const rb = (ns: string, name: string, ref: { kind: "Role" | "ClusterRole"; name: string }, subjects: RbacFacts["subjects"]) => obj("RoleBinding", name, { roleRef: ref, subjects }, ns);

const ALICE: Principal = { kind: "User", name: "alice" };
const CI: Principal = { kind: "ServiceAccount", namespace: "tenant-a", name: "ci" };
const approval: Access = { verb: "update", group: "certificates.k8s.io", resource: "certificatesigningrequests", subresource: "approval" };
const caSecret = (verb: string): Access => ({ verb, group: "", resource: "secrets", namespace: "kubeedge", name: "casecret" });
const signer = (name: string): Access => ({ verb: "approve", group: "certificates.k8s.io", resource: "signers", name });

interface Row {
  name: string;
  objects: KubeObjectItem[];
  who: Principal;
  access: Access;
  /** `binding → role` of every grant path, or [] for forbidden. */
  want: string[];
}

const rows: Row[] = [
  { name: "`*` on everything reaches the approval subresource", objects: [clusterRole("all", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]), crb("b", "all", [{ kind: "User", name: "alice" }])], who: ALICE, access: approval, want: ["b → all"] },
  { name: "`*/approval` matches the approval subresource of any resource", objects: [clusterRole("sub", [{ apiGroups: ["certificates.k8s.io"], resources: ["*/approval"], verbs: ["update"] }]), crb("b", "sub", [{ kind: "User", name: "alice" }])], who: ALICE, access: approval, want: ["b → sub"] },
  { name: "the resource alone does not grant its subresource", objects: [clusterRole("csrs", [{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["*"] }]), crb("b", "csrs", [{ kind: "User", name: "alice" }])], who: ALICE, access: approval, want: [] },
  { name: "another API group does not match", objects: [clusterRole("x", [{ apiGroups: ["example.com"], resources: ["*"], verbs: ["*"] }]), crb("b", "x", [{ kind: "User", name: "alice" }])], who: ALICE, access: approval, want: [] },
  { name: "a RoleBinding never grants cluster-scoped CSR approval", objects: [clusterRole("all", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]), rb("tenant-a", "b", { kind: "ClusterRole", name: "all" }, [{ kind: "User", name: "alice" }])], who: ALICE, access: approval, want: [] },
  { name: "a RoleBinding to a ClusterRole grants in its own namespace", objects: [clusterRole("edit", [{ resources: ["secrets"], verbs: ["update"] }]), rb("kubeedge", "b", { kind: "ClusterRole", name: "edit" }, [{ kind: "User", name: "alice" }])], who: ALICE, access: caSecret("update"), want: ["b → edit"] },
  { name: "... and not in another namespace", objects: [clusterRole("edit", [{ resources: ["secrets"], verbs: ["update"] }]), rb("other", "b", { kind: "ClusterRole", name: "edit" }, [{ kind: "User", name: "alice" }])], who: ALICE, access: caSecret("update"), want: [] },
  { name: "a RoleBinding's Role is the one in its namespace", objects: [role("other", "r", [{ resources: ["secrets"], verbs: ["update"] }]), rb("kubeedge", "b", { kind: "Role", name: "r" }, [{ kind: "User", name: "alice" }])], who: ALICE, access: caSecret("update"), want: [] },
  { name: "resourceNames lists the Secret: allowed", objects: [clusterRole("one", [{ resources: ["secrets"], verbs: ["patch"], resourceNames: ["casecret"] }]), crb("b", "one", [{ kind: "User", name: "alice" }])], who: ALICE, access: caSecret("patch"), want: ["b → one"] },
  { name: "resourceNames is exact: `*` is not a wildcard there", objects: [clusterRole("star", [{ resources: ["secrets"], verbs: ["patch"], resourceNames: ["*"] }]), crb("b", "star", [{ kind: "User", name: "alice" }])], who: ALICE, access: caSecret("patch"), want: [] },
  { name: "resourceNames never match a request naming no object (list)", objects: [clusterRole("one", [{ resources: ["secrets"], verbs: ["list"], resourceNames: ["casecret"] }]), crb("b", "one", [{ kind: "User", name: "alice" }])], who: ALICE, access: { verb: "list", group: "", resource: "secrets", namespace: "kubeedge" }, want: [] },
  { name: "signer approve by exact name", objects: [clusterRole("s", [{ apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"], resourceNames: ["kubernetes.io/kubelet-serving"] }]), crb("b", "s", [{ kind: "User", name: "alice" }])], who: ALICE, access: signer("kubernetes.io/kubelet-serving"), want: ["b → s"] },
  { name: "signer approve of another signer is refused", objects: [clusterRole("s", [{ apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"], resourceNames: ["kubernetes.io/kubelet-serving"] }]), crb("b", "s", [{ kind: "User", name: "alice" }])], who: ALICE, access: signer("kubernetes.io/kube-apiserver-client"), want: [] },
  { name: "a ServiceAccount subject without namespace is in the RoleBinding's namespace", objects: [clusterRole("edit", [{ resources: ["secrets"], verbs: ["delete"] }]), rb("kubeedge", "b", { kind: "ClusterRole", name: "edit" }, [{ kind: "ServiceAccount", name: "ci" }])], who: { kind: "ServiceAccount", namespace: "kubeedge", name: "ci" }, access: caSecret("delete"), want: ["b → edit"] },
  { name: "a group binding reaches its members: every ServiceAccount is in system:serviceaccounts", objects: [clusterRole("all", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]), crb("b", "all", [{ kind: "Group", name: "system:serviceaccounts" }])], who: CI, access: approval, want: ["b → all"] },
  { name: "system:serviceaccounts:NS holds only that namespace's ServiceAccounts", objects: [clusterRole("all", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]), crb("b", "all", [{ kind: "Group", name: "system:serviceaccounts:tenant-b" }])], who: CI, access: approval, want: [] },
  {
    name: "an aggregated ClusterRole holds its selected roles' rules (a dump with empty rules)",
    objects: [clusterRole("agg", [], { aggregation: [{ matchLabels: { "rbac.example.com/aggregate-to-agg": "true" }, matchExpressions: [] }] }), clusterRole("piece", [{ resources: ["secrets"], verbs: ["update"] }], { labels: { "rbac.example.com/aggregate-to-agg": "true" } }), rb("kubeedge", "b", { kind: "ClusterRole", name: "agg" }, [{ kind: "User", name: "alice" }])],
    who: ALICE,
    access: caSecret("update"),
    want: ["b → agg (from piece)"],
  },
  {
    name: "aggregation is transitive and a matchExpressions NotIn excludes",
    objects: [
      clusterRole("top", [], { aggregation: [{ matchLabels: {}, matchExpressions: [{ key: "tier", operator: "In", values: ["mid"] }] }] }),
      clusterRole("mid", [], { labels: { tier: "mid" }, aggregation: [{ matchLabels: {}, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["mid", "skip"] }, { key: "tier", operator: "Exists", values: [] }] }] }),
      clusterRole("leaf", [{ resources: ["secrets"], verbs: ["update"] }], { labels: { tier: "leaf" } }),
      clusterRole("skipped", [{ resources: ["secrets"], verbs: ["patch"] }], { labels: { tier: "skip" } }),
      crb("b", "top", [{ kind: "User", name: "alice" }]),
    ],
    who: ALICE,
    access: caSecret("update"),
    want: ["b → top (from leaf)"],
  },
  {
    name: "an empty aggregation selector selects every ClusterRole (cluster-admin included)",
    objects: [clusterRole("greedy", [], { aggregation: [{ matchLabels: {}, matchExpressions: [] }] }), clusterRole("cluster-admin", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]), crb("b", "greedy", [{ kind: "ServiceAccount", namespace: "tenant-a", name: "ci" }])],
    who: CI,
    access: approval,
    want: ["b → greedy (from cluster-admin)"],
  },
  { name: "a binding to a role that does not exist grants nothing", objects: [crb("b", "gone", [{ kind: "User", name: "alice" }])], who: ALICE, access: approval, want: [] },
];

describe("RBAC semantics of the rbac-cert-authority rule", () => {
  for (const row of rows) {
    it(row.name, () => {
      const graph = RbacGraph.of(row.objects);
      const got = graph === undefined ? [] : graph.allows(row.who, row.access).map((g) => `${g.binding.name} → ${g.role.name}${g.aggregatedFrom ? ` (from ${g.aggregatedFrom})` : ""}`);
      assert.deepEqual(got, row.want);
    });
  }
  it("without any binding there is no graph (nothing was read)", () => {
    assert.equal(RbacGraph.of([clusterRole("all", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }])]), undefined);
  });
});
