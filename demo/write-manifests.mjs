// Wraps the openssl-made demo certificates, keys and CSRs from IN_DIR into the Kubernetes objects of
// demo/cluster/manifests/, in the shape `kubectl get -o yaml` saves them.
// Usage: node write-manifests.mjs IN_DIR OUT_DIR. Called by gen-manifests.sh.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(new URL("../package.json", import.meta.url));
const YAML = require("yaml");
const [inDir, outDir] = process.argv.slice(2);
const read = (name) => readFileSync(join(inDir, name));
const b64 = (name) => read(name).toString("base64");
const pem = (name) => read(name).toString("utf8");
// YAML 1.1 quoting, like kubectl: timestamps stay strings for any parser.
const yaml = (doc) => YAML.stringify(doc, { lineWidth: 0, version: "1.1" });
const list = (items) => ({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items });
const write = (name, text) => writeFileSync(join(outDir, name), text);

const secret = (namespace, name, type, data, created) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace, creationTimestamp: created },
  type,
  data,
});

// KubeEdge keeps DER, not PEM: cadata/cakeydata and cloudcoredata/cloudcorekeydata.
write("kubeedge.yaml", yaml(list([
  secret("kubeedge", "casecret", "Opaque",
    { cadata: b64("edge-new-ca.der"), cakeydata: b64("edge-new-ca.key.der") }, "2026-10-15T00:00:00Z"),
  secret("kubeedge", "cloudcoresecret", "Opaque",
    { cloudcoredata: b64("cloudcore.der"), cloudcorekeydata: b64("cloudcore.key.der") }, "2026-10-15T00:00:00Z"),
])));

const csr = (name, created, spec, status) => ({
  apiVersion: "certificates.k8s.io/v1",
  kind: "CertificateSigningRequest",
  metadata: { name, creationTimestamp: created },
  spec,
  status,
});
write("csrs.yaml", yaml(list([
  csr("csr-t7q9w", "2026-11-30T20:00:00Z", {
    groups: ["system:nodes", "system:authenticated"],
    request: b64("talos-worker-1.csr"),
    signerName: "kubernetes.io/kubelet-serving",
    usages: ["digital signature", "server auth"],
    username: "system:node:talos-worker-1",
  }, {}),
  csr("csr-2bq8m", "2026-09-15T08:25:00Z", {
    groups: ["system:nodes", "system:authenticated"],
    request: b64("cp-1-client.csr"),
    signerName: "kubernetes.io/kube-apiserver-client-kubelet",
    usages: ["digital signature", "client auth"],
    username: "system:node:cp-1",
  }, {
    certificate: b64("cp-1-client.crt"),
    conditions: [{
      lastTransitionTime: "2026-09-15T08:25:00Z",
      lastUpdateTime: "2026-09-15T08:25:00Z",
      message: "Auto approving self kubelet client certificate after SubjectAccessReview.",
      reason: "AutoApproved",
      status: "True",
      type: "Approved",
    }],
  }),
])));

write("webhooks.yaml", yaml({
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingWebhookConfiguration",
  metadata: { name: "policy-webhook", creationTimestamp: "2026-06-01T00:00:00Z" },
  webhooks: [{
    admissionReviewVersions: ["v1"],
    clientConfig: {
      caBundle: b64("webhook-ca.crt"),
      service: { name: "policy-webhook", namespace: "policy-system", path: "/validate", port: 443 },
    },
    failurePolicy: "Fail",
    name: "validate.policy.example.com",
    rules: [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["deployments"], scope: "Namespaced" }],
    sideEffects: "None",
    timeoutSeconds: 10,
  }],
}));

const rootCa = (namespace) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "kube-root-ca.crt", namespace, creationTimestamp: "2025-01-10T00:05:00Z" },
  data: { "ca.crt": pem("cluster-ca.crt") },
});
write("secrets.yaml", [
  secret("policy-system", "policy-webhook-tls", "kubernetes.io/tls", {
    "ca.crt": b64("webhook-ca.crt"),
    "tls.crt": b64("webhook-tls.crt"),
    "tls.key": b64("webhook-tls.key"),
  }, "2026-06-01T00:00:00Z"),
  rootCa("default"),
  rootCa("kube-system"),
].map(yaml).join("---\n"));
