import assert from "node:assert/strict";
import { mkdirSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCode } from "../../errors.js";
import type { CertItem, KeyItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue, type ReadContext } from "../../model/scan.js";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { readFileItems } from "../file/read.js";
import { isKubeconfig, readKubeconfig } from "./read-kubeconfig.js";

const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [] };
const b64 = (b: Buffer) => b.toString("base64");
const certs = (items: Array<RawItem | ScanIssue>) => items.filter((i): i is CertItem => !isScanIssue(i) && i.type === "cert");
const keys = (items: Array<RawItem | ScanIssue>) => items.filter((i): i is KeyItem => !isScanIssue(i) && i.type === "key");

describe("kubeconfig reader", () => {
  let o: OpensslDir;
  const read = (name: string) => readFileItems({ path: o.path(name), symlink: false, size: statSync(o.path(name)).size }, ctx);
  before(() => {
    o = makeOpensslDir();
    o.makeCa("ca");
    o.makeLeaf("admin", "ca", "/O=system:masters/CN=kubernetes-admin");
    o.write("admin.conf", [
      "apiVersion: v1", "kind: Config",
      "clusters:", "- name: kubernetes", "  cluster:", "    server: https://10.0.0.1:6443", `    certificate-authority-data: ${b64(o.read("ca.crt"))}`,
      "users:", "- name: kubernetes-admin", "  user:", `    client-certificate-data: ${b64(o.read("admin.crt"))}`, `    client-key-data: ${b64(o.read("admin.key"))}`,
      "contexts: []", "current-context: ''", "",
    ].join("\n"));
    // A node dump: kubelet.conf references an absolute path that lives under the same node prefix.
    mkdirSync(o.path("node1/etc/kubernetes"), { recursive: true });
    mkdirSync(o.path("node1/var/lib/kubelet/pki"), { recursive: true });
    o.write("node1/var/lib/kubelet/pki/kubelet-client-current.pem", o.readText("admin.crt") + o.readText("admin.key"));
    o.write("node1/etc/kubernetes/ca.crt", o.read("ca.crt"));
    o.write("node1/etc/kubernetes/kubelet.conf", [
      "apiVersion: v1", "kind: Config",
      "clusters:", "- name: default", "  cluster:", "    certificate-authority: ca.crt", "    server: https://x:6443",
      "users:", "- name: default-auth", "  user:", "    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem", "    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem",
      "- name: gone", "  user:", "    client-certificate: missing.crt", "",
    ].join("\n"));
  });
  after(() => o.cleanup());

  it("reads embedded CA (anchor) and client cert/key (paired) with kubeconfig refs", () => {
    const items = read("admin.conf");
    const base = `kubeconfig:${o.path("admin.conf")}`;
    assert.deepEqual(certs(items).map((c) => [c.ref, c.context, c.anchor ?? false, c.pair ?? null, c.path]), [
      [`${base}#clusters/kubernetes`, base, true, null, o.path("admin.conf")],
      [`${base}#users/kubernetes-admin`, base, false, `${base}#users/kubernetes-admin`, o.path("admin.conf")],
    ]);
    assert.deepEqual(keys(items).map((k) => [k.ref, k.pair]), [[`${base}#users/kubernetes-admin/key`, `${base}#users/kubernetes-admin`]]);
    assert.equal(items.filter(isScanIssue).length, 0);
  });

  it("resolves file references (relative, and absolute under the node prefix) and reports a missing one", () => {
    const path = "node1/etc/kubernetes/kubelet.conf";
    const base = `kubeconfig:${o.path(path)}`;
    const items = read(path);
    const current = o.path("node1/var/lib/kubelet/pki/kubelet-client-current.pem");
    assert.deepEqual(certs(items).map((c) => [c.ref, c.context, c.anchor ?? false, c.pair ?? null]), [
      [`file:${o.path("node1/etc/kubernetes/ca.crt")}`, base, true, null],
      [`file:${current}#0`, base, false, `${base}#users/default-auth`],
    ]);
    assert.deepEqual(keys(items).map((k) => [k.ref, k.pair]), [[`file:${current}#1`, `${base}#users/default-auth`]]);
    assert.deepEqual(items.filter(isScanIssue).map((i) => [i.code, i.ref, i.material]), [[ErrorCode.ERR_KUBECONFIG_REF_MISSING, `${base}#users/gone`, true]]);
  });

  it("never throws on arbitrary JSON-like documents (property)", () => {
    const value = fc.letrec((tie) => ({
      any: fc.oneof({ depthSize: "small" }, fc.string(), fc.integer(), fc.constant(null), fc.base64String(), fc.array(tie("any"), { maxLength: 3 }), fc.dictionary(fc.constantFrom("name", "cluster", "user", "certificate-authority-data", "client-certificate-data", "client-key-data", "client-certificate", "certificate-authority"), tie("any"), { maxKeys: 4 })),
    })).any;
    fc.assert(
      fc.property(fc.record({ kind: fc.constant("Config"), clusters: fc.array(value, { maxLength: 3 }), users: fc.array(value, { maxLength: 3 }) }), (doc) => {
        assert.ok(isKubeconfig(doc));
        for (const item of readKubeconfig(doc, { path: "/nonexistent/kubeconfig" }, ctx)) {
          if (isScanIssue(item)) assert.match(item.code, /^ERR_/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
