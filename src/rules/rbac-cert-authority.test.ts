import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { record } from "../../test/support/facts.js";
import { Inventory } from "../inventory/inventory.js";
import type { InventoryCert, Location } from "../model/inventory.js";
import type { KubeObjectItem } from "../model/items.js";
import type { RbacFacts, RbacPolicyRule } from "../model/rbac.js";
import { rbacCertAuthority } from "./rbac-cert-authority.js";

const ctx = { now: Date.parse("2026-06-01T00:00:00Z"), warnDays: 30, critDays: 7, maxChainLength: 10 };
const ca = record("kubeedge-ca", { isCA: true, subject: "CN=KubeEdge" });
const caKey = { encrypted: false, keyType: "EC" as const, keySize: 256, spkiFingerprint: ca.spkiFingerprint };

const at = (ref: string, context: string, anchor = false): Location => ({ ref, context, anchor, backup: false });
/** The KubeEdge CA in casecret with its key; the same CA as a webhook caBundle and in kube-root-ca.crt ConfigMaps. */
function inventory(objects: KubeObjectItem[]): Inventory {
  const cert: InventoryCert = {
    record: ca,
    locations: [
      at("secret:kubeedge/casecret#cadata", "secret:kubeedge/casecret", true),
      at("webhook:hook#webhooks/0/clientConfig/caBundle", "webhook:hook#webhooks/0", true),
      at("configmap:kube-system/extension-apiserver-authentication#client-ca-file", "configmap:kube-system/extension-apiserver-authentication", true),
      at("configmap:tenant-a/kube-root-ca.crt#ca.crt", "configmap:tenant-a/kube-root-ca.crt", true),
    ],
    backupOnly: false,
    issuers: [ca.fingerprint],
    rejectedIssuers: [],
  };
  const key = { key: caKey, location: at("secret:kubeedge/casecret#cakey", "secret:kubeedge/casecret") };
  const hook: KubeObjectItem = { type: "kube-object", kind: "MutatingWebhookConfiguration", name: "hook", ref: "webhook:hook#webhooks/0", context: "webhook:hook#webhooks/0", service: { namespace: "hooks", name: "svc" } };
  return new Inventory([cert], [key], [], [], [], [], [hook, ...objects]);
}

type R = Partial<RbacPolicyRule> & { verbs: string[]; resources: string[] };
function obj(kind: string, name: string, rbac: RbacFacts, namespace?: string): KubeObjectItem {
  const ref = `${kind.toLowerCase()}:${namespace ? `${namespace}/` : ""}${name}`;
  return { type: "kube-object", kind, name, ...(namespace ? { namespace } : {}), ref, context: ref, rbac };
}
const clusterRole = (name: string, rules: R[]) => obj("ClusterRole", name, { rules: rules.map((r) => ({ apiGroups: [""], resourceNames: [], ...r })) });
const crb = (name: string, role: string, subjects: RbacFacts["subjects"]) => obj("ClusterRoleBinding", name, { roleRef: { kind: "ClusterRole", name: role }, subjects });
const rb = (ns: string, name: string, role: string, subjects: RbacFacts["subjects"]) => obj("RoleBinding", name, { roleRef: { kind: "ClusterRole", name: role }, subjects }, ns);

const ADMIN = clusterRole("cluster-admin", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]);
const MASTERS = crb("cluster-admin", "cluster-admin", [{ kind: "Group", name: "system:masters" }]);
const CI = { kind: "ServiceAccount" as const, namespace: "tenant-a", name: "ci" };
const APPROVER_RULES: R[] = [
  { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/approval"], verbs: ["update"] },
  { apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"], resourceNames: ["kubernetes.io/kubelet-serving"] },
];
const EDIT_SECRETS = clusterRole("secret-editor", [{ resources: ["secrets", "configmaps"], verbs: ["get", "update", "patch"] }]);

interface Row {
  name: string;
  objects: KubeObjectItem[];
  /** `severity subject: title tail` of each non-info finding. */
  want: string[];
  /** Subjects in the info finding of expected holders. */
  expected?: string[];
}

const rows: Row[] = [
  { name: "a clean cluster: system:masters holds everything, as expected", objects: [ADMIN, MASTERS], want: [], expected: ["Group system:masters"] },
  { name: "no RBAC objects read: silent", objects: [], want: [] },
  {
    name: "a tenant ServiceAccount bound to cluster-admin: critical, every capability named",
    objects: [ADMIN, MASTERS, crb("ci-admin", "cluster-admin", [CI])],
    want: ["critical ServiceAccount tenant-a/ci can approve CSRs for any signer; create CSRs; read the CA key in Secret kubeedge/casecret; rewrite CA Secret kubeedge/casecret; rewrite the caBundle of MutatingWebhookConfiguration hook; rewrite 2 CA ConfigMaps"],
    expected: ["Group system:masters"],
  },
  {
    name: "an approver that may approve kube-apiserver-client: critical",
    objects: [clusterRole("approver", [APPROVER_RULES[0]!, { apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"], resourceNames: ["kubernetes.io/kube-apiserver-client"] }]), crb("approver", "approver", [CI])],
    want: ["critical ServiceAccount tenant-a/ci can approve CSRs for kubernetes.io/kube-apiserver-client"],
  },
  {
    name: "approve on signers without the approval subresource approves nothing",
    objects: [clusterRole("half", [APPROVER_RULES[1]!]), crb("half", "half", [CI])],
    want: [],
  },
  {
    name: "a signer domain wildcard kubernetes.io/* is every Kubernetes signer: critical",
    objects: [clusterRole("approver", [APPROVER_RULES[0]!, { apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"], resourceNames: ["kubernetes.io/*"] }]), crb("approver", "approver", [CI])],
    want: ["critical ServiceAccount tenant-a/ci can approve CSRs for kubernetes.io/*"],
  },
  {
    name: "kubelet-serving approval by an unknown identity: warning",
    objects: [clusterRole("approver", APPROVER_RULES), crb("approver", "approver", [CI])],
    want: ["warning ServiceAccount tenant-a/ci can approve CSRs for kubernetes.io/kubelet-serving"],
  },
  {
    name: "certdoctor's own approver, kubelet-serving only: expected",
    objects: [clusterRole("certdoctor-approver", APPROVER_RULES), crb("certdoctor-approver", "certdoctor-approver", [{ kind: "ServiceAccount", namespace: "certdoctor", name: "certdoctor-approver" }])],
    want: [],
    expected: ["ServiceAccount certdoctor/certdoctor-approver"],
  },
  {
    name: "cert-manager may approve its own signers but not kube-apiserver-client",
    objects: [clusterRole("cm", [APPROVER_RULES[0]!, { apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"], resourceNames: ["issuers.cert-manager.io/*", "kubernetes.io/kube-apiserver-client"] }]), crb("cm", "cm", [{ kind: "ServiceAccount", namespace: "cert-manager", name: "cert-manager" }])],
    want: ["critical ServiceAccount cert-manager/cert-manager can approve CSRs for issuers.cert-manager.io/*, kubernetes.io/kube-apiserver-client"],
  },
  {
    name: "a RoleBinding in kubeedge to a Secret editor: the CA Secret is critical, the namespace's own ConfigMaps are not reported",
    objects: [EDIT_SECRETS, rb("kubeedge", "edge-ops", "secret-editor", [{ kind: "User", name: "bob" }])],
    want: ["critical User bob can read the CA key in Secret kubeedge/casecret; rewrite CA Secret kubeedge/casecret"],
  },
  {
    name: "the same editor in tenant-a reaches only tenant-a's own kube-root-ca.crt: silent",
    objects: [EDIT_SECRETS, rb("tenant-a", "ops", "secret-editor", [{ kind: "User", name: "bob" }])],
    want: [],
  },
  {
    name: "in kube-system it reaches a shared CA ConfigMap: warning",
    objects: [EDIT_SECRETS, rb("kube-system", "ops", "secret-editor", [{ kind: "User", name: "bob" }])],
    want: ["warning User bob can rewrite CA ConfigMap kube-system/extension-apiserver-authentication"],
  },
  {
    name: "a grant to every ServiceAccount is critical and reported once, at the group",
    objects: [EDIT_SECRETS, crb("oops", "secret-editor", [{ kind: "Group", name: "system:serviceaccounts" }]), crb("ci", "secret-editor", [CI])],
    want: ["critical Group system:serviceaccounts can read the CA key in Secret kubeedge/casecret; rewrite CA Secret kubeedge/casecret; rewrite 2 CA ConfigMaps"],
  },
  {
    name: "Kubernetes' own controller through its system:controller role: expected",
    objects: [clusterRole("system:controller:certificate-controller", APPROVER_RULES.slice(0, 1).concat([{ apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"], resourceNames: ["kubernetes.io/kube-apiserver-client-kubelet"] }])), crb("system:controller:certificate-controller", "system:controller:certificate-controller", [{ kind: "ServiceAccount", namespace: "kube-system", name: "certificate-controller" }])],
    want: [],
    expected: ["ServiceAccount kube-system/certificate-controller"],
  },
  {
    name: "... but a kube-system ServiceAccount bound to cluster-admin is not a controller: critical",
    objects: [ADMIN, crb("helm", "cluster-admin", [{ kind: "ServiceAccount", namespace: "kube-system", name: "tiller" }])],
    want: ["critical ServiceAccount kube-system/tiller can approve CSRs for any signer; create CSRs; read the CA key in Secret kubeedge/casecret; rewrite CA Secret kubeedge/casecret; rewrite the caBundle of MutatingWebhookConfiguration hook; rewrite 2 CA ConfigMaps"],
  },
  {
    name: "CSR creation alone by an unknown identity: warning; by node bootstrap tokens: expected",
    objects: [clusterRole("creator", [{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["create"] }]), crb("c", "creator", [{ kind: "User", name: "alice" }, { kind: "Group", name: "system:bootstrappers:kubeadm:default-node-token" }])],
    want: ["warning User alice can create CSRs"],
    expected: ["Group system:bootstrappers:kubeadm:default-node-token"],
  },
];

describe("rbac-cert-authority", () => {
  for (const row of rows) {
    it(row.name, () => {
      const found = rbacCertAuthority.check(inventory(row.objects), ctx);
      const real = found.filter((f) => f.severity !== "info");
      assert.deepEqual(real.map((f) => `${f.severity} ${f.title}`), row.want, real.map((f) => f.detail).join("\n"));
      const info = found.filter((f) => f.severity === "info");
      const expected = (row.expected ?? []).filter((who) => info.some((f) => f.detail.includes(who)));
      assert.deepEqual(expected, row.expected ?? []);
      if (row.expected === undefined) assert.deepEqual(info, []);
    });
  }

  it("names the grant path in plain words and points at the binding and the target", () => {
    const [f] = rbacCertAuthority.check(inventory([EDIT_SECRETS, rb("kubeedge", "edge-ops", "secret-editor", [{ kind: "User", name: "bob" }])]), ctx);
    assert.match(f!.detail, /RoleBinding kubeedge\/edge-ops → ClusterRole secret-editor \(verbs get update patch, resources secrets configmaps, apiGroups ""\) in namespace kubeedge/);
    assert.deepEqual(f!.locations, ["rolebinding:kubeedge/edge-ops", "secret:kubeedge/casecret"]);
    assert.deepEqual(f!.certificates, [ca.fingerprint]);
  });
});
