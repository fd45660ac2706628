import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCode } from "../../errors.js";
import type { CertItem, KeyItem, KubeCsrItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue, type ReadContext } from "../../model/scan.js";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { readFileItems } from "../file/read.js";
import { parseDocuments } from "./parse-documents.js";
import { readManifestObjects } from "./read-objects.js";

const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [] };
const b64 = (b: Buffer | string) => Buffer.from(b).toString("base64");
const certs = (items: Array<RawItem | ScanIssue>) => items.filter((i): i is CertItem => !isScanIssue(i) && i.type === "cert");
const keys = (items: Array<RawItem | ScanIssue>) => items.filter((i): i is KeyItem => !isScanIssue(i) && i.type === "key");
const issueCodes = (items: Array<RawItem | ScanIssue>) => items.filter(isScanIssue).map((i) => [i.code, i.ref, i.material]);

describe("manifest reader", () => {
  let o: OpensslDir;
  const read = (name: string) => readFileItems({ path: o.path(name), symlink: false, size: statSync(o.path(name)).size }, ctx);
  before(() => {
    o = makeOpensslDir();
    o.makeCa("ca", "/CN=kubeedge", "rsa");
    o.makeLeaf("tls", "ca", "/CN=webhook.svc", "DNS:webhook.svc");
    o.toDer("ca.crt", "ca.der");
    o.run("rsa", "-in", "ca.key", "-traditional", "-outform", "DER", "-out", "ca.key.der");
    o.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "node.key", "-out", "node.csr", "-subj", "/O=system:nodes/CN=system:node:w1");
    const list = {
      apiVersion: "v1",
      kind: "SecretList",
      items: [
        { apiVersion: "v1", kind: "Secret", metadata: { name: "web-tls", namespace: "apps" }, type: "kubernetes.io/tls",
          data: { "tls.crt": b64(o.read("tls.crt")), "tls.key": b64(o.read("tls.key")), "ca.crt": "%%% not base64 %%%" } },
        { apiVersion: "v1", kind: "Secret", metadata: { name: "casecret", namespace: "kubeedge" },
          data: { cadata: b64(o.read("ca.der")), cakeydata: b64(o.read("ca.key.der")) } },
        { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, data: { password: b64("hunter2") } },
      ],
    };
    o.write("secrets.json", JSON.stringify(list));
    o.write("multi.yaml", [
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-root-ca.crt\n  namespace: kube-system\ndata:\n  ca.crt: |\n" + o.readText("ca.crt").replace(/^/gm, "    ").trimEnd(),
      "this: is: not: yaml: [",
      `apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: hook\nwebhooks:\n- name: a\n  clientConfig:\n    caBundle: ${b64(o.read("ca.crt"))}\n- name: b\n  clientConfig: {}`,
      `apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: v1beta1.metrics.k8s.io\nspec:\n  caBundle: ${b64(o.read("ca.crt") + o.readText("tls.crt"))}`,
    ].join("\n---\n"));
    const csr = (name: string, request: string, extra = "") =>
      `apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: ${name}\n  creationTimestamp: "2026-01-02T03:04:05Z"\nspec:\n  request: ${request}\n  signerName: kubernetes.io/kube-apiserver-client-kubelet\n  usages: [digital signature, client auth]\n  username: system:node:w1\n  groups: [system:nodes, system:authenticated]\n${extra}`;
    o.write("csrs.yaml", [
      csr("csr-good", b64(o.read("node.csr")), `status:\n  certificate: ${b64(o.read("tls.crt"))}\n  conditions:\n  - type: Approved\n    status: "True"\n    reason: AutoApproved\n`),
      csr("csr-garbage", b64("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")),
    ].join("---\n"));
  });
  after(() => o.cleanup());

  it("reads a Secret List: tls pair, KubeEdge DER cadata/cakeydata, invalid base64 as an issue without hiding other keys", () => {
    const items = read("secrets.json");
    assert.deepEqual(certs(items).map((c) => [c.ref, c.context, c.anchor ?? false, c.pair ?? null, c.path]), [
      ["secret:apps/web-tls#tls.crt", "secret:apps/web-tls", false, "secret:apps/web-tls#pair/tls", o.path("secrets.json")],
      ["secret:kubeedge/casecret#cadata", "secret:kubeedge/casecret", true, "secret:kubeedge/casecret#pair/ca", o.path("secrets.json")],
    ]);
    assert.deepEqual(keys(items).map((k) => [k.ref, k.pair, k.key.keyType]), [
      ["secret:apps/web-tls#tls.key", "secret:apps/web-tls#pair/tls", "EC"],
      ["secret:kubeedge/casecret#cakeydata", "secret:kubeedge/casecret#pair/ca", "RSA"],
    ]);
    assert.deepEqual(issueCodes(items), [[ErrorCode.ERR_BASE64_INVALID, "secret:apps/web-tls#ca.crt", true]]);
  });

  it("reads multi-document YAML: ConfigMap, webhooks, APIService bundle; one broken document does not hide the rest", () => {
    const items = read("multi.yaml");
    assert.deepEqual(certs(items).map((c) => [c.ref, c.context, c.anchor ?? false]), [
      ["configmap:kube-system/kube-root-ca.crt#ca.crt", "configmap:kube-system/kube-root-ca.crt", true],
      ["webhook:hook#webhooks/0/clientConfig/caBundle", "webhook:hook#webhooks/0", true],
      ["apiservice:v1beta1.metrics.k8s.io#spec.caBundle/0", "apiservice:v1beta1.metrics.k8s.io", true],
      ["apiservice:v1beta1.metrics.k8s.io#spec.caBundle/1", "apiservice:v1beta1.metrics.k8s.io", true],
    ]);
    assert.deepEqual(issueCodes(items), [[ErrorCode.ERR_YAML_INVALID, `file:${o.path("multi.yaml")}#doc/1`, true]]);
  });

  it("reads CertificateSigningRequests; a garbage request is an issue and the object still comes out", () => {
    const items = read("csrs.yaml");
    const kube = items.filter((i): i is KubeCsrItem => !isScanIssue(i) && i.type === "kube-csr");
    assert.deepEqual(kube.map((k) => [k.ref, k.issued, k.request?.subject ?? null, k.signerName, k.username, k.groups, k.usages, k.createdAt]), [
      ["csr:csr-good", true, "CN=system:node:w1,O=system:nodes", "kubernetes.io/kube-apiserver-client-kubelet", "system:node:w1", ["system:nodes", "system:authenticated"], ["digital signature", "client auth"], Date.UTC(2026, 0, 2, 3, 4, 5)],
      ["csr:csr-garbage", false, null, "kubernetes.io/kube-apiserver-client-kubelet", "system:node:w1", ["system:nodes", "system:authenticated"], ["digital signature", "client auth"], Date.UTC(2026, 0, 2, 3, 4, 5)],
    ]);
    assert.deepEqual(kube[0]!.conditions, [{ type: "Approved", status: "True", reason: "AutoApproved" }]);
    assert.equal(kube[0]!.request?.signatureValid, true);
    assert.deepEqual(certs(items).map((c) => [c.ref, c.context]), [["csr:csr-good#status.certificate", "csr:csr-good"]]);
    assert.deepEqual(issueCodes(items).map((i) => i.slice(0, 2)), [[ErrorCode.ERR_CSR_INVALID, "csr:csr-garbage"]]);
  });

  it("never throws on arbitrary Kubernetes-ish objects (property)", () => {
    const leaf = fc.oneof(fc.string(), fc.base64String(), fc.integer(), fc.constant(null), fc.boolean());
    const kind = fc.constantFrom("Secret", "ConfigMap", "CertificateSigningRequest", "ValidatingWebhookConfiguration", "APIService", "CustomResourceDefinition", "List");
    const any = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("v"), { maxLength: 3 }), fc.dictionary(fc.constantFrom("name", "data", "items", "spec", "status", "request", "caBundle", "clientConfig", "webhooks", "certificate", "tls.crt", "conversion"), tie("v"), { maxKeys: 4 })),
    })).v;
    fc.assert(
      fc.property(fc.array(fc.record({ kind, metadata: any, data: any, spec: any, status: any, items: any, webhooks: any }, { requiredKeys: ["kind"] }), { maxLength: 4 }), (docs) => {
        for (const item of readManifestObjects(docs, { path: "/m.yaml" }, ctx)) if (isScanIssue(item)) assert.match(item.code, /^ERR_/);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary YAML-ish text (property)", () => {
    const token = fc.constantFrom("apiVersion: v1\n", "kind: Secret\n", "kind: List\n", "items:\n", "- ", "  ", "data:\n", "---\n", "&a ", "*a ", "[", "]", "{", "}", ": ", "'", '"', "|\n", "tls.crt: ", "LS0tLS1CRUdJTg==", "\n", "metadata: {name: x}\n", "!!binary ", "<<: *a\n");
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }).map((t) => t.join("")), (text) => {
        const { docs, issues } = parseDocuments(text, "file:/x.yaml", ctx);
        for (const issue of issues) assert.match(issue.code, /^ERR_/);
        readManifestObjects(docs, { path: "/x.yaml" }, ctx);
      }),
      { numRuns: 500 },
    );
  });
});
