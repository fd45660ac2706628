/**
 * No certificate lost to a broken structure: a kubeconfig with mangled top-level keys and a manifest
 * with a broken YAML document still yield the certificates they embed, plus the parse-error.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { defaultLimits } from "../../model/scan.js";
import { isScanIssue } from "../../model/scan.js";
import { readFileItems } from "./read.js";

describe("salvage from broken structure", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir("certdoctor-salvage-");
    o.makeCa("ca");
    o.makeLeaf("leaf", "ca");
  });
  after(() => o.cleanup());
  const read = (name: string) => readFileItems({ path: o.path(name), symlink: false } as never, { limits: defaultLimits, pkcs12Passwords: [] });
  const b64 = (f: string) => Buffer.from(o.readText(f)).toString("base64");

  it("kubeconfig with mangled top-level keys: certificates by value and a kubeconfig parse-error", () => {
    o.write("admin.conf", `apiVersion: v1\nclusterz:\n- cluster:\n    certificate-authority-data: ${b64("ca.crt")}\n    server: https://10.0.0.1:6443\n  name: k\nuserz:\n- name: admin\n  user:\n    client-certificate-data: ${b64("leaf.crt")}\n`);
    const items = read("admin.conf");
    const certs = items.filter((i) => !isScanIssue(i) && i.type === "cert");
    const issues = items.filter(isScanIssue);
    assert.equal(certs.length, 2);
    assert.deepEqual(issues.map((i) => i.code), ["ERR_KUBECONFIG_INVALID"]);
  });

  it("a broken YAML document beside a good Secret: both certificates, and the YAML error", () => {
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ok\n  namespace: a\ndata:\n  ca.crt: ${b64("ca.crt")}\n`;
    const broken = `apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\ndata:\n  leaf.pem: |\n${o.readText("leaf.crt").split("\n").map((l) => "    " + l).join("\n")}\n`;
    o.write("all.yaml", `${secret}---\n${broken}`);
    const items = read("all.yaml");
    const refs = items.filter((i) => !isScanIssue(i) && i.type === "cert").map((i) => (i as { ref: string }).ref);
    assert.equal(refs.length, 2, refs.join(" "));
    assert.ok(refs.some((r) => r.startsWith("secret:a/ok")));
    assert.ok(items.some((i) => isScanIssue(i) && i.code === "ERR_YAML_INVALID"));
  });

  it("plain YAML without any certificate stays silent", () => {
    o.write("values.yaml", "kind: nothing\nreplicas: 3\n");
    assert.deepEqual(read("values.yaml"), []);
  });
});
