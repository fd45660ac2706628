import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { KubeObjectItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue } from "../../model/scan.js";
import { fixturePath } from "../../../test/support/fixtures.js";
import { readKubeObject } from "./read-object.js";

const ctx = { limits: defaultLimits, pkcs12Passwords: [] };
const caB64 = Buffer.from(readFileSync(fixturePath("chain-ok", "root-ca.crt"))).toString("base64");
const leafPem = readFileSync(fixturePath("chain-ok", "leaf.crt"), "utf8");

/** `type ref context anchor pair` of every item, `code ref` of every issue. */
function shape(items: Array<RawItem | ScanIssue>): string[] {
  return items.map((i) => (isScanIssue(i) ? `${i.code} ${i.ref}` : `${i.type} ${i.ref} ${i.context} ${"anchor" in i && i.anchor ? "anchor" : ""} ${i.pair ?? ""}`.trim()));
}

const objects: Array<{ name: string; obj: Record<string, unknown>; material: string[]; facts: string[] }> = [
  {
    name: "TLS Secret",
    obj: { kind: "Secret", metadata: { name: "web", namespace: "apps" }, data: { "tls.crt": Buffer.from(leafPem).toString("base64"), "ca.crt": caB64 } },
    material: ["cert secret:apps/web#tls.crt secret:apps/web", "cert secret:apps/web#ca.crt secret:apps/web anchor"],
    facts: [],
  },
  {
    name: "TLS Secret whose tls.crt is not a certificate (and a non-certificate key beside it)",
    obj: { kind: "Secret", metadata: { name: "junk", namespace: "apps" }, data: { "tls.crt": Buffer.from("hello, not a certificate\n").toString("base64"), token: Buffer.from("abc").toString("base64") } },
    material: ["ERR_CERT_INVALID secret:apps/junk#tls.crt"],
    facts: [],
  },
  {
    name: "ConfigMap without namespace",
    obj: { kind: "ConfigMap", metadata: { name: "bundle" }, data: { "ca.crt": readFileSync(fixturePath("chain-ok", "root-ca.crt"), "utf8") } },
    material: ["cert configmap:default/bundle#ca.crt configmap:default/bundle anchor"],
    facts: [],
  },
  {
    name: "webhook with a caBundle and a service",
    obj: { kind: "ValidatingWebhookConfiguration", metadata: { name: "hook" }, webhooks: [{ clientConfig: { url: "https://x" } }, { clientConfig: { caBundle: caB64, service: { namespace: "n", name: "s", port: 8443 } } }] },
    material: ["cert webhook:hook#webhooks/1/clientConfig/caBundle webhook:hook#webhooks/1 anchor"],
    facts: ["kube-object webhook:hook#webhooks/1 webhook:hook#webhooks/1"],
  },
  {
    name: "APIService with a broken caBundle",
    obj: { kind: "APIService", metadata: { name: "v1.m" }, spec: { caBundle: "not base64!", service: { namespace: "kube-system", name: "metrics-server" } } },
    material: ["ERR_BASE64_INVALID apiservice:v1.m#spec.caBundle"],
    facts: ["kube-object apiservice:v1.m apiservice:v1.m"],
  },
  {
    name: "v1beta1 CRD conversion webhook",
    obj: { kind: "CustomResourceDefinition", metadata: { name: "a.b" }, spec: { conversion: { webhookClientConfig: { caBundle: caB64, service: { namespace: "n", name: "conv" } } } } },
    material: ["cert crd:a.b#spec.conversion.webhookClientConfig.caBundle crd:a.b anchor"],
    facts: ["kube-object crd:a.b crd:a.b"],
  },
  {
    name: "Secret without a name",
    obj: { kind: "Secret", metadata: { namespace: "apps" }, data: { "ca.crt": caB64 } },
    material: ["ERR_MANIFEST_INVALID FILE"],
    facts: [],
  },
  { name: "Node", obj: { kind: "Node", metadata: { name: "w1" }, status: { addresses: [{ address: "10.0.0.1" }] } }, material: [], facts: ["kube-object node:w1 node:w1"] },
  { name: "a kind certdoctor does not read", obj: { kind: "Pod", metadata: { name: "p" } }, material: [], facts: [] },
];

describe("readKubeObject", () => {
  for (const row of objects) {
    it(`${row.name}: a dump and a live read give the same refs; facts only for the API`, () => {
      const dump = readKubeObject(row.obj, { path: "/dump/objects.yaml", facts: false }, ctx);
      const live = readKubeObject(row.obj, { facts: true }, ctx);
      assert.deepEqual(shape(dump), row.material.map((s) => s.replace("FILE", "file:/dump/objects.yaml")));
      const liveMaterial = live.filter((i) => isScanIssue(i) || i.type !== "kube-object");
      const liveFacts = live.filter((i): i is KubeObjectItem => !isScanIssue(i) && i.type === "kube-object");
      assert.deepEqual(shape(liveMaterial), row.material.map((s) => s.replace("FILE", `secret:apps/?`)));
      assert.deepEqual(shape(liveFacts), row.facts);
      for (const item of dump) if (!isScanIssue(item)) assert.equal(item.path, "/dump/objects.yaml");
      for (const item of live) if (!isScanIssue(item)) assert.equal("path" in item, false, `${item.ref} has a path`);
    });
  }
});
