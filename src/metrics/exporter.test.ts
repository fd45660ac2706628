import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { b64, FixedPki } from "../../test/support/fixed-pki.js";
import { parseExposition, promtoolCheckMetrics, samplesOf, type Exposition, type Sample } from "../../test/support/exposition.js";
import { scan } from "../engine/scan.js";
import type { ScanResult } from "../engine/types.js";
import { x509LabelNames } from "./cert-series.js";
import { renderMetrics } from "./exporter.js";
import { stateFromScan } from "./from-scan.js";
import { defaultMetricsOptions } from "./options.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const X509_FAMILIES = ["x509_cert_not_after", "x509_cert_not_before", "x509_cert_expired", "x509_cert_error"];
const pki = new FixedPki();
let result: ScanResult;
let text: string;
let exp: Exposition;

function render(format: "text" | "openmetrics" = "text"): string {
  const state = stateFromScan(result, { paths: [pki.tree], sourceKinds: [] });
  return Buffer.concat(renderMetrics(state, { build: { version: "0.1.0-test" } }, format, NOW.getTime()).chunks).toString("utf8");
}

function only(name: string, match: (s: Sample) => boolean): Sample {
  const found = samplesOf(exp, name).filter(match);
  assert.equal(found.length, 1, `${name}: ${found.length} samples match`);
  return found[0]!;
}

const at = (file: string) => (s: Sample) => s.labels.filepath === `${pki.tree}/${file}`;

before(async () => {
  pki.issue("ca", { subj: "/C=FR/ST=Bretagne/L=Rennes/O=Certdoctor/OU=Platform/CN=Test Root CA", start: "2025-01-01T00:00:00Z", end: "2035-01-01T00:00:00Z", ca: true, serial: "01" });
  pki.issue("apiserver", { subj: "/O=kubeadm/CN=kube-apiserver", start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z", signer: "ca", serial: "F1E2D3C4B5A6978800112233445566778899AABB" });
  pki.issue("old-apiserver", { subj: "/O=kubeadm/CN=kube-apiserver", start: "2025-01-01T00:00:00Z", end: "2026-01-01T00:00:00Z", signer: "ca" });
  pki.issue("admin", { subj: "/O=kubeadm:cluster-admins/CN=kubernetes-admin", start: "2026-01-01T00:00:00Z", end: "2026-06-20T00:00:00Z", signer: "ca" });
  pki.issue("web", { subj: "/CN=web.example", start: "2026-01-01T00:00:00Z", end: "2026-12-01T00:00:00Z", signer: "ca" });
  pki.issue("future", { subj: "/CN=future", start: "2026-07-01T00:00:00Z", end: "2027-07-01T00:00:00Z", signer: "ca" });
  const ca = pki.pem("ca");
  pki.put("etc/kubernetes/pki/ca.crt", ca);
  pki.put("etc/kubernetes/pki/apiserver.crt", pki.pem("apiserver"));
  pki.put("etc/kubernetes/pki/apiserver.key", pki.keyPem("apiserver"));
  pki.put("etc/kubernetes/pki/expired/apiserver.crt", pki.pem("old-apiserver"));
  pki.put("certs/dup.pem", ca + ca);
  pki.put("certs/future.crt", pki.pem("future"));
  pki.put("certs/bad.pem", `${pki.pem("web")}-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n`);
  pki.put(
    "etc/kubernetes/admin.conf",
    `apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: ${b64(ca)}\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: ${b64(pki.pem("admin"))}\n    client-key-data: ${b64(pki.keyPem("admin"))}\n`,
  );
  pki.put(
    "dump/objects.yaml",
    [
      `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: web-tls\n  namespace: shop\ndata:\n  tls.crt: ${b64(pki.pem("web") + ca)}\n  tls.key: ${b64(pki.keyPem("web"))}\n  ca.crt: ${b64(ca)}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-root-ca.crt\n  namespace: kube-system\ndata:\n  ca.crt: |\n${ca.trimEnd().split("\n").map((l) => `    ${l}`).join("\n")}\n`,
      `apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: policy-hook\nwebhooks:\n- name: validate.policy.example\n  clientConfig:\n    caBundle: ${b64(ca)}\n`,
    ].join("---\n"),
  );
  result = await scan({ paths: [pki.tree], now: NOW, warnDays: 30, critDays: 7, workers: 0 });
  text = render();
  exp = parseExposition(text);
});
after(() => pki.cleanup());

describe("x509_* series: enix v4 schema and values", () => {
  it("passes promtool check metrics", () => {
    assert.equal(promtoolCheckMetrics(text), "");
  });

  it("gives every per-certificate sample exactly enix's label set, in enix's order", () => {
    const names = x509LabelNames(defaultMetricsOptions);
    for (const family of X509_FAMILIES) {
      const samples = samplesOf(exp, family);
      assert.ok(samples.length > 0, family);
      for (const s of samples) assert.deepEqual(Object.keys(s.labels), names, family);
    }
    const info = samplesOf(exp, "certdoctor_cert_info");
    for (const s of info) assert.deepEqual(Object.keys(s.labels), [...names, "fingerprint", "node", "role", "in_use"]);
    assert.equal(info.length, samplesOf(exp, "x509_cert_not_after").length);
  });

  it("takes values from the certificate as openssl prints them: dates, decimal serial, DN fields with ST", () => {
    const f = pki.fields("apiserver");
    const where = at("etc/kubernetes/pki/apiserver.crt");
    const notAfter = only("x509_cert_not_after", where);
    assert.equal(notAfter.value, f.notAfter / 1000);
    assert.equal(only("x509_cert_not_before", where).value, f.notBefore / 1000);
    assert.equal(only("x509_cert_expired", where).value, 0);
    assert.equal(only("x509_cert_error", where).value, 0);
    assert.equal(notAfter.labels.serial_number, BigInt(`0x${f.serialHex}`).toString());
    assert.equal(notAfter.labels.serial_number, "1380925191812544026020643544312360769704185932475");
    assert.equal(notAfter.labels.filename, "apiserver.crt");
    assert.deepEqual(
      [notAfter.labels.subject_O, notAfter.labels.subject_CN, notAfter.labels.subject_C],
      ["kubeadm", "kube-apiserver", ""],
    );
    const ca = only("x509_cert_not_after", at("etc/kubernetes/pki/ca.crt"));
    assert.deepEqual(
      ["C", "ST", "L", "O", "OU", "CN"].map((k) => ca.labels[`subject_${k}`]),
      ["FR", "Bretagne", "Rennes", "Certdoctor", "Platform", "Test Root CA"],
    );
    assert.deepEqual(
      ["C", "ST", "L", "O", "OU", "CN"].map((k) => notAfter.labels[`issuer_${k}`]),
      ["FR", "Bretagne", "Rennes", "Certdoctor", "Platform", "Test Root CA"],
    );
    assert.equal(ca.labels.serial_number, "1");
  });

  it("joins certdoctor_cert_info on the same labels: fingerprint, node, role, in_use", () => {
    const info = only("certdoctor_cert_info", at("etc/kubernetes/pki/apiserver.crt"));
    assert.equal(info.labels.fingerprint, pki.fields("apiserver").fingerprint);
    assert.equal(info.labels.role, "kubeadm-apiserver");
    assert.equal(info.labels.node, pki.tree);
    assert.equal(info.labels.in_use, "true");
  });

  it("marks expiry against now: expired 1 after notAfter, not-yet-valid visible through not_before", () => {
    const future = only("x509_cert_not_before", at("certs/future.crt"));
    assert.ok(future.value > NOW.getTime() / 1000);
    assert.equal(only("x509_cert_expired", at("certs/future.crt")).value, 0);
  });

  it("fills the kubeconfig, Secret, ConfigMap and caBundle slots and leaves the others empty", () => {
    const user = only("x509_cert_not_after", (s) => s.labels.embedded_kind === "user");
    assert.deepEqual([user.labels.filename, user.labels.embedded_key, user.labels.subject_CN], ["admin.conf", "kubernetes-admin", "kubernetes-admin"]);
    const cluster = only("x509_cert_not_after", (s) => s.labels.embedded_kind === "cluster");
    assert.deepEqual([cluster.labels.embedded_key, cluster.labels.subject_CN], ["kubernetes", "Test Root CA"]);

    const secret = samplesOf(exp, "x509_cert_not_after").filter((s) => s.labels.secret_name === "web-tls");
    assert.deepEqual(
      secret.map((s) => `${s.labels.secret_namespace}/${s.labels.secret_key}:${s.labels.subject_CN}`).sort(),
      ["shop/ca.crt:Test Root CA", "shop/tls.crt:Test Root CA", "shop/tls.crt:web.example"],
    );
    for (const s of secret) assert.deepEqual([s.labels.filepath, s.labels.filename, s.labels.configmap_name], ["", "", ""]);
    const cm = only("x509_cert_not_after", (s) => s.labels.configmap_name === "kube-root-ca.crt");
    assert.deepEqual([cm.labels.configmap_namespace, cm.labels.configmap_key, cm.labels.secret_name], ["kube-system", "ca.crt", ""]);
    const hook = only("x509_cert_not_after", (s) => s.labels.cabundle_resource_name === "policy-hook");
    assert.deepEqual([hook.labels.cabundle_entry, hook.labels.filepath], ["0", ""]);
  });

  it("gives two identical certificates in one file a discriminator each, counts the collision, and never fails", () => {
    const dup = samplesOf(exp, "x509_cert_not_after").filter(at("certs/dup.pem"));
    assert.equal(dup.length, 2);
    assert.match(dup[0]!.labels.discriminator!, /^[0-9a-f]{8}$/);
    assert.notEqual(dup[0]!.labels.discriminator, dup[1]!.labels.discriminator);
    const unique = only("x509_cert_not_after", at("etc/kubernetes/pki/apiserver.crt"));
    assert.equal(unique.labels.discriminator, "");
    assert.equal(only("x509_cert_collision_total", (s) => s.labels.source_kind === "file").value, 1);
  });

  it("keeps backups (kubeadm pki/expired) out by default", () => {
    assert.equal(samplesOf(exp, "x509_cert_not_after").filter((s) => s.labels.filepath!.includes("/pki/expired/")).length, 0);
  });

  it("exposes an unparseable block as x509_cert_error 1 at its location, next to its good neighbour", () => {
    const errors = samplesOf(exp, "x509_cert_error").filter(at("certs/bad.pem"));
    assert.deepEqual(errors.map((s) => [s.value, s.labels.serial_number]).sort(), [[0, BigInt(`0x${pki.fields("web").serialHex}`).toString()], [1, ""]]);
    assert.equal(samplesOf(exp, "x509_cert_not_after").filter(at("certs/bad.pem")).length, 1);
  });

  it("reports the file source up with its errors by enix reason, every reason present from 0", () => {
    assert.equal(only("x509_source_up", () => true).labels.source_name, pki.tree);
    const errors = samplesOf(exp, "x509_source_errors_total");
    assert.equal(errors.find((s) => s.labels.reason === "bad_der")!.value, 1);
    assert.equal(errors.find((s) => s.labels.reason === "permission_denied")!.value, 0);
    assert.equal(only("x509_exporter_build_info", () => true).labels.version, "0.1.0-test");
  });

  it("never exposes private key material", () => {
    for (const name of ["apiserver", "admin", "web"]) {
      const body = pki.keyPem(name).split("\n").filter((l) => l && !l.startsWith("-----"));
      for (const line of body) assert.ok(!text.includes(line), `key line of ${name} in the exposition`);
    }
    assert.doesNotMatch(text, /PRIVATE KEY/);
  });

  it("renders OpenMetrics with the same series and # EOF last", () => {
    const om = parseExposition(render("openmetrics"), "openmetrics");
    assert.equal(om.eof, true);
    assert.equal(om.families.get("certdoctor_cert")?.type, "info");
    assert.equal(om.families.get("x509_source_errors")?.type, "counter");
    assert.equal(samplesOf(om, "x509_cert_not_after").length, samplesOf(exp, "x509_cert_not_after").length);
    assert.equal(samplesOf(om, "x509_source_errors_total").length, samplesOf(exp, "x509_source_errors_total").length);
  });
});
