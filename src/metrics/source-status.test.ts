import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "../errors.js";
import type { ScanIssue } from "../model/issue.js";
import { serialToDecimal } from "../pki/x509.js";
import { locationSlots, trimPath } from "./ref-labels.js";
import { deriveSourceStatuses, reasonOf } from "./source-status.js";

const issue = (code: string, ref: string): ScanIssue => ({ code: code as ScanIssue["code"], ref, message: "m", material: true });

describe("source status", () => {
  const rows: Array<{ name: string; issues: ScanIssue[]; kinds?: string[]; want: Array<[string, string, boolean, Record<string, number>]> }> = [
    { name: "a clean file root is up with no errors", issues: [], want: [["file", "/data", true, {}]] },
    {
      name: "file errors count for the innermost root, by enix reason",
      issues: [issue(ErrorCode.ERR_PEM_INVALID, "file:/data/inner/x.pem#1"), issue(ErrorCode.ERR_PKCS12_PASSWORD, "file:/data/a.p12"), issue(ErrorCode.ERR_FILE_BINARY, "file:/data/blob")],
      want: [["file", "/data", true, { bad_passphrase: 1 }], ["file", "/data/inner", true, { bad_pem: 1 }]],
    },
    {
      name: "an unreadable root is down",
      issues: [issue(ErrorCode.ERR_SOURCE_PERMISSION_DENIED, "file:/data")],
      want: [["file", "/data", false, { permission_denied: 1 }], ["file", "/data/inner", true, {}]],
    },
    {
      name: "a cluster-wide 403 on secrets takes kube-secret down; a namespaced one only counts",
      kinds: ["kube-api"],
      issues: [
        issue(ErrorCode.ERR_SOURCE_FORBIDDEN, "kube-api:/api/v1/secrets#list"),
        issue(ErrorCode.ERR_SOURCE_FORBIDDEN, "kube-api:/api/v1/namespaces/team-a/configmaps#list"),
        issue(ErrorCode.ERR_SOURCE_UNAVAILABLE, "kube-api:/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations#watch"),
        issue(ErrorCode.ERR_BASE64_INVALID, "secret:shop/tls#tls.crt"),
        issue(ErrorCode.ERR_SOURCE_SKIPPED, "kube-api:/api/v1/nodes#list"),
      ],
      want: [
        ["file", "/data", true, {}],
        ["file", "/data/inner", true, {}],
        ["kube-cabundle", "kubernetes", false, { api_error: 1 }],
        ["kube-configmap", "kubernetes", true, { http_403: 1 }],
        ["kube-csr", "kubernetes", true, {}],
        ["kube-secret", "kubernetes", false, { decode_failed: 1, http_403: 1 }],
      ],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const paths = row.name.startsWith("a clean") ? ["/data"] : ["/data", "/data/inner"];
      const got = deriveSourceStatuses(row.issues, { paths, sourceKinds: row.kinds ?? [] }).map((s) => [s.kind, s.name, s.up, Object.fromEntries(s.errors)]);
      assert.deepEqual(got, row.want);
    });
  }

  it("maps every source error code to a reason or deliberately to none", () => {
    for (const code of Object.values(ErrorCode)) {
      const r = reasonOf(code);
      if (r !== undefined) assert.match(r, /^[a-z0-9_]+$/, code);
    }
    assert.equal(reasonOf(ErrorCode.ERR_FILE_BINARY), undefined);
  });
});

describe("label helpers", () => {
  it("prints serials in decimal like Go's big.Int, from the signed hex the parser gives", () => {
    assert.equal(serialToDecimal("01"), "1");
    assert.equal(serialToDecimal("ff"), "255");
    assert.equal(serialToDecimal("8badf00ddeadbeef"), "10064964684604096239");
    assert.equal(serialToDecimal("-ff"), "-255");
    assert.equal(serialToDecimal("-01"), "-1");
  });

  it("trims leading path components like enix's trimPath", () => {
    assert.equal(trimPath("/mnt/watch/etc/kubernetes/pki/ca.crt", 2), "/etc/kubernetes/pki/ca.crt");
    assert.equal(trimPath("/a/b", 5), "");
    assert.equal(trimPath("rel/x", 1), "x");
    assert.equal(trimPath("/a/b", 0), "/a/b");
  });

  it("fills enix's slots from refs and has none for CSRs, endpoints and process views", () => {
    assert.deepEqual(locationSlots("kubeconfig:/k/admin.conf#users/system:admin/2", "/k/admin.conf", 0), {
      kind: "kubeconfig", filename: "admin.conf", filepath: "/k/admin.conf", embeddedKind: "user", embeddedKey: "system:admin",
      namespace: "", name: "", key: "", cabundleKind: "", cabundleEntry: "",
    });
    assert.equal(locationSlots("secret:ns/s#tls.crt/1", "/dump.yaml", 0)?.key, "tls.crt");
    assert.equal(locationSlots("apiservice:v1beta1.metrics.k8s.io#spec.caBundle", undefined, 0)?.cabundleKind, "APIService");
    for (const ref of ["csr:csr-1#status.certificate", "endpoint:10.0.0.1:6443#0", "process:kubelet[1]:/var/lib/kubelet/pki/x.pem"]) {
      assert.equal(locationSlots(ref, undefined, 0), undefined, ref);
    }
  });
});
