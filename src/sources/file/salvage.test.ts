/**
 * No certificate lost to a broken structure: a kubeconfig with mangled top-level keys and a manifest
 * with a broken YAML document still yield the certificates they embed, plus the parse-error.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { defaultLimits } from "../../model/scan.js";
import { isScanIssue } from "../../model/scan.js";
import { webhookFanOut } from "../../../test/support/hostile-yaml.js";
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

  const certRefs = (items: ReturnType<typeof read>) => items.flatMap((i) => (!isScanIssue(i) && i.type === "cert" ? [(i as { ref: string }).ref] : []));

  it("an alias bomb (List.items → 50^3 webhook caBundles) beside a good Secret: the Secret's certificate, the bomb's own certificate by value once, one ERR_YAML_LIMIT, quickly", () => {
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ok\n  namespace: a\ndata:\n  ca.crt: ${b64("ca.crt")}\n`;
    o.write("bomb.yaml", `${secret}---\n${webhookFanOut(b64("leaf.crt"), 50)}`);
    const started = performance.now();
    const items = read("bomb.yaml");
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual(certRefs(items).sort(), [`file:${o.path("bomb.yaml")}#1`, "secret:a/ok#ca.crt"]);
    assert.deepEqual(items.filter(isScanIssue).map((i) => [i.code, i.ref]), [["ERR_YAML_LIMIT", `file:${o.path("bomb.yaml")}#doc/1`]]);
  });

  it("certificates by value in flow style and JSON lines of a document that cannot be read", () => {
    o.write("flow.yaml", `kind: List\nitems: &i [{kind: List, items: *i}, {kind: ConfigMap, data: {ca.crt: ${b64("ca.crt")}}}]\n`);
    assert.equal(certRefs(read("flow.yaml")).length, 1);
    o.write("deep.json", `{"kind": "List", "deep": ${"[".repeat(200)}${"]".repeat(200)},\n  "caBundle": "${b64("leaf.crt")}",\n  "x": 1}`);
    const items = read("deep.json");
    assert.equal(certRefs(items).length, 1);
    assert.deepEqual(items.filter(isScanIssue).map((i) => i.code), ["ERR_YAML_LIMIT"]);
  });

  it("plain YAML without any certificate stays silent", () => {
    o.write("values.yaml", "kind: nothing\nreplicas: 3\n");
    assert.deepEqual(read("values.yaml"), []);
  });
});
