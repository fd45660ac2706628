import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ApiException, AuthorizationV1Api, CertificatesV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, Watch, type V1CertificateSigningRequest } from "@kubernetes/client-node";
import { fixturePath } from "../support/fixtures.js";
import { RbacPolicy } from "./rbac.js";
import { b64, kubeletServingCsr, node, writeKubeconfig } from "./seed.js";
import { startKubeApi, type KubeApiServer } from "./server.js";

const REQUEST = readFileSync(fixturePath("keys", "request.csr"), "utf8");
const APPROVER = "system:serviceaccount:certdoctor:approver";

/** The approver's grants plus a node that may only create CSRs: the CertificateApproval admission check needs `approve` on the signer. */
const POLICY = `
kind: ClusterRole
metadata: { name: approver }
rules:
- { apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [get, list, watch] }
- { apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update] }
- { apiGroups: [certificates.k8s.io], resources: [signers], resourceNames: [kubernetes.io/kubelet-serving], verbs: [approve] }
- { apiGroups: [authorization.k8s.io], resources: [subjectaccessreviews], verbs: [create] }
---
kind: ClusterRoleBinding
metadata: { name: approver }
roleRef: { kind: ClusterRole, name: approver }
subjects: [{ kind: ServiceAccount, namespace: certdoctor, name: approver }]
---
kind: ClusterRole
metadata: { name: node-csr }
rules: [{ apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [create, get] }]
---
kind: ClusterRoleBinding
metadata: { name: nodes }
roleRef: { kind: ClusterRole, name: node-csr }
subjects: [{ kind: Group, name: system:nodes }]
`;

function code(e: unknown): number | undefined {
  return e instanceof ApiException ? e.code : undefined;
}

function body(e: unknown): { reason?: string; message?: string } {
  return e instanceof ApiException && typeof e.body === "string" ? (JSON.parse(e.body) as { reason?: string }) : {};
}

describe("test API server write semantics (real client-node)", () => {
  let server: KubeApiServer;
  const kcs: Record<string, KubeConfig> = {};
  const cleanups: Array<() => void> = [];
  before(async () => {
    server = await startKubeApi({ tokens: { admin: "admin", approver: APPROVER, node: "system:node:w1", other: "system:serviceaccount:certdoctor:other" }, now: () => new Date("2026-06-01T00:00:00Z") });
    for (const token of ["admin", "approver", "node", "other"]) {
      const file = writeKubeconfig(server, token);
      cleanups.push(file.cleanup);
      kcs[token] = new KubeConfig();
      kcs[token].loadFromFile(file.path);
    }
  });
  after(async () => {
    await server.close();
    for (const c of cleanups) c();
  });
  const certs = (token: string) => kcs[token]!.makeApiClient(CertificatesV1Api);
  const approved = (csr: V1CertificateSigningRequest, type = "Approved"): V1CertificateSigningRequest => ({ ...csr, status: { conditions: [{ type, status: "True", reason: "Test", message: "t" }] } });

  it("a created CSR takes its requester from the authenticated user, not from the body, and starts with an empty status", async () => {
    const created = await certs("admin").createCertificateSigningRequest({
      body: { metadata: { name: "claims-w2" }, spec: { request: b64(REQUEST), signerName: "kubernetes.io/kubelet-serving", usages: ["server auth"], username: "system:node:w2", groups: ["system:nodes"] }, status: { conditions: [{ type: "Approved", status: "True" }] } },
    });
    assert.equal(created.spec.username, "admin");
    assert.deepEqual(created.spec.groups, ["system:authenticated"]);
    assert.deepEqual(created.status?.conditions ?? [], []);
  });

  it("creating an existing name is 409 AlreadyExists; generateName picks a fresh one", async () => {
    const spec = { request: b64(REQUEST), signerName: "kubernetes.io/kubelet-serving", usages: ["server auth"] };
    await assert.rejects(certs("admin").createCertificateSigningRequest({ body: { metadata: { name: "claims-w2" }, spec } }), (e) => code(e) === 409 && body(e).reason === "AlreadyExists");
    const a = await certs("admin").createCertificateSigningRequest({ body: { metadata: { generateName: "csr-" }, spec } });
    const b = await certs("admin").createCertificateSigningRequest({ body: { metadata: { generateName: "csr-" }, spec } });
    assert.match(a.metadata!.name!, /^csr-/);
    assert.notEqual(a.metadata!.name, b.metadata!.name);
  });

  it("an approval with a stale resourceVersion is 409 Conflict and changes nothing", async () => {
    server.store.put(kubeletServingCsr("stale", "w1", REQUEST, "2026-05-31T00:00:00Z"));
    const read = await certs("approver").readCertificateSigningRequest({ name: "stale" });
    server.store.put({ ...server.store.get(csrDef(), undefined, "stale")!, metadata: { ...server.store.get(csrDef(), undefined, "stale")!.metadata, labels: { touched: "yes" } } });
    await assert.rejects(certs("approver").replaceCertificateSigningRequestApproval({ name: "stale", body: approved(read) }), (e) => code(e) === 409 && body(e).reason === "Conflict");
    assert.deepEqual((await certs("approver").readCertificateSigningRequest({ name: "stale" })).status?.conditions ?? [], []);
  });

  it("Approved and Denied are exclusive, must be True, and are never removed", async () => {
    server.store.put(kubeletServingCsr("rules", "w1", REQUEST, "2026-05-31T00:00:00Z"));
    const c = certs("approver");
    const read = await c.readCertificateSigningRequest({ name: "rules" });
    const both = { ...read, status: { conditions: [{ type: "Approved", status: "True", reason: "A" }, { type: "Denied", status: "True", reason: "D" }] } };
    await assert.rejects(c.replaceCertificateSigningRequestApproval({ name: "rules", body: both }), (e) => code(e) === 422);
    const falseApproved = { ...read, status: { conditions: [{ type: "Approved", status: "False", reason: "A" }] } };
    await assert.rejects(c.replaceCertificateSigningRequestApproval({ name: "rules", body: falseApproved }), (e) => code(e) === 422);
    const done = await c.replaceCertificateSigningRequestApproval({ name: "rules", body: approved(read) });
    assert.equal(done.status?.conditions?.[0]?.lastUpdateTime?.toISOString(), "2026-06-01T00:00:00.000Z", "lastUpdateTime defaulted");
    await assert.rejects(c.replaceCertificateSigningRequestApproval({ name: "rules", body: { ...done, status: { conditions: [] } } }), (e) => code(e) === 422);
    await assert.rejects(c.replaceCertificateSigningRequestApproval({ name: "rules", body: approved(done, "Denied") }), (e) => code(e) === 422);
  });

  it("the main resource cannot change a CSR's spec or status; /status cannot approve; a certificate needs approval", async () => {
    server.store.put(kubeletServingCsr("immutable", "w1", REQUEST, "2026-05-31T00:00:00Z"));
    const c = certs("admin");
    const read = await c.readCertificateSigningRequest({ name: "immutable" });
    const after = await c.replaceCertificateSigningRequest({ name: "immutable", body: { ...approved(read), spec: { ...read.spec, usages: ["client auth"] } } });
    assert.deepEqual(after.spec.usages, ["digital signature", "server auth"]);
    assert.deepEqual(after.status?.conditions ?? [], []);
    const viaStatus = await c.replaceCertificateSigningRequestStatus({ name: "immutable", body: approved(after) });
    assert.deepEqual(viaStatus.status?.conditions ?? [], []);
    await assert.rejects(c.replaceCertificateSigningRequestStatus({ name: "immutable", body: { ...viaStatus, status: { certificate: b64("x") } } }), (e) => code(e) === 422);
    await assert.rejects(c.replaceCertificateSigningRequest({ name: "missing", body: { ...read, metadata: { name: "missing" } } }), (e) => code(e) === 404);
    await assert.rejects(c.replaceCertificateSigningRequest({ name: "immutable", body: { ...read, metadata: { name: "other" } } }), (e) => code(e) === 400);
  });

  it("with RBAC, approving needs `approve` on the CSR's signer: the approver may approve kubelet-serving, not kube-apiserver-client", async () => {
    const rbac = await startKubeApi({ tokens: { approver: APPROVER, node: "system:node:w1" }, policy: RbacPolicy.fromYaml([POLICY]) });
    const file = writeKubeconfig(rbac, "approver");
    const nodeFile = writeKubeconfig(rbac, "node");
    try {
      const kc = new KubeConfig();
      kc.loadFromFile(file.path);
      const c = kc.makeApiClient(CertificatesV1Api);
      rbac.store.put(kubeletServingCsr("serving", "w1", REQUEST, "2026-05-31T00:00:00Z"));
      const client = kubeletServingCsr("client", "w1", REQUEST, "2026-05-31T00:00:00Z");
      rbac.store.put({ ...client, spec: { ...(client.spec as object), signerName: "kubernetes.io/kube-apiserver-client" } });
      await c.replaceCertificateSigningRequestApproval({ name: "serving", body: approved(await c.readCertificateSigningRequest({ name: "serving" })) });
      await assert.rejects(c.replaceCertificateSigningRequestApproval({ name: "client", body: approved(await c.readCertificateSigningRequest({ name: "client" })) }), (e) => code(e) === 403 && /signerName/.test(body(e).message ?? ""));
      await assert.rejects(c.replaceCertificateSigningRequestApproval({ name: "client", body: approved(await c.readCertificateSigningRequest({ name: "client" }), "Denied") }), (e) => code(e) === 403);

      // a node (group system:nodes through its user) may create CSRs but not approve its own
      const nkc = new KubeConfig();
      nkc.loadFromFile(nodeFile.path);
      const n = nkc.makeApiClient(CertificatesV1Api);
      const mine = await n.createCertificateSigningRequest({ body: { metadata: { name: "mine" }, spec: { request: b64(REQUEST), signerName: "kubernetes.io/kubelet-serving", usages: ["server auth"] } } });
      assert.deepEqual(mine.spec.groups, ["system:nodes", "system:authenticated"]);
      await assert.rejects(n.replaceCertificateSigningRequestApproval({ name: "mine", body: approved(mine) }), (e) => code(e) === 403);

      // SubjectAccessReview answers for any user and group from the same policy
      const authz = kc.makeApiClient(AuthorizationV1Api);
      const ask = async (user: string, groups: string[], verb: string, resource: string, name?: string) =>
        (await authz.createSubjectAccessReview({ body: { spec: { user, groups, resourceAttributes: { group: "certificates.k8s.io", resource, verb, ...(name ? { name } : {}) } } } })).status?.allowed;
      assert.equal(await ask(APPROVER, [], "approve", "signers", "kubernetes.io/kubelet-serving"), true);
      assert.equal(await ask(APPROVER, [], "approve", "signers", "kubernetes.io/kube-apiserver-client"), false);
      assert.equal(await ask("someone", ["system:nodes"], "create", "certificatesigningrequests"), true);
      assert.equal(await ask("someone", [], "create", "certificatesigningrequests"), false);
    } finally {
      await rbac.close();
      file.cleanup();
      nodeFile.cleanup();
    }
  });

  it("lists and watches CSRs by spec.signerName", async () => {
    const signerOnly = (await certs("admin").listCertificateSigningRequest({ fieldSelector: "spec.signerName=kubernetes.io/kube-apiserver-client" })).items;
    assert.deepEqual(signerOnly, []);
    const rv = String(server.store.resourceVersion);
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void new Watch(kcs.admin!)
        .watch("/apis/certificates.k8s.io/v1/certificatesigningrequests", { resourceVersion: rv, fieldSelector: "spec.signerName=kubernetes.io/kubelet-serving" }, (type, obj: { metadata?: { name?: string } }) => {
          seen.push(`${type} ${obj.metadata?.name}`);
          if (seen.length === 1) resolve();
        }, () => resolve())
        .then((req) => setTimeout(() => req.abort(), 2000));
      const other = kubeletServingCsr("client-signer", "w1", REQUEST, "2026-05-31T00:00:00Z");
      server.store.put({ ...other, spec: { ...(other.spec as object), signerName: "kubernetes.io/kube-apiserver-client" } });
      server.store.put(kubeletServingCsr("serving-signer", "w1", REQUEST, "2026-05-31T00:00:00Z"));
    });
    assert.deepEqual(seen, ["ADDED serving-signer"]);
  });

  it("Nodes carry .status.addresses; Events are created in a namespace", async () => {
    server.store.put(node("w1", ["w1", "10.0.0.11"]));
    const core = kcs.admin!.makeApiClient(CoreV1Api);
    const n = await core.readNode({ name: "w1" });
    assert.deepEqual(n.status?.addresses?.map((a) => `${a.type}=${a.address}`), ["Hostname=w1", "InternalIP=10.0.0.11"]);
    const ev = await core.createNamespacedEvent({ namespace: "default", body: { metadata: { generateName: "csr." }, involvedObject: { kind: "CertificateSigningRequest", name: "x", apiVersion: "certificates.k8s.io/v1" }, reason: "SANMismatch", message: "m", type: "Warning" } });
    assert.equal(ev.metadata?.namespace, "default");
    assert.equal((await core.listNamespacedEvent({ namespace: "default" })).items.length, 1);
  });

  it("Leases: create once (409 for the second), update with the current resourceVersion, 409 for a stale one", async () => {
    const leases = kcs.admin!.makeApiClient(CoordinationV1Api);
    const body = { metadata: { name: "approver", namespace: "certdoctor" }, spec: { holderIdentity: "a", leaseDurationSeconds: 15 } };
    const first = await leases.createNamespacedLease({ namespace: "certdoctor", body });
    await assert.rejects(leases.createNamespacedLease({ namespace: "certdoctor", body }), (e) => code(e) === 409);
    const renewed = await leases.replaceNamespacedLease({ name: "approver", namespace: "certdoctor", body: { ...first, spec: { ...first.spec, holderIdentity: "a" } } });
    assert.notEqual(renewed.metadata?.resourceVersion, first.metadata?.resourceVersion);
    await assert.rejects(leases.replaceNamespacedLease({ name: "approver", namespace: "certdoctor", body: { ...first, spec: { ...first.spec, holderIdentity: "b" } } }), (e) => code(e) === 409);
    assert.equal((await leases.readNamespacedLease({ name: "approver", namespace: "certdoctor" })).spec?.holderIdentity, "a");
  });
});

function csrDef() {
  return { group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests", kind: "CertificateSigningRequest", namespaced: false };
}
